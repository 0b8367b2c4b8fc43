/**
 * Each profile namespace its own object-store key, limited to its own prefix, on the
 * releases whose object store is MinIO (v1.7.0 to v1.10.2).
 *
 * Upstream, the pipelines profile controller (sync.py, a metacontroller hook) writes the
 * object store's root key into every namespace labelled `pipelines.kubeflow.org/enabled`
 * as Secret `mlpipeline-minio-artifact`, from its own MINIO_ACCESS_KEY/MINIO_SECRET_KEY;
 * nothing in it can differ per namespace, and the keys the pipelines write carry no
 * namespace (Argo's keyFormat `artifacts/{{workflow.name}}/...`, KFP v2's default root
 * `minio://mlpipeline/v2/artifacts`). Any member of any profile, self-made ones included,
 * reads and writes every team's artifacts with that key.
 *
 * What this changes, on the render:
 *  - the profile controller copies a key MinIO does not know (`unassigned`), and writes
 *    a `kfp-launcher` ConfigMap in every namespace (its KFP_DEFAULT_PIPELINE_ROOT set);
 *  - Argo's keyFormat puts every workflow's artifacts and logs under
 *    `private-artifacts/<namespace>/`, the layout upstream adopted with SeaweedFS in v1.11;
 *  - a CronJob, every minute, gives each such namespace a MinIO user of its own
 *    (`mc admin user add`, the secret random, kept while the namespace's Secret holds it)
 *    whose one policy allows objects under `private-artifacts/<namespace>/` and nothing
 *    else, then writes that key into the namespace's Secret and the namespace's pipeline
 *    root (`minio://mlpipeline/private-artifacts/<namespace>/v2/artifacts`) into its
 *    `kfp-launcher`, which the KFP v2 driver reads in the run's namespace.
 *
 * metacontroller never rewrites those two objects: the controller declares Secrets and
 * ConfigMaps `updateStrategy: OnDelete` in every release of this range (metacontroller
 * v2.0.4 pkg/controller/common/manage_children.go, "Not updating ... OnDelete"). Until
 * the CronJob has run (a minute at most), a new namespace holds only the unknown key.
 *
 * The key is stateless to derive: the access key is `kfp` and 17 hex digits of the
 * namespace's SHA-256 (MinIO of this era takes 3 to 20 characters), so the CronJob
 * recognises its own key in a Secret, and a namespace deleted and made again under the
 * same name gets a new secret. Pure: no Pulumi.
 */
import * as yaml from "js-yaml";
import { isKind, withContainerEnv } from "../kube";
import { KubeObject, objectKey } from "../types";
import { RESTRICTED_CONTAINER, platformCronJob } from "./platform-cronjob";

export const ARTIFACT_KEYS = "kubeflow-azure-artifact-keys";
export const ARTIFACT_KEYS_NAMESPACE = "kubeflow";
/** The bucket KFP uses (pipeline-install-config `bucketName` in every release of the range). */
export const ARTIFACT_BUCKET = "mlpipeline";
/** The prefix of one namespace's objects, the layout of upstream's SeaweedFS releases. */
export const privatePrefix = (namespace: string): string => `private-artifacts/${namespace}/`;
/** What a namespace holds until the CronJob gives it its own key: no MinIO identity. */
export const UNASSIGNED_KEY = "unassigned";
/** The root kfp-launcher names until the CronJob writes the namespace's own. */
export const UNASSIGNED_ROOT = `minio://${ARTIFACT_BUCKET}/${privatePrefix(UNASSIGNED_KEY)}v2/artifacts`;
/**
 * mc of the MinIO server's era. The releases run minio RELEASE.2019-08-14T20-37-41Z,
 * whose admin API (`/minio/admin/v1`, add-user payloads encrypted with the root secret
 * in the format of pkg/madmin/encrypt.go at that tag) no mc after
 * RELEASE.2019-10-09T22-54-57Z speaks: its go.mod pins a minio commit from before the
 * format change (b7ee0bbbc) and the move to v2 (4e63e0e37), and its `admin user` and
 * `admin policy` commands make the calls the 2019-08-14 mc makes. Its binary is static
 * (CGO_ENABLED=0 in mc's Makefile): an init container copies it out of the image.
 */
export const MC_IMAGE = "docker.io/minio/mc:RELEASE.2019-10-09T22-54-57Z";
export const MC_BINARY = "/usr/bin/mc";

const PROFILE_CONTROLLER = "kubeflow-pipelines-profile-controller";
const WORKFLOW_CONTROLLER_CONFIG = "workflow-controller-configmap";

const isProfileController = (o: KubeObject): boolean =>
    isKind(o, "apps", "Deployment") && o.metadata.namespace === "kubeflow" && o.metadata.name === PROFILE_CONTROLLER;
const isPipelineUi = (o: KubeObject): boolean => isKind(o, "apps", "Deployment") && o.metadata.namespace === "kubeflow" && o.metadata.name === "ml-pipeline-ui";
const isWorkflowControllerConfig = (o: KubeObject): boolean =>
    isKind(o, "", "ConfigMap") && o.metadata.namespace === "kubeflow" && o.metadata.name === WORKFLOW_CONTROLLER_CONFIG;
