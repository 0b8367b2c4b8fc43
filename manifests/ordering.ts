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
import { isRecord } from "./parse";
import { ResourceIndex, isWebhookConfiguration } from "./transforms";
import { KubeObject, Problem, apiGroup, dependsOnRef, formatProblems, objectKey } from "./types";

export interface Phase {
    index: number;
    /** Summary of what the phase holds, e.g. "crds+namespaces+config". */
    name: string;
    objects: KubeObject[];
}

// ---------------------------------------------------------------------------
// Labels and selectors

type Labels = Record<string, string>;

interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function asLabels(value: unknown): Labels {
    if (!isRecord(value)) {
        return {};
    }
    const out: Labels = {};
    for (const [k, v] of Object.entries(value)) {
        if (typeof v === "string") {
            out[k] = v;
        }
    }
    return out;
}

/** Kubernetes label selector semantics; an absent or empty selector matches everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
    if (!selector) {
        return true;
    }
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = e.values ?? [];
        switch (e.operator) {
            case "In":
                if (!has || !values.includes(labels[e.key])) return false;
                break;
            case "NotIn":
                if (has && values.includes(labels[e.key])) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                // An operator this code does not know: assume a match, which only adds order.
                break;
        }
    }
    return true;
}

// ---------------------------------------------------------------------------
// Workloads and their pods

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

export function isWorkload(o: KubeObject): boolean {
    const group = apiGroup(o.apiVersion);
    return WORKLOAD_KINDS.has(o.kind) && (group === "apps" || group === "batch");
}

/** The pod template of a workload (the pods it will create), or undefined. */
export function podTemplate(o: KubeObject): Record<string, unknown> | undefined {
    if (!isWorkload(o) || !isRecord(o.spec)) {
        return undefined;
    }
    if (o.kind === "CronJob") {
        const jobTemplate = o.spec.jobTemplate;
        const jobSpec = isRecord(jobTemplate) ? jobTemplate.spec : undefined;
        return isRecord(jobSpec) && isRecord(jobSpec.template) ? jobSpec.template : undefined;
    }
    return isRecord(o.spec.template) ? o.spec.template : undefined;
}

function templateLabels(template: Record<string, unknown>): Labels {
    return isRecord(template.metadata) ? asLabels(template.metadata.labels) : {};
}

interface PodRefs {
    configMaps: string[];
    secrets: string[];
    serviceAccounts: string[];
    claims: string[];
}

/** What a pod spec needs to exist before its pods can start. */
function podReferences(template: Record<string, unknown>): PodRefs {
    const refs: PodRefs = { configMaps: [], secrets: [], serviceAccounts: [], claims: [] };
    const spec = template.spec;
    if (!isRecord(spec)) {
        return refs;
    }
    const name = (v: unknown, field: string): string | undefined => (isRecord(v) && typeof v[field] === "string" ? v[field] : undefined);
    const push = (list: string[], v: string | undefined): void => {
        if (v) list.push(v);
    };
    push(refs.serviceAccounts, typeof spec.serviceAccountName === "string" ? spec.serviceAccountName : undefined);
    for (const s of Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []) {
        push(refs.secrets, name(s, "name"));
    }
    for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
        if (!isRecord(v)) continue;
        push(refs.configMaps, name(v.configMap, "name"));
        push(refs.secrets, name(v.secret, "secretName"));
        push(refs.claims, name(v.persistentVolumeClaim, "claimName"));
        const projected = isRecord(v.projected) && Array.isArray(v.projected.sources) ? v.projected.sources : [];
        for (const src of projected) {
            if (!isRecord(src)) continue;
            push(refs.configMaps, name(src.configMap, "name"));
            push(refs.secrets, name(src.secret, "name"));
        }
    }
    const containers: unknown[] = [spec.containers, spec.initContainers].flatMap((c): unknown[] => (Array.isArray(c) ? (c as unknown[]) : []));
    for (const c of containers) {
        if (!isRecord(c)) continue;
        for (const e of Array.isArray(c.env) ? c.env : []) {
            const from = isRecord(e) ? e.valueFrom : undefined;
            if (!isRecord(from)) continue;
            push(refs.configMaps, name(from.configMapKeyRef, "name"));
            push(refs.secrets, name(from.secretKeyRef, "name"));
        }
        for (const e of Array.isArray(c.envFrom) ? c.envFrom : []) {
            if (!isRecord(e)) continue;
            push(refs.configMaps, name(e.configMapRef, "name"));
            push(refs.secrets, name(e.secretRef, "name"));
        }
    }
    return refs;
}

// ---------------------------------------------------------------------------
// Webhooks

