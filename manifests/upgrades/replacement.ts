/**
 * Which changes make the Kubernetes provider replace an object (delete it, then create it
 * again under the same name) instead of updating it in place. Read by the offline plan's
 * diff (scripts/plan-diff.ts) and by the upgrade apply on the real API server
 * (tools/kube-apply.ts). Pure: no Pulumi.
 */
import { canonicalJson } from "../kube";
import { KubeObject, apiGroup } from "../types";

/**
 * The fields whose change the provider replaces an object for (pulumi-kubernetes v4.32.0
 * provider/pkg/provider/diff.go forceNew and forceNewProperties), by `<group or core>
 * <Kind>`; `metadata.name` and `metadata.namespace` for every kind. A ConfigMap's and a
 * Secret's data are replace-only when the object is `immutable` or the provider's
 * enableConfigMapMutable / enableSecretMutable is off; this program turns both on
 * (components/aks-cluster.ts), so only immutable ones are replaced.
 */
const SELECTOR = ["spec.selector"];
const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
    "apps Deployment": SELECTOR,
    "apps DaemonSet": SELECTOR,
    "apps StatefulSet": ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
    "batch Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    "rbac.authorization.k8s.io RoleBinding": ["roleRef"],
    "rbac.authorization.k8s.io ClusterRoleBinding": ["roleRef"],
    "storage.k8s.io StorageClass": ["parameters", "provisioner"],
    "core PersistentVolumeClaim": ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
    "core Service": ["spec.clusterIP"],
};

/** What diff.go adds for a ConfigMap or Secret marked `immutable: true`. */
const IMMUTABLE: Readonly<Record<string, readonly string[]>> = {
    "core Secret": ["type", "data", "stringData"],
    "core ConfigMap": ["data", "binaryData"],
};

/** The dotted paths whose change replaces an object of this apiVersion and kind (`immutable`: the object's own field). */
export function forceNewFields(apiVersion: string, kind: string, immutable = false): string[] {
    const key = `${apiGroup(apiVersion) || "core"} ${kind}`;
    return ["metadata.name", "metadata.namespace", ...(FORCE_NEW[key] ?? []), ...(immutable ? (IMMUTABLE[key] ?? []) : [])];
}

/** Whether a changed property path (`spec.selector.matchLabels.app`, `data[0]`) lies under one of the fields. */
export function forcesReplacement(fields: readonly string[], path: string): boolean {
    return fields.some((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`));
}

function at(o: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), o);
}

/** The force-new fields that differ between the applied object and its next version (empty: an update in place). */
export function replacementFields(before: KubeObject, after: KubeObject): string[] {
    return forceNewFields(after.apiVersion, after.kind, before.immutable === true || after.immutable === true).filter(
        (f) => canonicalJson(at(before, f)) !== canonicalJson(at(after, f)),
    );
}
