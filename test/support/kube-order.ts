/**
 * The order the program's registered graph guarantees, checked without a server: what the
 * order suite asserts beside the server's own refusals (test/support/kube-suite.ts).
 */
import { WAIT_FOR } from "../../manifests/platform";
import { KubeObject, apiGroup, objectKey } from "../../manifests/types";
import { ApplyUnit, groupEdges } from "../../tools/kube-units";

/** Every key reachable from the starts through `next`, the starts included. */
function reachable(starts: readonly string[], next: (key: string) => readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...starts];
    for (let key = stack.pop(); key !== undefined; key = stack.pop()) {
        if (!seen.has(key)) {
            seen.add(key);
            stack.push(...next(key));
        }
    }
    return seen;
}

/**
 * Orders the program's graph cannot guarantee, read from the units: a custom resource
 * whose CRD is not in a unit it waits for (or before it in its own group) or not awaited
 * Established; a namespaced object whose Namespace (or Profile, for a profile namespace)
 * is not. Namespaces that exist on every cluster (default, kube-system, kube-public,
 * kube-node-lease) need no creator.
 */
export function orderProblems(units: readonly ApplyUnit[]): string[] {
    const byUrn = new Map(units.map((u) => [u.urn, u]));
    const upstream = (u: ApplyUnit): Set<string> => reachable(u.after, (urn) => byUrn.get(urn)?.after ?? []);
    const builtInNamespaces = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
    const crdOf = new Map<string, { unit: string; crd: KubeObject }>();
    const namespaceOf = new Map<string, { unit: string; object: KubeObject }>();
    const profileOf = new Map<string, { unit: string; profile: KubeObject }>();
    const clusterScoped = new Set<string>();
    for (const u of units) {
        for (const o of u.objects) {
            const spec = o.spec as { group?: string; names?: { kind?: string }; scope?: string } | undefined;
            if (o.kind === "CustomResourceDefinition" && spec?.group && spec.names?.kind) {
                crdOf.set(`${spec.group}/${spec.names.kind}`, { unit: u.urn, crd: o });
                if (spec.scope === "Cluster") {
                    clusterScoped.add(spec.names.kind);
                }
            }
            if (o.kind === "Namespace" && o.apiVersion === "v1") {
                namespaceOf.set(o.metadata.name, { unit: u.urn, object: o });
            }
            if (o.kind === "Profile" && apiGroup(o.apiVersion) === "kubeflow.org") {
                profileOf.set(o.metadata.name, { unit: u.urn, profile: o });
            }
        }
    }
    const problems: string[] = [];
    for (const u of units) {
        const before = upstream(u);
        const edges = groupEdges(u.objects);
        const inGroupBefore = (o: KubeObject): Set<string> => reachable(edges.get(objectKey(o)) ?? [], (key) => edges.get(key) ?? []);
        for (const o of u.objects) {
            const mine = inGroupBefore(o);
            const waitsFor = (unit: string, target: KubeObject): boolean => before.has(unit) || (unit === u.urn && mine.has(objectKey(target)));
            const crd = crdOf.get(`${apiGroup(o.apiVersion)}/${o.kind}`);
            if (crd) {
                if (!waitsFor(crd.unit, crd.crd)) {
                    problems.push(`${o.kind} ${o.metadata.name} (${u.name}): does not wait for CRD ${crd.crd.metadata.name}`);
                } else if (crd.crd.metadata.annotations?.[WAIT_FOR] !== "condition=Established") {
                    problems.push(`${o.kind} ${o.metadata.name} (${u.name}): CRD ${crd.crd.metadata.name} is not awaited Established`);
                }
            }
            const ns = o.metadata.namespace;
            if (ns && !clusterScoped.has(o.kind) && !builtInNamespaces.has(ns)) {
                const namespace = namespaceOf.get(ns);
                const profile = profileOf.get(ns);
                const ok =
                    (namespace !== undefined && waitsFor(namespace.unit, namespace.object)) ||
                    (profile !== undefined && waitsFor(profile.unit, profile.profile) && profile.profile.metadata.annotations?.[WAIT_FOR] !== undefined);
                if (!ok) {
                    problems.push(`${o.kind} ${ns}/${o.metadata.name} (${u.name}): does not wait for namespace ${ns}`);
                }
            }
        }
    }
    return problems;
}
