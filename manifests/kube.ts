/**
 * The vocabulary every step over the render shares: what kind of object this is,
 * where its pods are described, what a ConfigMap or Secret holds, and the scope and
 * plural of every kind. Pure, over plain objects.
 */
import { KubeObject, apiGroup } from "./types";

/**
 * kubectl with a shell and jq (alpine/k8s bundles them), at the Kubernetes minor of the
 * oldest cluster this runs on: the image of the platform's own Jobs and CronJobs.
 */
export const KUBECTL_IMAGE = "docker.io/alpine/k8s:1.32.3";

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The string-valued entries of a record (labels, a selector, ConfigMap data); anything else gives none. */
export function stringRecord(value: unknown): Record<string, string> {
    if (!isRecord(value)) {
        return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
        if (typeof v === "string") {
            out[k] = v;
        }
    }
    return out;
}

/**
 * Whether a key or a string anywhere in the value passes the test: a search of the
 * object's JSON text without building it (the renders' CRDs alone are megabytes of it).
 */
export function someString(value: unknown, test: (s: string) => boolean): boolean {
    if (typeof value === "string") {
        return test(value);
    }
    if (Array.isArray(value)) {
        return value.some((v) => someString(v, test));
    }
    if (isRecord(value)) {
        for (const key of Object.keys(value)) {
            if (test(key) || someString(value[key], test)) {
                return true;
            }
        }
    }
    return false;
}

/** A non-empty record whose every value is a string, or undefined: a selector to copy as it is. */
export function onlyStrings(value: unknown): Record<string, string> | undefined {
    if (!isRecord(value) || Object.keys(value).length === 0) {
        return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") {
            return undefined;
        }
        out[k] = v;
    }
    return out;
}