const CA_FROM = "cert-manager.io/inject-ca-from";
const CA_FROM_SECRET = "cert-manager.io/inject-ca-from-secret";

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

interface WebhookRule {
    apiGroups?: string[];
    resources?: string[];
    operations?: string[];
    scope?: string;
}

interface Webhook {
    name?: string;
    clientConfig?: { service?: { name?: string; namespace?: string } };
    rules?: WebhookRule[];
    namespaceSelector?: LabelSelector;
    objectSelector?: LabelSelector;
}

function webhooksOf(o: KubeObject): Webhook[] {
    const hooks: unknown = o.webhooks;
    return Array.isArray(hooks) ? hooks.filter((h): h is Webhook => isRecord(h)) : [];
}

/** What an admission request would say about a creation: resource, scope, labels. */
interface Admission {
    group: string;
    plural: string;
    namespaced: boolean;
    namespace?: string;
    labels: Labels;
    /** The object is a Namespace: namespace selectors see its own labels. */
    isNamespace: boolean;
}

function ruleMatches(rule: WebhookRule, a: Admission): boolean {
    const ops = rule.operations ?? [];
    if (!ops.includes("CREATE") && !ops.includes("*")) return false;
    const groups = rule.apiGroups ?? [];
    if (!groups.includes("*") && !groups.includes(a.group)) return false;
    // Subresources (pods/status, ...) are never created by applying an object.
    const resources = (rule.resources ?? []).filter((r) => !r.includes("/") || r === "*/*");
    if (!resources.some((r) => r === "*" || r === "*/*" || r === a.plural)) return false;
    const scope = rule.scope ?? "*";
    return scope === "*" || (scope === "Namespaced") === a.namespaced;
}

// ---------------------------------------------------------------------------
// The graph

class Graph {
    readonly edges = new Map<string, Set<string>>();

    constructor(keys: Iterable<string>) {
        for (const k of keys) this.edges.set(k, new Set());
    }

    /** `from` waits for `to`. */
    add(from: string, to: string): void {
        if (from !== to) this.edges.get(from)?.add(to);
    }

    /** Everything `starts` wait for, directly or not. */
    prerequisites(starts: Iterable<string>): Set<string> {
        const seen = new Set<string>();
        const stack = [...starts];
        while (stack.length > 0) {
            const k = stack.pop() as string;
            for (const d of this.edges.get(k) ?? []) {
                if (!seen.has(d)) {
                    seen.add(d);
                    stack.push(d);
                }
            }
        }
        return seen;
    }
}

