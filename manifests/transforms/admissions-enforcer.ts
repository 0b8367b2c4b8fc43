import { isRecord, isWebhookConfiguration } from "../kube";
import { KubeObject } from "../types";

export const ADMISSIONS_ENFORCER_ANNOTATION = "admissions.enforcer/disabled";

/** The label the API server puts on every namespace, its name (Kubernetes 1.21+, "Well-Known Labels"). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * The namespaces AKS keeps webhooks out of and that Kubeflow has no business in: the
 * Kubernetes system namespaces and the Azure Policy add-on's (AKS FAQ, "Can admission
 * controller webhooks impact kube-system and internal AKS namespaces?").
 */
export const PROTECTED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "gatekeeper-system"] as const;

/**
 * AKS's admissions enforcer rewrites the namespaceSelector of every webhook to skip its
 * system namespaces, and with them every namespace labelled `control-plane`, unless the
 * configuration opts out (annotation `admissions.enforcer/disabled`). Kubeflow labels its
 * own namespace `control-plane: kubeflow`; the rewrite has silently cost that namespace
 * its sidecar injection. So each Kubeflow webhook configuration opts out, and puts back
 * itself the part of the enforcer's rewrite that matters: every webhook's
 * namespaceSelector excludes the protected namespaces by name, so no Kubeflow webhook with
 * `failurePolicy: Fail` can hold up a kube-system pod while its server is down. A
 * namespaceSelector never skips a cluster-scoped object (admissionregistration/v1), so
 * the webhooks of cluster-scoped kinds are unchanged in effect.
 */
export function admissionsEnforcer(objects: readonly KubeObject[]): KubeObject[] {
    return objects.map((o) => {
        if (!isWebhookConfiguration(o)) {
            return o;
        }
        const webhooks: unknown = Array.isArray(o.webhooks)
            ? (o.webhooks as unknown[]).map((w) => (isRecord(w) ? { ...w, namespaceSelector: excludingProtected(w.namespaceSelector) } : w))
            : o.webhooks;
        return {
            ...o,
            metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [ADMISSIONS_ENFORCER_ANNOTATION]: "true" } },
            ...(webhooks !== undefined ? { webhooks } : {}),
        };
    });
}

/** A namespaceSelector that matches what `selector` matched, but none of the protected namespaces. Idempotent. */
export function excludingProtected(selector: unknown): Record<string, unknown> {
    const s = isRecord(selector) ? selector : {};
    const expressions = Array.isArray(s.matchExpressions) ? s.matchExpressions.filter(isRecord) : [];
    const exclusion = { key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: [...PROTECTED_NAMESPACES] };
    const kept = expressions.filter((e) => !(e.key === NAMESPACE_NAME_LABEL && e.operator === "NotIn"));
    return { ...s, matchExpressions: [...kept, exclusion] };
}