const NAMESPACE_SECRET = "mlpipeline-minio-artifact";
const LAUNCHER_CONFIG = "kfp-launcher";
const UI_ARTIFACT = "ml-pipeline-ui-artifact";

/** The policy a namespace's MinIO user has: its own prefix, listing included, nothing else. */
export function namespacePolicy(namespace: string): Record<string, unknown> {
    const prefix = privatePrefix(namespace);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: [`arn:aws:s3:::${ARTIFACT_BUCKET}/${prefix}*`],
            },
            {
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: [`arn:aws:s3:::${ARTIFACT_BUCKET}`],
                Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
            },
            // minio-go asks a bucket's region before its first request.
            { Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: [`arn:aws:s3:::${ARTIFACT_BUCKET}`] },
        ],
    };
}

/** Stands for the namespace in POLICY_TEMPLATE (a namespace name never holds `_`). */
const NAMESPACE_MARK = "__NAMESPACE__";
/** namespacePolicy with the mark in place of the namespace: the script fills it in. */
export const POLICY_TEMPLATE = JSON.stringify(namespacePolicy(NAMESPACE_MARK));

/**
 * The CronJob's script: for each namespace the profile controller serves, the MinIO
 * policy and user first, then the namespace's Secret and pipeline root, so a Secret never
 * names a key MinIO does not know. A namespace whose Secret or kfp-launcher the profile
 * controller has not written yet is left for the next run; one that fails is reported
 * and the others go on (the Job then fails, and the next run tries again). Plain sh with
 * kubectl, jq, sha256sum and mc, so a test can run it against a real API server.
 */
export const ARTIFACT_KEYS_SCRIPT = String.raw`set -u
export MC_HOST_kfp="http://$ROOT_ACCESS_KEY:$ROOT_SECRET_KEY@$MINIO_ENDPOINT"
work=$(mktemp -d) || exit 1
assign() {
  ns=$1
  secret=$(kubectl -n "$ns" get secret ${NAMESPACE_SECRET} -o json 2>/dev/null) || { echo "$ns: no ${NAMESPACE_SECRET} yet"; return 0; }
  kubectl -n "$ns" get configmap ${LAUNCHER_CONFIG} >/dev/null 2>&1 || { echo "$ns: no ${LAUNCHER_CONFIG} yet"; return 0; }
  ak="kfp$(printf %s "$ns" | sha256sum | cut -c1-17)"
  current=$(printf %s "$secret" | jq -r '.data.accesskey // ""' | base64 -d) || return 1
  if [ "$current" = "$ak" ]; then
    sk=$(printf %s "$secret" | jq -r '.data.secretkey' | base64 -d) || return 1
  else
    sk=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-32) || return 1
  fi
  printf %s "$POLICY_TEMPLATE" | sed "s/${NAMESPACE_MARK}/$ns/g" > "$work/policy.json" || return 1
  mc admin policy add kfp "$ak" "$work/policy.json" >/dev/null || return 1
  mc admin user add kfp "$ak" "$sk" >/dev/null || return 1
  mc admin policy set kfp "$ak" "user=$ak" >/dev/null || return 1
  if [ "$current" != "$ak" ]; then
    data=$(jq -n --arg a "$ak" --arg s "$sk" '{data: {accesskey: ($a | @base64), secretkey: ($s | @base64)}}') || return 1
    kubectl -n "$ns" patch secret ${NAMESPACE_SECRET} --type merge -p "$data" >/dev/null || return 1
    # The artifact server reads the key from its environment: a new key needs a new pod.
    kubectl -n "$ns" rollout restart deployment ${UI_ARTIFACT} >/dev/null 2>&1 || true
    echo "$ns: own key $ak"
  fi
  root=$(jq -n --arg ns "$ns" '{data: {defaultPipelineRoot: ("minio://${ARTIFACT_BUCKET}/private-artifacts/" + $ns + "/v2/artifacts")}}') || return 1
  kubectl -n "$ns" patch configmap ${LAUNCHER_CONFIG} --type merge -p "$root" >/dev/null || return 1
}
names=$(kubectl get namespaces -l pipelines.kubeflow.org/enabled=true -o jsonpath='{.items[*].metadata.name}') || exit 1
status=0
for ns in $names; do
  # The store's own namespace holds the root key under the same name: never touched.
  [ "$ns" = "${ARTIFACT_KEYS_NAMESPACE}" ] && continue
  assign "$ns" || { echo "$ns: failed" >&2; status=1; }
done
rm -rf "$work"
exit "$status"`;

/** Whether the render's object store is the MinIO whose key the profile controller copies. */
export function copiesRootKey(objects: readonly KubeObject[]): boolean {
    const controller = objects.find(isProfileController);
    return controller !== undefined && envOf(controller).some((e) => e.name === "MINIO_ACCESS_KEY");
}

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: unknown;
}

interface PodSpecLike {
    containers?: { name: string; env?: EnvVar[] }[];
}

function podSpec(o: KubeObject): PodSpecLike {
    return (o.spec as { template?: { spec?: PodSpecLike } } | undefined)?.template?.spec ?? {};
}