/** Canonical JSON: object keys sorted, so that two equal values print the same. */
export function canonicalJson(v: unknown): string {
    return JSON.stringify(v, (_key, value: unknown) =>
        isRecord(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
    );
}

/** Whether the object is of this group and kind and, when given, in this namespace with this name. */
export function isKind(o: KubeObject, group: string, kind: string, namespace?: string, name?: string): boolean {
    return (
        o.kind === kind &&
        apiGroup(o.apiVersion) === group &&
        (namespace === undefined || o.metadata.namespace === namespace) &&
        (name === undefined || o.metadata.name === name)
    );
}

/** `Kind namespace/name`, for messages. */
export function describeObject(o: KubeObject): string {
    const ns = o.metadata.namespace;
    return `${o.kind} ${ns ? `${ns}/` : ""}${o.metadata.name}`;
}

// ---------------------------------------------------------------------------
// API resources: scope and plural of a kind, from the built-in list or the CRDs of
// the same render. Needed because kustomize leaves some namespaced objects without
// a namespace and leaves namespaces on some cluster-scoped ones.

export interface ResourceInfo {
    group: string;
    kind: string;
    plural: string;
    namespaced: boolean;
}

const BUILTIN: readonly [group: string, kind: string, plural: string, namespaced: boolean][] = [
    ["", "Binding", "bindings", true],
    ["", "ConfigMap", "configmaps", true],
    ["", "Endpoints", "endpoints", true],
    ["", "Event", "events", true],
    ["", "LimitRange", "limitranges", true],
    ["", "Namespace", "namespaces", false],
    ["", "Node", "nodes", false],
    ["", "PersistentVolume", "persistentvolumes", false],
    ["", "PersistentVolumeClaim", "persistentvolumeclaims", true],
    ["", "Pod", "pods", true],
    ["", "PodTemplate", "podtemplates", true],
    ["", "ReplicationController", "replicationcontrollers", true],
    ["", "ResourceQuota", "resourcequotas", true],
    ["", "Secret", "secrets", true],
    ["", "Service", "services", true],
    ["", "ServiceAccount", "serviceaccounts", true],
    ["admissionregistration.k8s.io", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false],
    ["admissionregistration.k8s.io", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false],
    ["admissionregistration.k8s.io", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", false],
    ["admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false],
    ["admissionregistration.k8s.io", "MutatingAdmissionPolicy", "mutatingadmissionpolicies", false],
    ["admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding", "mutatingadmissionpolicybindings", false],
    ["apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions", false],
    ["apiregistration.k8s.io", "APIService", "apiservices", false],
    ["apps", "ControllerRevision", "controllerrevisions", true],
    ["apps", "DaemonSet", "daemonsets", true],
    ["apps", "Deployment", "deployments", true],
    ["apps", "ReplicaSet", "replicasets", true],
    ["apps", "StatefulSet", "statefulsets", true],
    ["autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true],
    ["batch", "CronJob", "cronjobs", true],
    ["batch", "Job", "jobs", true],
    ["certificates.k8s.io", "CertificateSigningRequest", "certificatesigningrequests", false],
    ["coordination.k8s.io", "Lease", "leases", true],
    ["discovery.k8s.io", "EndpointSlice", "endpointslices", true],
    ["events.k8s.io", "Event", "events", true],
    ["flowcontrol.apiserver.k8s.io", "FlowSchema", "flowschemas", false],
    ["flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration", "prioritylevelconfigurations", false],
    ["networking.k8s.io", "Ingress", "ingresses", true],
    ["networking.k8s.io", "IngressClass", "ingressclasses", false],
    ["networking.k8s.io", "NetworkPolicy", "networkpolicies", true],
    ["node.k8s.io", "RuntimeClass", "runtimeclasses", false],
    ["policy", "PodDisruptionBudget", "poddisruptionbudgets", true],
    ["rbac.authorization.k8s.io", "ClusterRole", "clusterroles", false],
    ["rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", false],
    ["rbac.authorization.k8s.io", "Role", "roles", true],
    ["rbac.authorization.k8s.io", "RoleBinding", "rolebindings", true],
    ["scheduling.k8s.io", "PriorityClass", "priorityclasses", false],
    ["storage.k8s.io", "CSIDriver", "csidrivers", false],
    ["storage.k8s.io", "CSINode", "csinodes", false],
    ["storage.k8s.io", "CSIStorageCapacity", "csistoragecapacities", true],
    ["storage.k8s.io", "StorageClass", "storageclasses", false],
    ["storage.k8s.io", "VolumeAttachment", "volumeattachments", false],
];

/** Scope and plural of every kind the render may contain: built-ins plus its own CRDs. */
export class ResourceIndex {
    private readonly byKind = new Map<string, ResourceInfo>();

    constructor(objects: readonly KubeObject[]) {
        for (const [group, kind, plural, namespaced] of BUILTIN) {
            this.byKind.set(`${group}/${kind}`, { group, kind, plural, namespaced });
        }
        for (const o of objects) {
            const crd = crdInfo(o);
            if (crd) {
                this.byKind.set(`${crd.group}/${crd.kind}`, crd);
            }
        }
    }

    /** Info for an object's kind, or undefined when neither built in nor defined by a CRD of the render. */
    of(o: Pick<KubeObject, "apiVersion" | "kind">): ResourceInfo | undefined {
        return this.byKind.get(`${apiGroup(o.apiVersion)}/${o.kind}`);
    }
}

/** The kind a CustomResourceDefinition defines, or undefined for any other object. */
export function crdInfo(o: KubeObject): ResourceInfo | undefined {
    if (o.kind !== "CustomResourceDefinition" || apiGroup(o.apiVersion) !== "apiextensions.k8s.io" || !isRecord(o.spec)) {
        return undefined;
    }
    const names = o.spec.names;
    if (typeof o.spec.group !== "string" || !isRecord(names) || typeof names.kind !== "string" || typeof names.plural !== "string") {
        return undefined;
    }
    return { group: o.spec.group, kind: names.kind, plural: names.plural, namespaced: o.spec.scope !== "Cluster" };
}

// ---------------------------------------------------------------------------
// Predicates

export function isWebhookConfiguration(o: KubeObject): boolean {
    return (
        apiGroup(o.apiVersion) === "admissionregistration.k8s.io" && (o.kind === "MutatingWebhookConfiguration" || o.kind === "ValidatingWebhookConfiguration")
    );
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

export function isWorkload(o: KubeObject): boolean {
    const group = apiGroup(o.apiVersion);
    return WORKLOAD_KINDS.has(o.kind) && (group === "apps" || group === "batch");
}

// ---------------------------------------------------------------------------
// Pod templates. Each accessor returns the object's own parts, not copies, so a
// caller that edits a structuredClone edits the clone's pods.

/** The pod template of a workload (the pods it will create; a CronJob's through its job template), or undefined. */
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

/** The pod spec of a workload's template, or undefined. */
export function podSpec(o: KubeObject): Record<string, unknown> | undefined {
    const spec = podTemplate(o)?.spec;
    return isRecord(spec) ? spec : undefined;
}

/** The containers (not the init containers) of a workload's pods; none for any other object. */
export function podContainers(o: KubeObject): Record<string, unknown>[] {
    const spec = podSpec(o);
    return spec && Array.isArray(spec.containers) ? spec.containers.filter(isRecord) : [];
}

/** The labels of a pod template (what a Service selector or a webhook sees on the pods). */
export function templateLabels(template: Record<string, unknown>): Labels {
    return isRecord(template.metadata) ? stringRecord(template.metadata.labels) : {};
}

export interface PodRefs {
    configMaps: string[];
    secrets: string[];
    serviceAccounts: string[];
    claims: string[];
}

/** What a pod spec needs to exist before its pods can start. */
export function podReferences(template: Record<string, unknown>): PodRefs {
    const refs: PodRefs = { configMaps: [], secrets: [], serviceAccounts: [], claims: [] };
    const spec = template.spec;
    if (!isRecord(spec)) {
        return refs;
    }
    const name = (v: unknown, field: string): string | undefined => (isRecord(v) && typeof v[field] === "string" ? v[field] : undefined);
    const push = (list: string[], v: string | undefined): void => {
        if (v) {
            list.push(v);
        }
    };
    push(refs.serviceAccounts, typeof spec.serviceAccountName === "string" ? spec.serviceAccountName : undefined);
    for (const s of Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []) {
        push(refs.secrets, name(s, "name"));
    }
    for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
        if (!isRecord(v)) {
            continue;
        }
        push(refs.configMaps, name(v.configMap, "name"));
        push(refs.secrets, name(v.secret, "secretName"));
        push(refs.claims, name(v.persistentVolumeClaim, "claimName"));
        const projected = isRecord(v.projected) && Array.isArray(v.projected.sources) ? v.projected.sources : [];
        for (const src of projected) {
            if (!isRecord(src)) {
                continue;
            }
            push(refs.configMaps, name(src.configMap, "name"));
            push(refs.secrets, name(src.secret, "name"));
        }
    }
    const containers: unknown[] = [spec.containers, spec.initContainers].flatMap((c): unknown[] => (Array.isArray(c) ? (c as unknown[]) : []));
    for (const c of containers) {
        if (!isRecord(c)) {
            continue;
        }
        for (const e of Array.isArray(c.env) ? c.env : []) {
            const from = isRecord(e) ? e.valueFrom : undefined;
            if (!isRecord(from)) {
                continue;
            }
            push(refs.configMaps, name(from.configMapKeyRef, "name"));
            push(refs.secrets, name(from.secretKeyRef, "name"));
        }
        for (const e of Array.isArray(c.envFrom) ? c.envFrom : []) {
            if (!isRecord(e)) {
                continue;
            }
            push(refs.configMaps, name(e.configMapRef, "name"));
            push(refs.secrets, name(e.secretRef, "name"));
        }
    }
    return refs;
}

// ---------------------------------------------------------------------------
// Labels and selectors

export type Labels = Record<string, string>;

export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
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
                if (!has || !values.includes(labels[e.key])) {
                    return false;
                }
                break;
            case "NotIn":
                if (has && values.includes(labels[e.key])) {
                    return false;
                }
                break;
            case "Exists":
                if (!has) {
                    return false;
                }
                break;
            case "DoesNotExist":
                if (has) {
                    return false;
                }
                break;
            default:
                // An operator this code does not know: assume a match, which only adds order.
                break;
        }
    }
    return true;
}

// ---------------------------------------------------------------------------
// ConfigMaps and Secrets

/** A ConfigMap's string data (`data`; `binaryData` is not text). */
export function configMapData(o: KubeObject): Record<string, string> {
    return stringRecord(o.data);
}

/**
 * A Secret's values, decoded: `data` is base64, `stringData` plain and, as on the API
 * server, wins over `data` for the same key. A value that is not a string reads as "".
 */
export function secretValues(o: KubeObject): Map<string, string> {
    const values = new Map<string, string>();
    if (isRecord(o.data)) {
        for (const [k, v] of Object.entries(o.data)) {
            values.set(k, typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "");
        }
    }
    if (isRecord(o.stringData)) {
        for (const [k, v] of Object.entries(o.stringData)) {
            values.set(k, typeof v === "string" ? v : "");
        }
    }
    return values;
}

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: unknown;
}

/** A container of a pod template, with the fields the transforms rewrite. */
export interface TemplateContainer {
    name: string;
    args?: string[];
    env?: EnvVar[];
}

/** A workload (Deployment, StatefulSet, Job: `spec.template`) with each container of its pods replaced by `f`'s copy. */
export function mapContainers(o: KubeObject, f: (c: TemplateContainer) => TemplateContainer): KubeObject {
    const spec = o.spec as { template: { spec: { containers?: TemplateContainer[] } } };
    const containers = (spec.template.spec.containers ?? []).map(f);
    return { ...o, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, containers } } } };
}

/** A workload with its containers' env set to these literal values (replacing any earlier definition of them). */
export function withContainerEnv(o: KubeObject, values: Readonly<Record<string, string>>): KubeObject {
    return mapContainers(o, (c) => {
        const env = (c.env ?? []).filter((e) => !(e.name in values));
        return { ...c, env: [...env, ...Object.entries(values).map(([name, value]) => ({ name, value }))] };
    });
}
