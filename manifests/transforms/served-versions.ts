/**
 * Objects of API versions that the cluster's Kubernetes no longer serves. The API server
 * answers such an object with 404 (the resource does not exist at that version), so a
 * render that holds one fails partway through `pulumi up`. Where Kubernetes names a
 * successor whose schema holds the same fields, the object moves to it; otherwise the
 * release and the Kubernetes version are refused together, before anything exists.
 *
 * The removals and successors are those of Kubernetes' Deprecated API Migration Guide
 * (kubernetes.io/docs/reference/using-api/deprecation-guide/, kubernetes/website
 * content/en/docs/reference/using-api/deprecation-guide.md). Shown on the real API
 * server of ../shared/kube (v1.32): v1.7.0's `autoscaling/v2beta2` HorizontalPodAutoscaler
 * knative-serving/webhook is refused as it is and accepted once moved
 * (test/kube-install.test.ts).
 */
import { kubernetesMinor } from "../catalog";
import { KubeObject, Problem, objectKey } from "../types";

interface Removal {
    readonly apiVersion: string;
    readonly kind: string;
    /** The first minor of Kubernetes 1.x that no longer serves it. */
    readonly removedIn: number;
    /** The version to move to, and the first minor that serves it; absent where fields changed. */
    readonly successor?: { readonly apiVersion: string; readonly since: number };
}

/**
 * The removals of the guide for the kinds a Kubeflow render holds or has held.
 * autoscaling/v2beta2 -> autoscaling/v2 (removed in v1.26): "All existing persisted
 * objects are accessible via the new API", "No notable changes" (the guide's v1.26
 * section, added by kubernetes/website#30720). autoscaling/v2beta1 lists renamed fields
 * (targetAverageUtilization -> target.averageUtilization): no automatic move.
 */
const REMOVALS: readonly Removal[] = [
    { apiVersion: "autoscaling/v2beta2", kind: "HorizontalPodAutoscaler", removedIn: 26, successor: { apiVersion: "autoscaling/v2", since: 23 } },
    { apiVersion: "autoscaling/v2beta1", kind: "HorizontalPodAutoscaler", removedIn: 25 },
    { apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", removedIn: 25 },
    { apiVersion: "policy/v1beta1", kind: "PodSecurityPolicy", removedIn: 25 },
    { apiVersion: "batch/v1beta1", kind: "CronJob", removedIn: 25 },
    { apiVersion: "discovery.k8s.io/v1beta1", kind: "EndpointSlice", removedIn: 25 },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1", kind: "FlowSchema", removedIn: 26 },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1", kind: "PriorityLevelConfiguration", removedIn: 26 },
    { apiVersion: "storage.k8s.io/v1beta1", kind: "CSIStorageCapacity", removedIn: 27 },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2", kind: "FlowSchema", removedIn: 29 },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2", kind: "PriorityLevelConfiguration", removedIn: 29 },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3", kind: "FlowSchema", removedIn: 32 },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3", kind: "PriorityLevelConfiguration", removedIn: 32 },
    // Removed in v1.22 for every kind of these groups at these versions.
    ...[
        "admissionregistration.k8s.io/v1beta1",
        "apiextensions.k8s.io/v1beta1",
        "apiregistration.k8s.io/v1beta1",
        "certificates.k8s.io/v1beta1",
        "coordination.k8s.io/v1beta1",
        "extensions/v1beta1",
        "networking.k8s.io/v1beta1",
        "rbac.authorization.k8s.io/v1beta1",
        "scheduling.k8s.io/v1beta1",
        "storage.k8s.io/v1beta1",
    ].map((apiVersion) => ({ apiVersion, kind: "*", removedIn: 22 })),
];

/** The table's row for an object: its own kind's first, else its group version's `*` row (the order of REMOVALS). */
function removalOf(o: KubeObject): Removal | undefined {
    return REMOVALS.find((r) => r.apiVersion === o.apiVersion && (r.kind === o.kind || r.kind === "*"));
}

export interface ServedVersions {
    /** The objects, each at a version the cluster serves (moved copies; the input is untouched). */
    readonly objects: KubeObject[];
    /** What moved: `objectKey: from -> to`. */
    readonly moved: string[];
    readonly problems: Problem[];
}

/**
 * Every object at a version Kubernetes `kubernetesVersion` serves: moved to the guide's
 * successor whenever this version serves it, left as it is while this version still
 * serves the old one, a problem naming the object, the release and the version
 * otherwise. An unparsable version is config.ts's to report.
 */
export function moveToServedVersions(objects: readonly KubeObject[], kubernetesVersion: string, release: string): ServedVersions {
    const minor = kubernetesMinor(kubernetesVersion);
    const moved: string[] = [];
    const problems: Problem[] = [];
    const out = objects.map((o) => {
        const removal = minor === undefined ? undefined : removalOf(o);
        if (!removal || minor === undefined) {
            return o;
        }
        // Moved as soon as the successor is served, not only once the old version is gone:
        // AKS upgrades a cluster's minor by itself, and the next `pulumi up` must still hold.
        if (removal.successor && minor >= removal.successor.since) {
            moved.push(`${objectKey(o)}: ${o.apiVersion} -> ${removal.successor.apiVersion}`);
            return { ...o, apiVersion: removal.successor.apiVersion };
        }
        if (minor < removal.removedIn) {
            return o;
        }
        problems.push({
            where: objectKey(o),
            value: `${o.apiVersion} ${o.kind} in Kubeflow ${release}`,
            rule: `Kubernetes ${kubernetesVersion} no longer serves it (removed in 1.${removal.removedIn}) and it has no successor with the same fields; choose another release or kubernetesVersion`,
        });
        return o;
    });
    return { objects: out, moved, problems };
}
