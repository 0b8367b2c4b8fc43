/**
 * The pipelines' artifacts cross with the release from MinIO to SeaweedFS (v1.10.2 ->
 * v1.11.0). Upstream replaces the store and moves nothing (the Kubeflow 1.11 release notes:
 * back up and restore), so every run made before the upgrade would lose its artifacts.
 *
 * How the copy fits in one `pulumi up`: the engine deletes what the program no longer
 * declares only after every registration has completed (pulumi v3.259.0
 * pkg/resource/deploy/deployment_executor.go performPostSteps -> GenerateDeletes), so the
 * older release's MinIO Deployment still runs, on its volume, while the newer release's
 * objects are applied. A Service of its own (`minio-retired`) selects those MinIO pods
 * (their labels are the same in v1.7.0 to v1.10.2), and a Job mirrors the pipelines'
 * bucket from it into SeaweedFS with the MinIO client (`mc mirror`), after SeaweedFS is
 * ready and before anything of MinIO is deleted. The provider awaits the Job until it has
 * completed (pulumi-kubernetes v4.32.0 provider/pkg/await/awaiters.go, batch/v1 Job); if
 * the copy fails, the update stops before the deletes, and MinIO and its data stay. The
 * volume claim `minio-pvc` is kept afterwards anyway (retainOnDelete).
 *
 * Both stores take the same keys: MinIO reads them from the Secret
 * `mlpipeline-minio-artifact` (MINIO_ACCESS_KEY / MINIO_SECRET_KEY), SeaweedFS configures
 * its admin from the same Secret, and this program's value for it keeps its identity across
 * releases. The Job reads them from that Secret into MC_HOST_<alias> (the MinIO client's
 * environment form of an alias, `http://<key>:<secret>@<host>:<port>`), built by the
 * kubelet from `$(VAR)` references: no key is in the Job's spec.
 *
 * After the copy, the Job deletes each profile namespace's `mlpipeline-minio-artifact`:
 * the older release left the store's root key there (upstream) or a MinIO user of the
 * namespace's own (manifests/authorization/artifact-isolation.ts), neither of which is a
 * SeaweedFS identity of the namespace. The newer release's profile controller makes one
 * for a namespace whose Secret is missing, and keeps an existing Secret as it is
 * (kubeflow/pipelines 2.15.0 sync.py: `attachments["Secret.v1"].get(...)` reused, else
 * `iam.create_access_key` and a policy on `private-artifacts/<namespace>/*`), so without
 * the deletion every namespace would keep the old key: SeaweedFS's admin, or none it
 * knows. Pure: no Pulumi.
 */
import { Release } from "../catalog";
import { KUBECTL_IMAGE, podTemplate, selectorMatches, templateLabels } from "../kube";
import { KubeObject, Problem, formatProblems } from "../types";

/** The MinIO client, pinned (minio/mc release tag). */
export const MC_IMAGE = "docker.io/minio/mc:RELEASE.2024-10-02T08-27-28Z";
export const MIGRATION_NAMESPACE = "kubeflow";
const NAMESPACE_SECRET = "mlpipeline-minio-artifact";

/**
 * The Job's second step: each profile namespace's key deleted, for the newer release's
 * profile controller to issue its own. Plain sh and kubectl, so a test runs it against a
 * real API server.
 */
export const REPLACE_KEYS_SCRIPT = [
    "set -u",
    "names=$(kubectl get namespaces -l pipelines.kubeflow.org/enabled=true -o jsonpath='{.items[*].metadata.name}') || exit 1",
    "for ns in $names; do",
    // The store's own namespace holds the admin key under the same name: never deleted.
    `  [ "$ns" = "${MIGRATION_NAMESPACE}" ] && continue`,
    `  kubectl -n "$ns" delete secret ${NAMESPACE_SECRET} --ignore-not-found || exit 1`,
    "done",
].join("\n");

