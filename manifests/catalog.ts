/**
 * The Kubeflow releases this program supports, each proven against its real render
 * in the tests. A release is pinned by tag AND commit so that a moved tag is caught
 * at fetch time instead of silently deploying different manifests.
 */

export interface Release {
    /** What the user writes in config: "26.03", "v1.9.1", ... */
    id: string;
    /** The upstream git tag. */
    tag: string;
    /** The commit the tag pointed at when this catalog entry was written. */
    commit: string;
    /** Which authservice the release's example kustomization deploys (and the auth component patches). */
    authservice: "oauth2-proxy" | "oidc-authservice";
    /**
     * The pipelines' object store behind `minio-service`: the Deployment `kubeflow/minio`
     * up to v1.10.2, `kubeflow/seaweedfs` from v1.11.0 (an upgrade across copies the
     * artifacts, manifests/upgrades/artifacts.ts).
     */
    objectStore: "minio" | "seaweedfs";
    /** Kubernetes minor versions the release documents as supported or tested (inclusive). */
    kubernetes: { min: string; max: string };
}

/** Upstream repository (renamed kubeflow/community-distribution; GitHub redirects the old name). */
export const MANIFESTS_REPOSITORY = "https://github.com/kubeflow/manifests";

/** The kustomization inside the repository that installs the whole platform. */
export const KUSTOMIZATION_PATH = "example";

export const DEFAULT_RELEASE = "26.03";

// Kubernetes ranges: max is what each release's README lists under prerequisites
// ("up to 1.25" for v1.7, "up to 1.26" for v1.8) or its CI validates (26.03 documents
// 1.34+ as validated); min is the oldest minor still tested by the components of
// that release. AKS only offers recent minors, so the max bound is what matters in
// practice; a cluster outside the range is worth a warning, not a refusal.
const CATALOG: Release[] = [
    {
        id: "26.03",
        tag: "26.03",
        commit: "d68ebc7fab366ab40ddd1541d2ec22febb31bc83",
        authservice: "oauth2-proxy",
        objectStore: "seaweedfs",
        kubernetes: { min: "1.34", max: "1.35" },
    },
    {
        id: "v1.11.0",
        tag: "v1.11.0",
        commit: "854bd3a21044f767204def71b2dcda83e376891f",
        authservice: "oauth2-proxy",
        objectStore: "seaweedfs",
        kubernetes: { min: "1.31", max: "1.34" },
    },
    {
        id: "v1.10.2",
        tag: "v1.10.2",
        commit: "d8d643f1a736b28c525bd9b8ee5c9b2f4a661b39",
        authservice: "oauth2-proxy",
        objectStore: "minio",
        kubernetes: { min: "1.29", max: "1.32" },
    },
    {
        id: "v1.9.1",
        tag: "v1.9.1",
        commit: "b68bb751c3e067f4a23bad6b9b2c6720645bf266",
        authservice: "oauth2-proxy",
        objectStore: "minio",
        kubernetes: { min: "1.27", max: "1.29" },
    },
    {
        id: "v1.8.1",
        tag: "v1.8.1",
        commit: "a925b2968e68f3085092adc04e9af39d4f5045f3",
        authservice: "oidc-authservice",
        objectStore: "minio",
        kubernetes: { min: "1.25", max: "1.26" },
    },
    {
        id: "v1.7.0",
        tag: "v1.7.0",
        commit: "14c0f9abe70c4d0ce3e021a5839a7cdd54dc572d",
        authservice: "oidc-authservice",
        objectStore: "minio",
        kubernetes: { min: "1.24", max: "1.25" },
    },
];

export const RELEASES: readonly Release[] = Object.freeze(CATALOG.map((r) => Object.freeze({ ...r, kubernetes: Object.freeze({ ...r.kubernetes }) })));

export function releaseIds(): string[] {
    return RELEASES.map((r) => r.id);
}

/** The catalog entry for an id; "1.9.1" is accepted for "v1.9.1" since both spellings are common. */
export function findRelease(id: string): Release | undefined {
    const wanted = id.trim();
    return RELEASES.find((r) => r.id === wanted || r.id === `v${wanted}`);
}

/** Whether a Kubernetes version ("1.33" or "1.33.2") lies in the release's documented range. */
export function supportsKubernetes(release: Release, version: string): boolean {
    const v = kubernetesMinor(version);
    if (v === undefined) {
        return false;
    }
    const lo = kubernetesMinor(release.kubernetes.min);
    const hi = kubernetesMinor(release.kubernetes.max);
    return lo !== undefined && hi !== undefined && v >= lo && v <= hi;
}

/** The minor of a Kubernetes 1.x version ("1.33", "v1.33.2" -> 33), undefined when it is not one. */
export function kubernetesMinor(version: string): number | undefined {
    const m = /^v?1\.(\d+)(?:\.\d+)?$/.exec(version.trim());
    return m ? Number(m[1]) : undefined;
}
