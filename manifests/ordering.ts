/**
 * Creation order computed from the objects themselves, so that one pass creates
 * everything without a retry loop:
 * - a CustomResourceDefinition before every object of its kind;
 * - a Namespace before every object in it;
 * - a workload after the ConfigMaps, Secrets (or the Certificates that produce them),
 *   ServiceAccounts and claims it mounts, a Certificate after its issuer, so that a
 *   workload awaited for readiness never waits on something created after it;
 * - for each admission webhook: the workloads behind its Service are Ready and the
 *   configuration exists before any object it admits is created; or, when that object
 *   is itself needed by those workloads, the object is created before the
 *   configuration exists (so the webhook never sees it);
 * - a configuration whose caBundle cert-manager's cainjector fills waits for the
 *   certificate and the cainjector (and is itself awaited with `waitForCaBundle`).
 * The sidecar injector is one such webhook: istiod Ready and the injector
 * configuration in place before any workload of an injected namespace.
 */
import { dependencyEdges, CA_FROM, CA_FROM_SECRET } from "./dependency-edges";
import { isWebhookConfiguration, isWorkload } from "./kube";
import { KubeObject, apiGroup, objectKey } from "./types";

export { dependencyEdges } from "./dependency-edges";
export { selectorMatches } from "./kube";

export interface Phase {
    index: number;
    /** Summary of what the phase holds, e.g. "crds+namespaces+config". */
    name: string;
    objects: KubeObject[];
}

/**
 * The `pulumi.com/waitFor` value that makes the Kubernetes provider await a webhook
 * configuration until cert-manager's cainjector has filled its caBundle (until then
 * the API server cannot call the webhook and refuses what it admits); undefined for
 * a configuration whose bundle cert-manager does not inject.
 */
export function waitForCaBundle(webhookConfig: KubeObject): string | undefined {
    const annotations = webhookConfig.metadata.annotations ?? {};
    if (!isWebhookConfiguration(webhookConfig) || (annotations[CA_FROM] === undefined && annotations[CA_FROM_SECRET] === undefined)) {
        return undefined;
    }
    return "jsonpath={.webhooks[*].clientConfig.caBundle}";
}

/**
 * The `pulumi.com/waitFor` value that makes the provider await a CustomResourceDefinition
 * until the API server serves its kind (`Established`), so that the custom resources of a
 * later phase are never sent before: the provider awaits no CRD by itself
 * (pulumi-kubernetes v4.32.0 provider/pkg/await/awaiters.go has no CRD entry) and falls
 * back to retrying a create refused with "no matches for kind" (await.go Creation). Left
 * off a CRD whose conversion webhook's caBundle cert-manager injects: the server keeps
 * such a CRD Established=False (InvalidCABundle) until cert-manager, a later phase, runs,
 * so awaiting it in the first phase would never end. No render has custom resources of
 * those kinds. Undefined for any other object.
 */
export function waitForEstablished(o: KubeObject): string | undefined {
    if (o.kind !== "CustomResourceDefinition" || apiGroup(o.apiVersion) !== "apiextensions.k8s.io") {
        return undefined;
    }
    const annotations = o.metadata.annotations ?? {};
    return annotations[CA_FROM] !== undefined || annotations[CA_FROM_SECRET] !== undefined ? undefined : "condition=Established";
}

// ---------------------------------------------------------------------------
// Phases

/** A cycle in the graph as a list of keys (first repeated at the end), or undefined. */
export function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const visit = (k: string): string[] | undefined => {
        state.set(k, 1);
        stack.push(k);
        for (const d of edges.get(k) ?? []) {
            const s = state.get(d);
            if (s === 1) {
                return [...stack.slice(stack.indexOf(d)), d];
            }
            if (s === undefined) {
                const found = visit(d);
                if (found) {
                    return found;
                }
            }
        }
        stack.pop();
        state.set(k, 2);
        return undefined;
    };
    for (const k of edges.keys()) {
        if (state.get(k) === undefined) {
            const found = visit(k);
            if (found) {
                return found;
            }
        }
    }
    return undefined;
}

/**
 * Longest-path levels of the dependency graph: an object's level is one more than the
 * highest level it waits for, so each phase only needs the phases before it.
 */
export function levels(edges: Map<string, Set<string>>): Map<string, number> {
    const level = new Map<string, number>();
    const waitingOn = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    for (const [k, deps] of edges) {
        waitingOn.set(k, deps.size);
        for (const d of deps) {
            const list = dependents.get(d);
            if (list) {
                list.push(k);
            } else {
                dependents.set(d, [k]);
            }
        }
    }
    const ready = [...edges.keys()].filter((k) => waitingOn.get(k) === 0);
    for (const k of ready) {
        level.set(k, 0);
    }
    for (let k = ready.pop(); k !== undefined; k = ready.pop()) {
        const l = level.get(k) ?? 0;
        for (const dep of dependents.get(k) ?? []) {
            level.set(dep, Math.max(level.get(dep) ?? 0, l + 1));
            const left = (waitingOn.get(dep) ?? 0) - 1;
            waitingOn.set(dep, left);
            if (left === 0) {
                ready.push(dep);
            }
        }
    }
    if (level.size < edges.size || [...waitingOn.values()].some((n) => n > 0)) {
        const cycle = findCycle(edges);
        throw new Error(`dependency cycle among the objects: ${cycle ? cycle.join(" -> ") : "(not located)"}`);
    }
    return level;
}

const ROLE_ORDER = ["crds", "namespaces", "rbac", "config", "certificates", "webhooks", "workloads", "resources"] as const;
type Role = (typeof ROLE_ORDER)[number];

function role(o: KubeObject): Role {
    const group = apiGroup(o.apiVersion);
    if (o.kind === "CustomResourceDefinition") {
        return "crds";
    }
    if (o.kind === "Namespace" && group === "") {
        return "namespaces";
    }
    if (group === "rbac.authorization.k8s.io" || (o.kind === "ServiceAccount" && group === "")) {
        return "rbac";
    }
    if ((o.kind === "ConfigMap" || o.kind === "Secret") && group === "") {
        return "config";
    }
    if (group === "cert-manager.io") {
        return "certificates";
    }
    if (isWebhookConfiguration(o)) {
        return "webhooks";
    }
    if (isWorkload(o)) {
        return "workloads";
    }
    return "resources";
}

/** Phases of creation, computed from the objects; objects keep their input order within a phase. */
export function planPhases(objects: readonly KubeObject[]): Phase[] {
    const edges = dependencyEdges(objects);
    const level = levels(edges);
    const phases: Phase[] = [];
    for (const o of objects) {
        const l = level.get(objectKey(o)) ?? 0;
        while (phases.length <= l) {
            phases.push({ index: phases.length, name: "", objects: [] });
        }
        phases[l].objects.push(o);
    }
    for (const p of phases) {
        const roles = new Set(p.objects.map(role));
        p.name = ROLE_ORDER.filter((r) => roles.has(r)).join("+");
    }
    return phases;
}