export const RETIRED_SERVICE = "minio-retired";
export const MIGRATION_JOB = "artifact-migration";
const CREDENTIALS_SECRET = "mlpipeline-minio-artifact";
/** The MinIO pods of v1.7.0 to v1.10.2 (Deployment kubeflow/minio, port 9000). */
const MINIO_POD_LABELS = { app: "minio", "application-crd-id": "kubeflow-pipelines" };
const MINIO_PORT = 9000;
/** SeaweedFS's S3 gateway port (`weed server -s3`, port 8333 in v1.11.0 and 26.03). */
const SEAWEEDFS_S3_PORT = 8333;
/** Hours the provider waits for the copy before it calls the update failed. */
const COPY_TIMEOUT_SECONDS = 4 * 3600;

export interface ArtifactMigration {
    readonly from: string;
    readonly to: string;
    /** `host:port` of the retired and the new store, and the bucket copied. */
    readonly source: string;
    readonly target: string;
    readonly bucket: string;
    readonly objects: readonly KubeObject[];
}

interface Service {
    spec?: { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] };
}

/**
 * The copy's objects when the stack moves from a MinIO release to a SeaweedFS one, else
 * undefined. `previous`: the release the stack runs now (its last `kubeflowRelease`
 * output), undefined on a first deploy. `objects`: the newer release's objects as
 * deployed (credentials included). Throws, naming what is missing, when the render
 * lacks what the copy needs.
 */
