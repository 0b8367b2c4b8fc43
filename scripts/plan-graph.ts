/**
 * `npm run plan -- --graph`: what one `pulumi up` creates and in which order, as a
 * Mermaid flowchart GitHub renders. One node per Azure component, per Kubeflow phase
 * (each yaml/v2 group the platform applies in turn) and per group of the authservice and
 * the edge; an arrow where the engine waits: a resource's dependencies and its provider,
 * between nodes, with the arrows other paths already imply left out. Built from the plan
 * document alone (no runtime): the same plan, the same text.
 */
import { CONFIG_GROUP, Plan, PlanResource } from "./plan-model";

interface Node {
    readonly id: string;
    readonly label: string;
    readonly component: string;
}

const shortType = (type: string): string => type.split(":").pop() ?? type;

/** The node a resource is drawn in: its ConfigGroup, else its top-level component. */
function nodeKey(r: PlanResource): string {
    return r.type === CONFIG_GROUP ? r.name : r.component;
}

function countKinds(objects: PlanResource["objects"]): string {
    const counts = new Map<string, number>();
    for (const key of Object.keys(objects ?? {})) {
        const kind = key.split(" ")[0];
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const top = [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 3)
        .map(([kind, n]) => `${n} ${kind}`);
    return `${total} object${total === 1 ? "" : "s"}: ${top.join(", ")}${counts.size > 3 ? ", ..." : ""}`;
}

function labelOf(key: string, members: readonly PlanResource[]): string {
    const group = members.find((r) => r.type === CONFIG_GROUP && r.name === key);
    if (group) {
        return `${key}<br/>${countKinds(group.objects)}`;
    }
    const [type, name] = key.split(" ");
    const kinds = [...new Set(members.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map((r) => shortType(r.type)))].sort();
    return `${shortType(type)} ${name}<br/>${kinds.slice(0, 4).join(", ")}${kinds.length > 4 ? ", ..." : ""}`;
}

/** Edges a -> b that some longer path a -> ... -> b already implies are dropped. */
function transitiveReduction(nodes: readonly string[], edges: ReadonlySet<string>): string[] {
    const out = new Map<string, string[]>(nodes.map((n) => [n, []]));
    for (const e of edges) {
        const [a, b] = e.split("\t");
        out.get(a)?.push(b);
    }
    const reachableWithoutDirect = (a: string, b: string): boolean => {
        const seen = new Set<string>();
        const stack = (out.get(a) ?? []).filter((x) => x !== b);
        while (stack.length > 0) {
            const x = stack.pop() as string;
            if (x === b) {
                return true;
            }
            if (!seen.has(x)) {
                seen.add(x);
                stack.push(...(out.get(x) ?? []));
            }
        }
        return false;
    };
    return [...edges].filter((e) => {
        const [a, b] = e.split("\t");
        return !reachableWithoutDirect(a, b);
    });
}

/** The Mermaid flowchart of the plan, top to bottom, Azure components in a box of their own. */
export function planGraph(plan: Plan): string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const members = new Map<string, PlanResource[]>();
    for (const r of plan.resources) {
        // The stack, and a component resource itself: no node of their own.
        if (r.component === "(stack)" || (!r.custom && r.type !== CONFIG_GROUP)) {
            continue;
        }
        const key = nodeKey(r);
        members.set(key, [...(members.get(key) ?? []), r]);
    }
    const keys = [...members.keys()].sort();
    const ids = new Map(keys.map((k, i) => [k, `n${i}`]));
    const nodes: Node[] = keys.map((k) => ({
        id: ids.get(k) as string,
        label: labelOf(k, members.get(k) ?? []),
        component: (members.get(k) ?? [])[0].component,
    }));
    const edges = new Set<string>();
    for (const r of plan.resources) {
        const to = ids.get(nodeKey(r));
        if (!to) {
            continue;
        }
        const providers = Object.values((r.options.providers ?? {}) as Record<string, string>);
        for (const dep of [...((r.options.dependencies ?? []) as string[]), ...providers]) {
            const d = byUrn.get(dep);
            const from = d && ids.get(nodeKey(d));
            if (from && from !== to) {
                edges.add(`${from}\t${to}`);
            }
        }
    }
    const kept = transitiveReduction(
        nodes.map((n) => n.id),
        edges,
    ).sort();
    const azure = nodes.filter((n) => n.component.startsWith("kubeflow-azure:azure:"));
    const kube = nodes.filter((n) => !n.component.startsWith("kubeflow-azure:azure:"));
    const line = (n: Node): string => `        ${n.id}["${n.label}"]`;
    return [
        "flowchart TD",
        "    subgraph Azure",
        ...azure.map(line),
        "    end",
        "    subgraph Cluster",
        ...kube.map(line),
        "    end",
        ...kept.map((e) => {
            const [a, b] = e.split("\t");
            return `    ${a} --> ${b}`;
        }),
    ].join("\n");
}
