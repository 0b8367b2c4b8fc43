/**
 * What Istio's AuthorizationPolicies decide for a request to one workload, for the fields
 * the releases and this program use (Istio "Authorization Policy" reference and concepts,
 * 1.22 to 1.28): CUSTOM is not modelled; any matching DENY refuses; then, when any ALLOW
 * policy selects the workload, the request must match one of its rules. A rule matches
 * when every one of its `from`, `to` and `when` parts does (each a list ORed); string
 * matches are exact, `prefix*`, `*suffix` or `*` (any non-empty value); an absent value
 * (no mTLS principal, no header) matches no pattern, so it always satisfies a `not...`
 * field and never a positive one.
 */
import assert from "node:assert/strict";
import { KubeObject } from "../../manifests/types";

export interface MeshRequest {
    /** The caller's mTLS identity, absent in plain text (a pod without a sidecar). */
    readonly principal?: string;
    readonly namespace?: string;
    readonly path: string;
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
}

export function istioMatch(pattern: string, value: string | undefined): boolean {
    if (value === undefined) {
        return false;
    }
    if (pattern === "*") {
        return value !== "";
    }
    if (pattern.endsWith("*")) {
        return value.startsWith(pattern.slice(0, -1));
    }
    if (pattern.startsWith("*")) {
        return value.endsWith(pattern.slice(1));
    }
    return pattern === value;
}

type Field = Readonly<Record<string, readonly string[] | undefined>>;

function fieldsHold(field: Field, values: Readonly<Record<string, string | undefined>>): boolean {
    return Object.entries(field).every(([name, patterns]) => {
        const negative = name.startsWith("not");
        const key = negative ? name.charAt(3).toLowerCase() + name.slice(4) : name;
        assert.ok(key in values, `${name} is not modelled`);
        const hit = (patterns ?? []).some((p) => istioMatch(p, values[key]));
        return negative ? !hit : hit;
    });
}

function ruleMatches(rule: Record<string, unknown>, req: MeshRequest): boolean {
    const from = (rule.from ?? []) as Array<{ source: Field }>;
    const to = (rule.to ?? []) as Array<{ operation: Field }>;
    const when = (rule.when ?? []) as Array<{ key: string; values?: string[]; notValues?: string[] }>;
    const source = { principals: req.principal, namespaces: req.principal === undefined ? undefined : req.namespace };
    const operation = { paths: req.path, methods: req.method ?? "GET" };
    return (
        (from.length === 0 || from.some((f) => fieldsHold(f.source, source))) &&
        (to.length === 0 || to.some((t) => fieldsHold(t.operation, operation))) &&
        when.every((c) => {
            const header = /^request\.headers\[([^\]]+)\]$/.exec(c.key);
            assert.ok(header, `condition ${c.key} is not modelled`);
            const value = req.headers?.[header[1].toLowerCase()];
            return (!c.values || c.values.some((v) => istioMatch(v, value))) && (!c.notValues || !c.notValues.some((v) => istioMatch(v, value)));
        })
    );
}

function selects(policy: KubeObject, namespace: string, labels: Readonly<Record<string, string>>): boolean {
    if (policy.kind !== "AuthorizationPolicy" || policy.metadata.namespace !== namespace) {
        return false;
    }
    const selector = (policy.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector;
    return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** "deny", "allow", or "no-allow" (ALLOW policies select the workload and none matches). */
export function meshVerdict(
    objects: readonly KubeObject[],
    workload: { namespace: string; labels: Readonly<Record<string, string>> },
    req: MeshRequest,
): "deny" | "allow" | "no-allow" {
    const policies = objects.filter((o) => selects(o, workload.namespace, workload.labels));
    const of = (action: string) => policies.filter((p) => ((p.spec as { action?: string }).action ?? "ALLOW") === action);
    const rules = (p: KubeObject) => (p.spec as { rules?: Array<Record<string, unknown>> }).rules ?? [];
    if (of("DENY").some((p) => rules(p).some((r) => ruleMatches(r, req)))) {
        return "deny";
    }
    const allow = of("ALLOW");
    if (allow.length === 0) {
        return "allow";
    }
    return allow.some((p) => rules(p).some((r) => ruleMatches(r, req))) ? "allow" : "no-allow";
}