export function artifactMigration(previous: Release | undefined, current: Release, objects: readonly KubeObject[]): ArtifactMigration | undefined {
    if (!previous || previous.objectStore !== "minio" || current.objectStore !== "seaweedfs") {
        return undefined;
    }
    const problems: Problem[] = [];
    const find = (kind: string, name: string): KubeObject | undefined =>
        objects.find((o) => o.kind === kind && o.metadata.namespace === MIGRATION_NAMESPACE && o.metadata.name === name);
    const secret = find("Secret", CREDENTIALS_SECRET);
    const keys = Object.keys({ ...((secret?.stringData as object | undefined) ?? {}), ...((secret?.data as object | undefined) ?? {}) });
    if (!secret || !keys.includes("accesskey") || !keys.includes("secretkey")) {
        problems.push({
            where: `${MIGRATION_NAMESPACE}/${CREDENTIALS_SECRET}`,
            value: secret ? keys.join(", ") : "absent",
            rule: "the Secret both stores read, with accesskey and secretkey",
        });
    }
    const store = find("Deployment", "seaweedfs");
    const labels = templateLabels((store && podTemplate(store)) ?? {});
    const services = objects.filter(
        (o): o is KubeObject & Service =>
            o.kind === "Service" &&
            o.metadata.namespace === MIGRATION_NAMESPACE &&
            Object.keys((o as Service).spec?.selector ?? {}).length > 0 &&
            selectorMatches({ matchLabels: (o as Service).spec?.selector }, labels) &&
            ((o as Service).spec?.ports ?? []).some((p) => p.port === SEAWEEDFS_S3_PORT || p.targetPort === SEAWEEDFS_S3_PORT),
    );
    const s3 = services.find((s) => s.metadata.name === "seaweedfs") ?? services[0];
    const s3Port = s3?.spec?.ports?.find((p) => p.port === SEAWEEDFS_S3_PORT || p.targetPort === SEAWEEDFS_S3_PORT)?.port;
    if (!store || !s3 || s3Port === undefined) {
        problems.push({
            where: `${MIGRATION_NAMESPACE}/seaweedfs`,
            value: store ? "no Service in front of its S3 port" : "no Deployment",
            rule: `the SeaweedFS Deployment and a Service to its S3 port ${SEAWEEDFS_S3_PORT}`,
        });
    }
    const installConfig = find("ConfigMap", "pipeline-install-config");
    const bucket = (installConfig?.data as Record<string, string> | undefined)?.bucketName;
    if (!bucket) {
        problems.push({
            where: `${MIGRATION_NAMESPACE}/pipeline-install-config`,
            value: installConfig ? "no bucketName" : "absent",
            rule: "names the pipelines' bucket",
        });
    }
    if (problems.length > 0 || !s3 || s3Port === undefined || !bucket) {
        throw new Error(
            formatProblems(`Kubeflow ${previous.id} -> ${current.id}: cannot plan the copy of the pipelines' artifacts from MinIO to SeaweedFS`, problems),
        );
    }
    const source = `${RETIRED_SERVICE}.${MIGRATION_NAMESPACE}.svc.cluster.local:${MINIO_PORT}`;
    const target = `${s3.metadata.name}.${MIGRATION_NAMESPACE}.svc.cluster.local:${s3Port}`;
    const labelsOfCopy = { app: MIGRATION_JOB };
    const keyRef = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key } } });
    return {
        from: previous.id,
        to: current.id,
        source,
        target,
        bucket,
        objects: [
            {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: RETIRED_SERVICE, namespace: MIGRATION_NAMESPACE, labels: labelsOfCopy },
                spec: { selector: { ...MINIO_POD_LABELS }, ports: [{ name: "http", port: MINIO_PORT, targetPort: MINIO_PORT }] },
            },
            {
                apiVersion: "v1",
                kind: "ServiceAccount",
                metadata: { name: MIGRATION_JOB, namespace: MIGRATION_NAMESPACE, labels: labelsOfCopy },
                automountServiceAccountToken: false,
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: `kubeflow-azure-${MIGRATION_JOB}`, labels: labelsOfCopy },
                rules: [
                    { apiGroups: [""], resources: ["namespaces"], verbs: ["list"] },
                    { apiGroups: [""], resources: ["secrets"], resourceNames: [NAMESPACE_SECRET], verbs: ["delete"] },
                ],
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRoleBinding",
                metadata: { name: `kubeflow-azure-${MIGRATION_JOB}`, labels: labelsOfCopy },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `kubeflow-azure-${MIGRATION_JOB}` },
                subjects: [{ kind: "ServiceAccount", name: MIGRATION_JOB, namespace: MIGRATION_NAMESPACE }],
            },
            {
                apiVersion: "batch/v1",
                kind: "Job",
                metadata: {
                    name: MIGRATION_JOB,
                    namespace: MIGRATION_NAMESPACE,
                    labels: labelsOfCopy,
                    annotations: { "pulumi.com/timeoutSeconds": String(COPY_TIMEOUT_SECONDS) },
                },
                spec: {
                    backoffLimit: 3,
                    template: {
                        metadata: { labels: labelsOfCopy },
                        spec: {
                            serviceAccountName: MIGRATION_JOB,
                            // The second step talks to the API server; the copy has no use for the token.
                            automountServiceAccountToken: true,
                            restartPolicy: "Never",
                            // The namespace enforces the restricted Pod Security Standard from v1.11.0.
                            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                            // The copy first: the keys go only once the artifacts are across.
                            initContainers: [
                                {
                                    name: "mirror",
                                    image: MC_IMAGE,
                                    // Copies what is missing or differs; objects already copied by an
                                    // earlier attempt are skipped.
                                    args: ["--config-dir", "/tmp/mc", "mirror", "--overwrite", `retired/${bucket}`, `seaweedfs/${bucket}`],
                                    env: [
                                        keyRef("ACCESS_KEY", "accesskey"),
                                        keyRef("SECRET_KEY", "secretkey"),
                                        { name: "MC_HOST_retired", value: `http://$(ACCESS_KEY):$(SECRET_KEY)@${source}` },
                                        { name: "MC_HOST_seaweedfs", value: `http://$(ACCESS_KEY):$(SECRET_KEY)@${target}` },
                                    ],
                                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            containers: [
                                {
                                    name: "replace-keys",
                                    image: KUBECTL_IMAGE,
                                    command: ["/bin/sh", "-c", REPLACE_KEYS_SCRIPT],
                                    // kubectl's discovery cache.
                                    env: [{ name: "HOME", value: "/tmp" }],
                                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: {} }],
                        },
                    },
                },
            },
        ],
    };
}
