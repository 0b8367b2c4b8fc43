/**
 * Dex out: Entra ID replaces it, so dex itself goes and nothing deployed may point at it.
 */
import { crdInfo, isKind, isRecord, someString } from "../kube";
import { KubeObject, apiGroup } from "../types";
import { DEX_PATH } from "../validators";

const DEX_NAMESPACE = "auth";
const DEX_GROUP = "dex.coreos.com";
const DEX_HOST = /^dex\.auth(\.svc(\.cluster\.local)?)?$/;
const DEX_PRINCIPAL = /\/ns\/auth\/sa\/dex$/;

const DEX_WORD = /(?<![A-Za-z])dex(?![A-Za-z])/;

/** Whether an object's text still points at dex: its service, its issuer, its paths. */
export function mentionsDex(o: KubeObject): boolean {
    return someString(o, (s) => s.includes("dex") && DEX_WORD.test(s));
}

/** Objects that are dex itself, as opposed to objects that merely refer to it. */
function isDexObject(o: KubeObject): boolean {
    if (o.metadata.namespace === DEX_NAMESPACE || isKind(o, "", "Namespace", undefined, DEX_NAMESPACE)) {
        return true;
    }
    const crd = crdInfo(o);
    if (crd && crd.group === DEX_GROUP) {
        return true;
    }
    if (apiGroup(o.apiVersion) === DEX_GROUP) {
        return true;
    }
    if ((o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding") && apiGroup(o.apiVersion) === "rbac.authorization.k8s.io") {
        if (o.metadata.name === "dex") {
            return true;
        }
        const subjects = Array.isArray(o.subjects) ? o.subjects.filter(isRecord) : [];
        return subjects.length > 0 && subjects.every((s) => s.namespace === DEX_NAMESPACE);
    }
    return false;
}

/**
 * Removes dex (Entra ID replaces it): its namespace with everything in it, its CRDs
 * and cluster RBAC; then removes every route, path exemption and principal that
 * points at it. The authservice objects that name dex as their issuer are not
 * touched here: they are handed over to the auth component, which rewrites them.
 */
export function dropDex(objects: readonly KubeObject[]): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of objects) {
        if (isDexObject(o)) {
            continue;
        }
        const group = apiGroup(o.apiVersion);
        if (o.kind === "VirtualService" && group === "networking.istio.io") {
            const vs = withoutDexRoutes(o);
            if (vs) {
                out.push(vs);
            }
        } else if (o.kind === "AuthorizationPolicy" && group === "security.istio.io") {
            const ap = withoutDexRules(o);
            if (ap) {
                out.push(ap);
            }
        } else if ((o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") && group === "rbac.authorization.k8s.io") {
            out.push(withoutDexSubjects(o));
        } else {
            out.push(o);
        }
    }
    return out;
}

function routesToDex(route: unknown): boolean {
    if (!isRecord(route) || !Array.isArray(route.route)) {
        return false;
    }
    return route.route.some((r) => isRecord(r) && isRecord(r.destination) && typeof r.destination.host === "string" && DEX_HOST.test(r.destination.host));
}

/** The VirtualService without its routes to dex; undefined when nothing else is left. */
function withoutDexRoutes(o: KubeObject): KubeObject | undefined {
    if (!isRecord(o.spec) || !Array.isArray(o.spec.http) || !o.spec.http.some(routesToDex)) {
        return o;
    }
    const http = o.spec.http.filter((r) => !routesToDex(r));
    const hasOther = http.length > 0 || Array.isArray(o.spec.tcp) || Array.isArray(o.spec.tls);
    return hasOther ? { ...o, spec: { ...structuredClone(o.spec), http: structuredClone(http) } } : undefined;
}

/**
 * The AuthorizationPolicy without dex: exemptions (`notPaths: /dex/...`) are removed,
 * which only narrows what is let through; a rule that matched dex paths or the dex
 * service account alone is removed whole, since emptying its list would widen it to
 * everything. Undefined when no rule is left and the policy had rules before (an
 * empty rule list would change the policy's meaning).
 */
function withoutDexRules(o: KubeObject): KubeObject | undefined {
    if (!isRecord(o.spec) || !Array.isArray(o.spec.rules) || !mentionsDex(o)) {
        return o;
    }
    const rules: unknown[] = [];
    for (const rule of structuredClone(o.spec.rules)) {
        const cleaned = cleanRule(rule);
        if (cleaned !== undefined) {
            rules.push(cleaned);
        }
    }
    if (rules.length === 0) {
        return undefined;
    }
    return { ...o, spec: { ...structuredClone(o.spec), rules } };
}

function cleanRule(rule: unknown): unknown {
    if (!isRecord(rule)) {
        return rule;
    }
    for (const [listName, field, section, pattern] of [
        ["to", "paths", "operation", DEX_PATH],
        ["to", "notPaths", "operation", DEX_PATH],
        ["from", "principals", "source", DEX_PRINCIPAL],
        ["from", "notPrincipals", "source", DEX_PRINCIPAL],
    ] as const) {
        const list = rule[listName];
        if (!Array.isArray(list)) {
            continue;
        }
        const kept: unknown[] = [];
        for (const entry of list) {
            const inner = isRecord(entry) ? entry[section] : undefined;
            const values = isRecord(inner) ? inner[field] : undefined;
            if (!isRecord(inner) || !Array.isArray(values)) {
                kept.push(entry);
                continue;
            }
            const remaining = values.filter((v) => !(typeof v === "string" && pattern.test(v)));
            if (remaining.length === values.length) {
                kept.push(entry);
            } else if (remaining.length > 0) {
                inner[field] = remaining;
                kept.push(entry);
            } else if (field.startsWith("not")) {
                // No exemption left: the entry constrains nothing through this field.
                delete inner[field];
                if (Object.keys(inner).length > 0) {
                    kept.push(entry);
                }
            } else {
                // The entry matched dex only; without dex it matches nothing.
                return undefined;
            }
        }
        if (kept.length === 0 && list.length > 0) {
            delete rule[listName];
        } else {
            rule[listName] = kept;
        }
    }
    return rule;
}

function withoutDexSubjects(o: KubeObject): KubeObject {
    if (!Array.isArray(o.subjects)) {
        return o;
    }
    const subjects = o.subjects.filter((s) => !(isRecord(s) && s.kind === "ServiceAccount" && s.namespace === DEX_NAMESPACE && s.name === "dex"));
    return subjects.length === o.subjects.length ? o : { ...o, subjects: structuredClone(subjects) };
}