function uniqueKeys(objects: readonly KubeObject[]): string[] {
    const keys = objects.map(objectKey);
    const seen = new Set<string>();
    const problems: Problem[] = [];
    for (const k of keys) {
        if (seen.has(k)) problems.push({ where: k, value: "twice", rule: "an object may appear only once" });
        seen.add(k);
    }
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} duplicate object(s)`, problems));
    }
    return keys;
}

/**
 * For every object (by objectKey), the objects that must be created (and, for
 * workloads, be Ready) before it. Objects are expected with explicit namespaces
 * (see completeNamespaces).
 */
export function dependencyEdges(objects: readonly KubeObject[]): Map<string, Set<string>> {
    const keys = uniqueKeys(objects);
    const graph = new Graph(keys);
    const index = new ResourceIndex(objects);
    const byKey = new Map(objects.map((o, i) => [keys[i], o]));
    const find = (group: string, kind: string, namespace: string | undefined, name: string): string | undefined => {
        const k = `${group}/${kind}:${namespace ?? ""}/${name}`;
        return byKey.has(k) ? k : undefined;
    };

    const crdOfKind = new Map<string, string>();
    const namespaces = new Map<string, KubeObject>();
    const certificateForSecret = new Map<string, string>();
    const workloads: KubeObject[] = [];
    objects.forEach((o, i) => {
        const group = apiGroup(o.apiVersion);
        if (o.kind === "CustomResourceDefinition" && group === "apiextensions.k8s.io" && isRecord(o.spec) && isRecord(o.spec.names)) {
            crdOfKind.set(`${String(o.spec.group)}/${String(o.spec.names.kind)}`, keys[i]);
        } else if (o.kind === "Namespace" && group === "") {
            namespaces.set(o.metadata.name, o);
        } else if (o.kind === "Certificate" && group === "cert-manager.io" && isRecord(o.spec) && typeof o.spec.secretName === "string") {
            certificateForSecret.set(`${o.metadata.namespace ?? ""}/${o.spec.secretName}`, keys[i]);
        }
        if (isWorkload(o)) workloads.push(o);
    });
    const secretProducer = (namespace: string, name: string): string | undefined =>
        find("", "Secret", namespace, name) ?? certificateForSecret.get(`${namespace}/${name}`);

    // CRDs, namespaces, references.
    objects.forEach((o, i) => {
        const key = keys[i];
        const crd = crdOfKind.get(`${apiGroup(o.apiVersion)}/${o.kind}`);
        if (crd) graph.add(key, crd);
        const ns = o.metadata.namespace;
        if (ns && namespaces.has(ns)) graph.add(key, objectKey(namespaces.get(ns) as KubeObject));
        const template = podTemplate(o);
        if (template && ns) {
            const refs = podReferences(template);
            for (const n of refs.configMaps) addIf(graph, key, find("", "ConfigMap", ns, n));
            for (const n of refs.secrets) addIf(graph, key, secretProducer(ns, n));
            for (const n of refs.serviceAccounts) addIf(graph, key, find("", "ServiceAccount", ns, n));
            for (const n of refs.claims) addIf(graph, key, find("", "PersistentVolumeClaim", ns, n));
        }
        if (o.kind === "Certificate" && apiGroup(o.apiVersion) === "cert-manager.io" && isRecord(o.spec) && isRecord(o.spec.issuerRef)) {
            const ref = o.spec.issuerRef;
            const group = typeof ref.group === "string" ? ref.group : "cert-manager.io";
            const name = typeof ref.name === "string" ? ref.name : "";
            addIf(graph, key, ref.kind === "ClusterIssuer" ? find(group, "ClusterIssuer", undefined, name) : find(group, "Issuer", ns, name));
        }
    });

    // Backing workloads of a webhook service: the Service's selector against pod templates.
    const backingOf = (service: { name?: string; namespace?: string } | undefined): string[] => {
        if (!service?.name || !service.namespace) return [];
        const svc = byKey.get(`/Service:${service.namespace}/${service.name}`);
        const selector = svc && isRecord(svc.spec) ? asLabels(svc.spec.selector) : {};
        if (Object.keys(selector).length === 0) return [];
        return workloads
            .filter((w) => w.metadata.namespace === service.namespace && w.kind !== "Job" && w.kind !== "CronJob")
            .filter((w) => selectorMatches({ matchLabels: selector }, templateLabels(podTemplate(w) ?? {})))
            .map(objectKey);
    };

    // Cert-manager's caBundle injection: the configuration waits for the certificate
    // (or CA secret) and for the cainjector that copies it.
    const cainjectors = workloads
        .filter((w) => {
            const l = templateLabels(podTemplate(w) ?? {});
            return w.kind === "Deployment" && (l["app.kubernetes.io/name"] === "cainjector" || w.metadata.name === "cert-manager-cainjector");
        })
        .map(objectKey);

    const namespaceLabels = (name: string): Labels => ({
        "kubernetes.io/metadata.name": name,
        ...asLabels(namespaces.get(name)?.metadata.labels),
    });

    // Admission requests each object causes: itself, and for workloads also its pods.
    const admissions: Admission[][] = objects.map((o) => {
        const info = index.of(o);
        const list: Admission[] = [];
        const isNamespace = o.kind === "Namespace" && apiGroup(o.apiVersion) === "";
        if (info) {
            list.push({ group: info.group, plural: info.plural, namespaced: info.namespaced, namespace: o.metadata.namespace, labels: asLabels(o.metadata.labels), isNamespace });
        }
        const template = podTemplate(o);
        if (template) {
            list.push({ group: "", plural: "pods", namespaced: true, namespace: o.metadata.namespace, labels: templateLabels(template), isNamespace: false });
        }
        return list;
    });

    const admitted = (hook: Webhook, a: Admission): boolean => {
        if (!(hook.rules ?? []).some((r) => ruleMatches(r, a))) return false;
        if (a.namespaced || a.isNamespace) {
            const nsLabels = a.isNamespace ? { ...a.labels } : namespaceLabels(a.namespace ?? "default");
            if (!selectorMatches(hook.namespaceSelector, nsLabels)) return false;
        }
        return selectorMatches(hook.objectSelector, a.labels);
    };

    objects.forEach((w, wi) => {
        if (!isWebhookConfiguration(w)) return;
        const wKey = keys[wi];
        const annotations = w.metadata.annotations ?? {};
        const hooks = webhooksOf(w);
        const caFrom = annotations[CA_FROM];
        if (caFrom) {
            const [ns, name] = caFrom.split("/");
            addIf(graph, wKey, find("cert-manager.io", "Certificate", ns, name));
            for (const c of cainjectors) graph.add(wKey, c);
        }
        const caFromSecret = annotations[CA_FROM_SECRET];
        if (caFromSecret) {
            const [ns, name] = caFromSecret.split("/");
            // A CA secret absent from the render is made at runtime by the webhook's own
            // server (cert-manager's dynamic serving), so wait for that server instead.
            const producer = secretProducer(ns, name);
            const producers = producer ? [producer] : hooks.flatMap((h) => backingOf(h.clientConfig?.service));
            for (const p of producers) graph.add(wKey, p);
            for (const c of cainjectors) graph.add(wKey, c);
        }
        for (const hook of hooks) {
            const backing = backingOf(hook.clientConfig?.service);
            const needed = graph.prerequisites(backing);
            for (const b of backing) needed.add(b);
            objects.forEach((x, xi) => {
                if (xi === wi || isWebhookConfiguration(x)) return;
                if (!admissions[xi].some((a) => admitted(hook, a))) return;
                const xKey = keys[xi];
                if (backing.length === 0 || needed.has(xKey)) {
                    // Created before the configuration exists, the object is never sent to
                    // a server that cannot answer yet (or that needs the object to start).
                    graph.add(wKey, xKey);
                } else {
                    for (const b of backing) graph.add(xKey, b);
                    graph.add(xKey, wKey);
                }
            });
        }
    });
    return graph.edges;
}

function addIf(graph: Graph, from: string, to: string | undefined): void {
    if (to) graph.add(from, to);
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
            if (s === 1) return [...stack.slice(stack.indexOf(d)), d];
            if (s === undefined) {
                const found = visit(d);
                if (found) return found;
            }
        }
        stack.pop();
        state.set(k, 2);
        return undefined;
    };
    for (const k of edges.keys()) {
        if (state.get(k) === undefined) {
            const found = visit(k);
            if (found) return found;
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
            if (list) list.push(k);
            else dependents.set(d, [k]);
        }
    }
    const ready = [...edges.keys()].filter((k) => waitingOn.get(k) === 0);
    for (const k of ready) level.set(k, 0);
    while (ready.length > 0) {
        const k = ready.pop() as string;
        const l = level.get(k) ?? 0;
        for (const dep of dependents.get(k) ?? []) {
            level.set(dep, Math.max(level.get(dep) ?? 0, l + 1));
            const left = (waitingOn.get(dep) ?? 0) - 1;
            waitingOn.set(dep, left);
            if (left === 0) ready.push(dep);
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
    if (o.kind === "CustomResourceDefinition") return "crds";
    if (o.kind === "Namespace" && group === "") return "namespaces";
    if (group === "rbac.authorization.k8s.io" || (o.kind === "ServiceAccount" && group === "")) return "rbac";
    if ((o.kind === "ConfigMap" || o.kind === "Secret") && group === "") return "config";
    if (group === "cert-manager.io") return "certificates";
    if (isWebhookConfiguration(o)) return "webhooks";
    if (isWorkload(o)) return "workloads";
    return "resources";
}

/** Phases of creation, computed from the objects; objects keep their input order within a phase. */
export function planPhases(objects: readonly KubeObject[]): Phase[] {
    const edges = dependencyEdges(objects);
    const level = levels(edges);
    const phases: Phase[] = [];
    for (const o of objects) {
        const l = level.get(objectKey(o)) ?? 0;
        while (phases.length <= l) phases.push({ index: phases.length, name: "", objects: [] });
        phases[l].objects.push(o);
    }
    for (const p of phases) {
        const roles = new Set(p.objects.map(role));
        p.name = ROLE_ORDER.filter((r) => roles.has(r)).join("+");
    }
    return phases;
}

/** One line per phase: index, name, object count and the kinds it holds. */
export function describePhases(phases: readonly Phase[]): string {
    return phases
        .map((p) => {
            const kinds = new Map<string, number>();
            for (const o of p.objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
            const summary = [...kinds]
                .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
                .map(([k, n]) => `${n} ${k}`)
                .join(", ");
            return `phase ${p.index} (${p.name}): ${p.objects.length} objects: ${summary}`;
        })
        .join("\n");
}

/**
 * The dependencies of each object (by objectKey) in the reference format of the
 * `config.kubernetes.io/depends-on` annotation, for ordering inside one yaml/v2
 * group; dependencies outside `objects` are left to dependsOn between groups.
 */
export function dependsOnRefs(objects: readonly KubeObject[], edges: Map<string, Set<string>> = dependencyEdges(objects)): Map<string, string[]> {
    const byKey = new Map(objects.map((o) => [objectKey(o), o]));
    const out = new Map<string, string[]>();
    for (const [k, deps] of edges) {
        if (!byKey.has(k)) continue;
        out.set(
            k,
            [...deps]
                .map((d) => byKey.get(d))
                .filter((d): d is KubeObject => d !== undefined)
                .map(dependsOnRef),
        );
    }
    return out;
}
