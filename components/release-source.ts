import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Release, findRelease } from "../manifests/catalog";
import { ManifestSource, checkRenderedRelease, fetchRelease, localSource, readRendered, tagMoved } from "../manifests/source";
import { KubeObject } from "../manifests/types";

/** The objects of a release as rendered, before any transform. */
export interface RenderedRelease {
    readonly release: Release;
    readonly objects: KubeObject[];
    /** Where they came from, for messages: the pinned commit or the local path. */
    readonly origin: string;
}

/**
 * A kubeconfig for a provider that only renders: kustomize runs inside the Kubernetes
 * provider and needs no cluster. Its configuration is known at preview time, unlike the
 * cluster's provider on a new stack, whose invokes return nothing in preview
 * (pulumi/pulumi#10209).
 */
const RENDER_ONLY_KUBECONFIG = JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "render-only", cluster: { server: "https://render-only.invalid" } }],
    contexts: [{ name: "render-only", context: { cluster: "render-only", user: "render-only" } }],
    "current-context": "render-only",
    users: [{ name: "render-only", user: {} }],
});

/** Which release, and where its manifests come from (config's `kubeflowRelease` and `manifests`). */
export interface ReleaseSelection {
    /** A release id of the catalog, e.g. "26.03". */
    readonly kubeflowRelease: string;
    /** A rendered file or a local kustomization; absent: the pinned upstream commit. */
    readonly manifests?: string;
}

export interface LoadReleaseOptions {
    /** Renders a kustomization directory; default: the Kubernetes provider's kustomize (renderKustomization). */
    readonly render?: (directory: string) => KubeObject[] | Promise<KubeObject[]>;
    /** Where a moved upstream tag is reported; default: the engine's warning log. */
    readonly warn?: (message: string) => void;
}

/**
 * Loads the configured release: a rendered file is read directly; a kustomization (a
 * local directory, or the pinned upstream commit fetched into the cache) is rendered
 * with the Kubernetes provider's kustomize through a render-only provider, or with
 * `options.render` where that provider cannot run (the offline plan).
 */
export async function loadRelease(selection: ReleaseSelection, options: LoadReleaseOptions = {}): Promise<RenderedRelease> {
    const release = findRelease(selection.kubeflowRelease);
    if (!release) {
        throw new Error(`unknown Kubeflow release ${selection.kubeflowRelease}`);
    }
    let source: ManifestSource;
    if (selection.manifests) {
        source = localSource(selection.manifests);
    } else {
        source = fetchRelease(release);
        const moved = tagMoved(release);
        if (moved) {
            const message = `Kubeflow ${release.id}: upstream tag ${release.tag} now points at ${moved}; deploying the pinned commit ${release.commit}.`;
            if (options.warn) {
                options.warn(message);
            } else {
                void pulumi.log.warn(message);
            }
        }
    }
    const [objects, origin] =
        source.kind === "rendered"
            ? [readRendered(source.file), source.file]
            : [await (options.render ?? renderKustomization)(source.directory), source.origin];
    checkRenderedRelease(objects, release, origin);
    return { release, objects, origin };
}

export async function renderKustomization(directory: string): Promise<KubeObject[]> {
    const renderer = new k8s.Provider("kustomize-render", { kubeconfig: RENDER_ONLY_KUBECONFIG });
    const rendered = (await pulumi.runtime.invoke("kubernetes:kustomize:directory", { directory }, { provider: renderer })) as { result?: KubeObject[] };
    if (!Array.isArray(rendered.result)) {
        throw new Error(`kustomize returned nothing for ${directory}`);
    }
    return rendered.result;
}
