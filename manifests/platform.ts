/**
 * What the platform applies, decided before anything is registered: the phases of
 * the release's objects (computed from the objects, see ordering.ts) and the data
 * volumes, which become resources of their own so they can outlive a release change.
 */
import { Phase, planPhases, waitForCaBundle, waitForEstablished } from "./ordering";
import { KubeObject } from "./types";

/** Annotation through which the Kubernetes provider awaits a condition of an object. */
export const WAIT_FOR = "pulumi.com/waitFor";

export interface PlatformPlan {
    /** Objects applied as text, in order; webhook configurations and CRDs carry their waitFor. */
    readonly phases: readonly Phase[];
    /** PersistentVolumeClaims, applied after the first phase (namespaces) as typed resources. */
    readonly volumes: readonly KubeObject[];
}

/** Throws (a dependency cycle, for one) before any resource exists. */
export function planPlatform(objects: readonly KubeObject[]): PlatformPlan {
    const volumes = objects.filter(isPersistentVolumeClaim);
    const applied = objects.filter((o) => !isPersistentVolumeClaim(o)).map(withWaitFor);
    return { phases: planPhases(applied), volumes };
}

function isPersistentVolumeClaim(o: KubeObject): boolean {
    return o.kind === "PersistentVolumeClaim" && o.apiVersion === "v1";
}

/**
 * Webhook configurations whose CA cert-manager injects are awaited until the bundle lands,
 * CRDs until their kind is served.
 */
function withWaitFor(o: KubeObject): KubeObject {
    const condition = waitForCaBundle(o) ?? waitForEstablished(o);
    if (!condition) {
        return o;
    }
    return { ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [WAIT_FOR]: condition } } };
}
