/**
 * The dependency graph of a render, one builder a rule (the rules are listed in
 * manifests/ordering.ts). Every builder reads the same index of the render and adds
 * edges to one graph; the admission rule runs last, since it asks what the webhook's
 * own workloads already wait for.
 */
import {
    Labels,
    ResourceIndex,
    isRecord,
    isWebhookConfiguration,
    isWorkload,
    podReferences,
    podTemplate,
    selectorMatches,
    stringRecord,
    templateLabels,
    LabelSelector,
} from "./kube";
import { KubeObject, Problem, apiGroup, formatProblems, objectKey } from "./types";

export const CA_FROM = "cert-manager.io/inject-ca-from";
export const CA_FROM_SECRET = "cert-manager.io/inject-ca-from-secret";

class Graph {
    readonly edges = new Map<string, Set<string>>();

    constructor(keys: Iterable<string>) {
        for (const k of keys) {
            this.edges.set(k, new Set());
        }
    }

    /** `from` waits for `to`, when there is a `to`. */
    add(from: string, to: string | undefined): void {
        if (to !== undefined && from !== to) {
            this.edges.get(from)?.add(to);
        }
    }

    /** Everything `starts` wait for, directly or not. */
    prerequisites(starts: Iterable<string>): Set<string> {
        const seen = new Set<string>();
        const stack = [...starts];
        for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
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
        if (seen.has(k)) {
            problems.push({ where: k, value: "twice", rule: "an object may appear only once" });
        }
        seen.add(k);
    }
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} duplicate object(s)`, problems));
    }
    return keys;
}

/** What every rule looks up in the render, built once. */
class Render {
    readonly keys: string[];
    readonly byKey: Map<string, KubeObject>;
    readonly index: ResourceIndex;
    readonly crdOfKind = new Map<string, string>();
    readonly namespaces = new Map<string, KubeObject>();
    readonly certificateForSecret = new Map<string, string>();
    readonly workloads: KubeObject[] = [];

    constructor(readonly objects: readonly KubeObject[]) {
        this.keys = uniqueKeys(objects);
        this.byKey = new Map(objects.map((o, i) => [this.keys[i], o]));
        this.index = new ResourceIndex(objects);
        objects.forEach((o, i) => {
            const group = apiGroup(o.apiVersion);
            if (o.kind === "CustomResourceDefinition" && group === "apiextensions.k8s.io" && isRecord(o.spec) && isRecord(o.spec.names)) {
                this.crdOfKind.set(`${String(o.spec.group)}/${String(o.spec.names.kind)}`, this.keys[i]);
            } else if (o.kind === "Namespace" && group === "") {
                this.namespaces.set(o.metadata.name, o);
            } else if (o.kind === "Certificate" && group === "cert-manager.io" && isRecord(o.spec) && typeof o.spec.secretName === "string") {
                this.certificateForSecret.set(`${o.metadata.namespace ?? ""}/${o.spec.secretName}`, this.keys[i]);
            }
            if (isWorkload(o)) {
                this.workloads.push(o);
            }
        });
    }

    /** The key of this object when the render holds it. */
    find(group: string, kind: string, namespace: string | undefined, name: string): string | undefined {
        const k = `${group}/${kind}:${namespace ?? ""}/${name}`;
        return this.byKey.has(k) ? k : undefined;
    }

    /** The Secret, or the Certificate whose secret it is. */
    secretProducer(namespace: string, name: string): string | undefined {
        return this.find("", "Secret", namespace, name) ?? this.certificateForSecret.get(`${namespace}/${name}`);
    }

    /** Backing workloads of a webhook service: the Service's selector against pod templates. */
    backingOf(service: { name?: string; namespace?: string } | undefined): string[] {
        if (!service?.name || !service.namespace) {
            return [];
        }
        const svc = this.byKey.get(`/Service:${service.namespace}/${service.name}`);
        const selector = svc && isRecord(svc.spec) ? stringRecord(svc.spec.selector) : {};
        if (Object.keys(selector).length === 0) {
            return [];
        }
        return this.workloads
            .filter((w) => w.metadata.namespace === service.namespace && w.kind !== "Job" && w.kind !== "CronJob")
            .filter((w) => selectorMatches({ matchLabels: selector }, templateLabels(podTemplate(w) ?? {})))
            .map(objectKey);
    }

    /** The deployments of cert-manager's cainjector, which copies CA bundles into webhook configurations. */
    cainjectors(): string[] {
        return this.workloads
            .filter((w) => {
                const l = templateLabels(podTemplate(w) ?? {});
                return w.kind === "Deployment" && (l["app.kubernetes.io/name"] === "cainjector" || w.metadata.name === "cert-manager-cainjector");
            })
            .map(objectKey);
    }

    namespaceLabels(name: string): Labels {
        return { "kubernetes.io/metadata.name": name, ...stringRecord(this.namespaces.get(name)?.metadata.labels) };
    }
}

type Rule = (render: Render, graph: Graph) => void;

/** A CustomResourceDefinition before every object of its kind. */
const crdFirst: Rule = (render, graph) => {
    render.objects.forEach((o, i) => {
        graph.add(render.keys[i], render.crdOfKind.get(`${apiGroup(o.apiVersion)}/${o.kind}`));
    });
};

/** A Namespace before every object in it. */
const namespaceFirst: Rule = (render, graph) => {
    render.objects.forEach((o, i) => {
        const ns = o.metadata.namespace ? render.namespaces.get(o.metadata.namespace) : undefined;
        if (ns) {
            graph.add(render.keys[i], objectKey(ns));
        }
    });
};

/** A workload after the ConfigMaps, Secrets (or their Certificates), ServiceAccounts and claims it mounts. */
const mountsFirst: Rule = (render, graph) => {
    render.objects.forEach((o, i) => {
        const key = render.keys[i];
        const ns = o.metadata.namespace;
        const template = podTemplate(o);
        if (!template || !ns) {
            return;
        }
        const refs = podReferences(template);
        for (const n of refs.configMaps) {
            graph.add(key, render.find("", "ConfigMap", ns, n));
        }
        for (const n of refs.secrets) {
            graph.add(key, render.secretProducer(ns, n));
        }
        for (const n of refs.serviceAccounts) {
            graph.add(key, render.find("", "ServiceAccount", ns, n));
        }
        for (const n of refs.claims) {
            graph.add(key, render.find("", "PersistentVolumeClaim", ns, n));
        }
    });
};

/** A Certificate after its Issuer or ClusterIssuer. */
const issuerFirst: Rule = (render, graph) => {
    render.objects.forEach((o, i) => {
        if (o.kind !== "Certificate" || apiGroup(o.apiVersion) !== "cert-manager.io" || !isRecord(o.spec) || !isRecord(o.spec.issuerRef)) {
            return;
        }
        const ref = o.spec.issuerRef;
        const group = typeof ref.group === "string" ? ref.group : "cert-manager.io";
        const name = typeof ref.name === "string" ? ref.name : "";
        graph.add(
            render.keys[i],
            ref.kind === "ClusterIssuer" ? render.find(group, "ClusterIssuer", undefined, name) : render.find(group, "Issuer", o.metadata.namespace, name),
        );
    });
};

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

/**
 * Cert-manager's caBundle injection: the configuration waits for the certificate (or
 * CA secret) and for the cainjector that copies it.
 */
const caBundleFirst: Rule = (render, graph) => {
    const cainjectors = render.cainjectors();
    render.objects.forEach((w, wi) => {
        if (!isWebhookConfiguration(w)) {
            return;
        }
        const wKey = render.keys[wi];
        const annotations = w.metadata.annotations ?? {};
        const caFrom = annotations[CA_FROM];
        if (caFrom) {
            const [ns, name] = caFrom.split("/");
            graph.add(wKey, render.find("cert-manager.io", "Certificate", ns, name));
            for (const c of cainjectors) {
                graph.add(wKey, c);
            }
        }
        const caFromSecret = annotations[CA_FROM_SECRET];
        if (caFromSecret) {
            const [ns, name] = caFromSecret.split("/");
            // A CA secret absent from the render is made at runtime by the webhook's own
            // server (cert-manager's dynamic serving), so wait for that server instead.
            const producer = render.secretProducer(ns, name);
            const producers = producer ? [producer] : webhooksOf(w).flatMap((h) => render.backingOf(h.clientConfig?.service));
            for (const p of producers) {
                graph.add(wKey, p);
            }
            for (const c of cainjectors) {
                graph.add(wKey, c);
            }
        }
    });
};

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
    if (!ops.includes("CREATE") && !ops.includes("*")) {
        return false;
    }
    const groups = rule.apiGroups ?? [];
    if (!groups.includes("*") && !groups.includes(a.group)) {
        return false;
    }
    // Subresources (pods/status, ...) are never created by applying an object.
    const resources = (rule.resources ?? []).filter((r) => !r.includes("/") || r === "*/*");
    if (!resources.some((r) => r === "*" || r === "*/*" || r === a.plural)) {
        return false;
    }
    const scope = rule.scope ?? "*";
    return scope === "*" || (scope === "Namespaced") === a.namespaced;
}

/** Admission requests each object causes: itself, and for workloads also its pods. */
function admissionsOf(render: Render, o: KubeObject): Admission[] {
    const info = render.index.of(o);
    const list: Admission[] = [];
    const isNamespace = o.kind === "Namespace" && apiGroup(o.apiVersion) === "";
    if (info) {
        list.push({
            group: info.group,
            plural: info.plural,
            namespaced: info.namespaced,
            namespace: o.metadata.namespace,
            labels: stringRecord(o.metadata.labels),
            isNamespace,
        });
    }
    const template = podTemplate(o);
    if (template) {
        list.push({ group: "", plural: "pods", namespaced: true, namespace: o.metadata.namespace, labels: templateLabels(template), isNamespace: false });
    }
    return list;
}

function admitted(render: Render, hook: Webhook, a: Admission): boolean {
    if (!(hook.rules ?? []).some((r) => ruleMatches(r, a))) {
        return false;
    }
    if (a.namespaced || a.isNamespace) {
        const nsLabels = a.isNamespace ? { ...a.labels } : render.namespaceLabels(a.namespace ?? "default");
        if (!selectorMatches(hook.namespaceSelector, nsLabels)) {
            return false;
        }
    }
    return selectorMatches(hook.objectSelector, a.labels);
}

/**
 * For each admission webhook: the workloads behind its Service are Ready and the
 * configuration exists before any object it admits is created; or, when that object
 * is itself needed by those workloads, the object is created before the configuration.
 */
const admissionOrder: Rule = (render, graph) => {
    const admissions = render.objects.map((o) => admissionsOf(render, o));
    render.objects.forEach((w, wi) => {
        if (!isWebhookConfiguration(w)) {
            return;
        }
        const wKey = render.keys[wi];
        for (const hook of webhooksOf(w)) {
            const backing = render.backingOf(hook.clientConfig?.service);
            const needed = graph.prerequisites(backing);
            for (const b of backing) {
                needed.add(b);
            }
            render.objects.forEach((x, xi) => {
                if (xi === wi || isWebhookConfiguration(x) || !admissions[xi].some((a) => admitted(render, hook, a))) {
                    return;
                }
                const xKey = render.keys[xi];
                if (backing.length === 0 || needed.has(xKey)) {
                    // Created before the configuration exists, the object is never sent to
                    // a server that cannot answer yet (or that needs the object to start).
                    graph.add(wKey, xKey);
                } else {
                    for (const b of backing) {
                        graph.add(xKey, b);
                    }
                    graph.add(xKey, wKey);
                }
            });
        }
    });
};

/** In order: the admission rule reads the edges the others added. */
const RULES: readonly Rule[] = [crdFirst, namespaceFirst, mountsFirst, issuerFirst, caBundleFirst, admissionOrder];

/**
 * For every object (by objectKey), the objects that must be created (and, for
 * workloads, be Ready) before it. Objects are expected with explicit namespaces
 * (see completeNamespaces).
 */
export function dependencyEdges(objects: readonly KubeObject[]): Map<string, Set<string>> {
    const render = new Render(objects);
    const graph = new Graph(render.keys);
    for (const rule of RULES) {
        rule(render, graph);
    }
    return graph.edges;
}