function envOf(o: KubeObject): EnvVar[] {
    return (podSpec(o).containers ?? []).flatMap((c) => c.env ?? []);
}

/**
 * The render with the profile controller copying the unassigned key and writing
 * kfp-launcher, Argo's artifacts under each workflow's namespace, and the CronJob that
 * hands out the keys. A render whose controller copies no key is returned as it is.
 */
export function isolateArtifacts(objects: readonly KubeObject[]): KubeObject[] {
    if (!copiesRootKey(objects)) {
        return [...objects];
    }
    const keyFormat = namespacedKeyFormat(upstreamKeyFormat(objects));
    return [
        ...objects.map((o) => {
            if (isProfileController(o)) {
                return withContainerEnv(o, { MINIO_ACCESS_KEY: UNASSIGNED_KEY, MINIO_SECRET_KEY: UNASSIGNED_KEY, KFP_DEFAULT_PIPELINE_ROOT: UNASSIGNED_ROOT });
            }
            if (isWorkflowControllerConfig(o)) {
                return withKeyFormat(o, keyFormat);
            }
            // KFP 2.5.0's UI reads archived logs itself, at keys it builds from ARGO_KEYFORMAT
            // (frontend/server/workflow-helper.ts; the variable takes {{workflow.namespace}}).
            if (isPipelineUi(o) && envOf(o).some((e) => e.name === "ARGO_ARCHIVE_LOGS")) {
                return withContainerEnv(o, { ARGO_KEYFORMAT: keyFormat });
            }
            return o;
        }),
        ...artifactKeysObjects(),
    ];
}

/** Argo's keyFormat with `private-artifacts/{{workflow.namespace}}/` in front of upstream's. */
export function namespacedKeyFormat(keyFormat: string): string {
    const rest = keyFormat.replace(/^artifacts\//, "");
    return `private-artifacts/{{workflow.namespace}}/${rest}`;
}

interface ArtifactRepository {
    s3?: { keyFormat?: string };
}

function artifactRepository(o: KubeObject): ArtifactRepository {
    const repository = yaml.load(((o.data ?? {}) as Record<string, string>).artifactRepository ?? "") as ArtifactRepository | undefined;
    if (!repository?.s3) {
        throw new Error(`${objectKey(o)}: no s3 artifactRepository to give each namespace its own prefix`);
    }
    return repository;
}

/** The render's keyFormat; without one, Argo's default `{{workflow.name}}/{{pod.name}}` (the ConfigMap's own comment). */
function upstreamKeyFormat(objects: readonly KubeObject[]): string {
    const config = objects.find(isWorkflowControllerConfig);
    if (!config) {
        throw new Error("kubeflow/workflow-controller-configmap is missing: the pipelines' artifact keys cannot be given a namespace");
    }
    return artifactRepository(config).s3?.keyFormat ?? "{{workflow.name}}/{{pod.name}}";
}

function withKeyFormat(o: KubeObject, keyFormat: string): KubeObject {
    const repository = artifactRepository(o);
    const text = yaml.dump({ ...repository, s3: { ...repository.s3, keyFormat } }, { lineWidth: -1 });
    return { ...o, data: { ...((o.data ?? {}) as Record<string, string>), artifactRepository: text } };
}

/** The CronJob's account, its rights (named objects only, where Kubernetes allows it), and the CronJob. */
export function artifactKeysObjects(): KubeObject[] {
    return platformCronJob({
        name: ARTIFACT_KEYS,
        namespace: ARTIFACT_KEYS_NAMESPACE,
        rules: [
            { apiGroups: [""], resources: ["namespaces"], verbs: ["list"] },
            { apiGroups: [""], resources: ["secrets"], resourceNames: [NAMESPACE_SECRET], verbs: ["get", "patch"] },
            { apiGroups: [""], resources: ["configmaps"], resourceNames: [LAUNCHER_CONFIG], verbs: ["get", "patch"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: [UI_ARTIFACT], verbs: ["get", "patch"] },
        ],
        container: "artifact-keys",
        script: ARTIFACT_KEYS_SCRIPT,
        env: [
            { name: "ROOT_ACCESS_KEY", valueFrom: { secretKeyRef: { name: NAMESPACE_SECRET, key: "accesskey" } } },
            { name: "ROOT_SECRET_KEY", valueFrom: { secretKeyRef: { name: NAMESPACE_SECRET, key: "secretkey" } } },
            // MinIO's policy on its pods admits plain text (the CronJob has no sidecar).
            { name: "MINIO_ENDPOINT", value: "minio-service.kubeflow:9000" },
            { name: "POLICY_TEMPLATE", value: POLICY_TEMPLATE },
            { name: "PATH", value: "/tools:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
        ],
        initContainers: [
            {
                name: "mc",
                image: MC_IMAGE,
                command: ["cp", MC_BINARY, "/tools/mc"],
                securityContext: RESTRICTED_CONTAINER,
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                volumeMounts: [{ name: "tools", mountPath: "/tools" }],
            },
        ],
        extraVolumes: [{ name: "tools", mountPath: "/tools", readOnly: true }],
    });
}
