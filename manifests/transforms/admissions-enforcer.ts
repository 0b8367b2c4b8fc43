import { isWebhookConfiguration } from "../kube";
import { KubeObject } from "../types";

export const ADMISSIONS_ENFORCER_ANNOTATION = "admissions.enforcer/disabled";

/**
 * AKS's admissions enforcer rewrites the namespaceSelector of every webhook to skip
 * its system namespaces unless told not to; on Kubeflow that rewrite has silently
 * cost the `control-plane: kubeflow` namespaces their sidecar injection.
 */
export function admissionsEnforcer(objects: readonly KubeObject[]): KubeObject[] {
    return objects.map((o) =>
        isWebhookConfiguration(o)
            ? { ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [ADMISSIONS_ENFORCER_ANNOTATION]: "true" } } }
            : o,
    );
}
