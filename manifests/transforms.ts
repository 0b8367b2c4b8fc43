/**
 * Pure transforms from the upstream render to what the platform deploys. Each takes
 * a list of objects and returns a new list; input objects are never mutated (changed
 * objects are copies), so a caller may keep the upstream render for comparison.
 */
import { isRecord } from "./parse";
import { KubeObject, Problem, apiGroup, formatProblems, objectKey } from "./types";
import type { Release } from "./catalog";

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
// Small helpers

function withMetadata(o: KubeObject, metadata: KubeObject["metadata"]): KubeObject {
    return { ...o, metadata };
}

function clone<T>(value: T): T {
    return structuredClone(value);
}

function is(o: KubeObject, group: string, kind: string, namespace?: string, name?: string): boolean {
    return (
        o.kind === kind &&
        apiGroup(o.apiVersion) === group &&
        (namespace === undefined || o.metadata.namespace === namespace) &&
        (name === undefined || o.metadata.name === name)
    );
}

function describe(o: KubeObject): string {
    const ns = o.metadata.namespace;
    return `${o.kind} ${ns ? `${ns}/` : ""}${o.metadata.name}`;
}

// ---------------------------------------------------------------------------
// Namespaces

export interface NamespaceOptions {
    /**
     * Namespace for namespaced objects the render leaves without one. `kubectl apply`
     * would put them in the context's namespace; making it explicit keeps the result
     * independent of whatever namespace the Kubernetes provider is configured with.
     */
    defaultNamespace?: string;
}

/**
 * Gives every namespaced object an explicit namespace and removes the namespace
 * kustomize sets on cluster-scoped objects (the API server would reject or ignore
 * it, and it would make the object's identity ambiguous). Scope comes from the
 * built-in list and the CRDs of the same render; an object of a kind known to
 * neither is reported, all such objects at once.
 */
export function completeNamespaces(objects: readonly KubeObject[], options: NamespaceOptions = {}): KubeObject[] {
    const defaultNamespace = options.defaultNamespace ?? "default";
    const index = new ResourceIndex(objects);
    const problems: Problem[] = [];
    const out = objects.map((o) => {
        const info = index.of(o);
        if (!info) {
            problems.push({ where: objectKey(o), value: `${o.apiVersion} ${o.kind}`, rule: "kind is neither built in nor defined by a CustomResourceDefinition of the render" });
            return o;
        }
        if (info.namespaced && !o.metadata.namespace) {
            return withMetadata(o, { ...o.metadata, namespace: defaultNamespace });
        }
        if (!info.namespaced && o.metadata.namespace !== undefined) {
            const rest = { ...o.metadata };
            delete rest.namespace;
            return withMetadata(o, rest);
        }
        return o;
    });
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} object(s) of unknown kind`, problems));
    }
    return out;
}

// ---------------------------------------------------------------------------
// AKS admissions enforcer

export const ADMISSIONS_ENFORCER_ANNOTATION = "admissions.enforcer/disabled";

export function isWebhookConfiguration(o: KubeObject): boolean {
    return (
        apiGroup(o.apiVersion) === "admissionregistration.k8s.io" &&
        (o.kind === "MutatingWebhookConfiguration" || o.kind === "ValidatingWebhookConfiguration")
    );
}

/**
 * AKS's admissions enforcer rewrites the namespaceSelector of every webhook to skip
 * its system namespaces unless told not to; on Kubeflow that rewrite has silently
 * cost the `control-plane: kubeflow` namespaces their sidecar injection.
 */
export function admissionsEnforcer(objects: readonly KubeObject[]): KubeObject[] {
    return objects.map((o) =>
        isWebhookConfiguration(o)
            ? withMetadata(o, { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [ADMISSIONS_ENFORCER_ANNOTATION]: "true" } })
            : o,
    );
}

// ---------------------------------------------------------------------------
// Ownership

export type Owners = Record<string, (o: KubeObject) => boolean>;

export interface HandOverResult {
    /** Objects nobody claimed: the platform deploys these. */
    objects: KubeObject[];
    /** Claimed objects by owner name; every owner appears, possibly with an empty list. */
    handedOver: Map<string, KubeObject[]>;
}

/**
 * Partitions the objects between the platform and the components that own some of
 * them, so that no object is ever deployed twice. An object claimed by two owners is
 * a programming error in the predicates, reported with every such object at once.
 */
export function handOver(objects: readonly KubeObject[], owners: Owners): HandOverResult {
    const handedOver = new Map<string, KubeObject[]>(Object.keys(owners).map((name) => [name, []]));
    const kept: KubeObject[] = [];
    const problems: Problem[] = [];
    for (const o of objects) {
        const claimants = Object.entries(owners)
            .filter(([, claims]) => claims(o))
            .map(([name]) => name);
        if (claimants.length === 0) {
            kept.push(o);
        } else if (claimants.length === 1) {
            handedOver.get(claimants[0])?.push(o);
        } else {
            problems.push({ where: objectKey(o), value: claimants.join(", "), rule: "an object may have only one owner" });
        }
    }
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} object(s) claimed by several owners`, problems));
    }
    return { objects: kept, handedOver };
}

// ---------------------------------------------------------------------------
// Dex

const DEX_NAMESPACE = "auth";
const DEX_GROUP = "dex.coreos.com";
const DEX_PATH = /^\/dex(\/|$)/;
const DEX_HOST = /^dex\.auth(\.svc(\.cluster\.local)?)?$/;
const DEX_PRINCIPAL = /\/ns\/auth\/sa\/dex$/;

/** Whether an object's text still points at dex: its service, its issuer, its paths. */
export function mentionsDex(o: KubeObject): boolean {
    return /(?<![A-Za-z])dex(?![A-Za-z])/.test(JSON.stringify(o));
}

/** Objects that are dex itself, as opposed to objects that merely refer to it. */
export function isDexObject(o: KubeObject): boolean {
    if (o.metadata.namespace === DEX_NAMESPACE || is(o, "", "Namespace", undefined, DEX_NAMESPACE)) {
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
    return hasOther ? { ...o, spec: { ...clone(o.spec), http: clone(http) } } : undefined;
}

/**
 * The AuthorizationPolicy without dex: exemptions (`notPaths: /dex/...`) are removed,
 * which only narrows what is let through; a rule that matched dex paths or the dex
 * service account alone is removed whole, since emptying its list would widen it to
 * everything. Undefined when no rule is left and the policy had rules before (an
 * empty rule list would change the policy's meaning).
 */
function withoutDexRules(o: KubeObject): KubeObject | undefined {
    if (!mentionsDex(o) || !isRecord(o.spec) || !Array.isArray(o.spec.rules)) {
        return o;
    }
    const rules: unknown[] = [];
    for (const rule of clone(o.spec.rules)) {
        const cleaned = cleanRule(rule);
        if (cleaned !== undefined) {
            rules.push(cleaned);
        }
    }
    if (rules.length === 0) {
        return undefined;
    }
    return { ...o, spec: { ...clone(o.spec), rules } };
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
    return subjects.length === o.subjects.length ? o : { ...o, subjects: clone(subjects) };
}

// ---------------------------------------------------------------------------
// Default credentials

/** Owner name under which Secrets with upstream default credentials are handed over. */
export const CREDENTIALS_OWNER = "credentials";

export interface CredentialSecret {
    /** objectKey of the Secret. */
    key: string;
    namespace: string;
    name: string;
    /** Keys whose upstream value is a published default and must be replaced by a generated one. */
    generate: string[];
    /** Keys kept as upstream wrote them (identifiers such as a user name, or empty values). */
    keep: string[];
}

const SECRET_KEY_NAME = /pass|secret|key|token/i;

function secretValues(o: KubeObject): Map<string, string> {
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

/**
 * The Secrets of the render that carry a credential value written in the upstream
 * repository (minio's "minio123", katib's MySQL root password, ...): any Secret with
 * a non-empty value under a secret-looking key. Secrets the render leaves empty
 * (certificates filled at runtime) and empty passwords are not listed: replacing an
 * empty password would lock out a server configured to accept it.
 */
export function defaultCredentials(objects: readonly KubeObject[]): CredentialSecret[] {
    const found: CredentialSecret[] = [];
    for (const o of objects) {
        if (!is(o, "", "Secret")) {
            continue;
        }
        const generate: string[] = [];
        const keep: string[] = [];
        for (const [k, v] of secretValues(o)) {
            (v !== "" && SECRET_KEY_NAME.test(k) ? generate : keep).push(k);
        }
        if (generate.length > 0) {
            found.push({ key: objectKey(o), namespace: o.metadata.namespace ?? "", name: o.metadata.name, generate, keep });
        }
    }
    return found;
}

/** Values published in upstream docs and manifests that must never reach a ConfigMap. */
const KNOWN_DEFAULT_VALUES = ["minio123", "12341234"];
const PASSWORD_HASH = /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/;

/** ConfigMaps that carry a credential (a known default value or a password hash). */
export function configMapCredentials(objects: readonly KubeObject[]): Problem[] {
    const problems: Problem[] = [];
    for (const o of objects) {
        if (!is(o, "", "ConfigMap")) {
            continue;
        }
        const text = JSON.stringify(o.data ?? {}) + JSON.stringify(o.binaryData ?? {});
        const value = KNOWN_DEFAULT_VALUES.find((v) => text.includes(v)) ?? (PASSWORD_HASH.test(text) ? "password hash" : undefined);
        if (value) {
            problems.push({ where: objectKey(o), value, rule: "credentials belong in a Secret, never in a ConfigMap" });
        }
    }
    return problems;
}

// ---------------------------------------------------------------------------
// What the program needs from a render

interface Requirement {
    what: string;
    why: string;
    matches(o: KubeObject): boolean;
}

function requirements(authservice: Release["authservice"]): Requirement[] {
    const common: Requirement[] = [
        { what: "Service istio-system/istio-ingressgateway", why: "the public endpoint is its LoadBalancer", matches: (o) => is(o, "", "Service", "istio-system", "istio-ingressgateway") },
        { what: "Gateway kubeflow/kubeflow-gateway", why: "serves HTTPS for every Kubeflow route", matches: (o) => is(o, "networking.istio.io", "Gateway", "kubeflow", "kubeflow-gateway") },
        { what: "Deployment istio-system/istiod", why: "injects sidecars and is awaited before injected workloads", matches: (o) => is(o, "apps", "Deployment", "istio-system", "istiod") },
        { what: "Deployment cert-manager/cert-manager-webhook", why: "admits the certificates", matches: (o) => is(o, "apps", "Deployment", "cert-manager", "cert-manager-webhook") },
        { what: "ClusterIssuer kubeflow-self-signing-issuer", why: "issues the public certificate when ACME is off", matches: (o) => is(o, "cert-manager.io", "ClusterIssuer", undefined, "kubeflow-self-signing-issuer") },
    ];
    const auth: Requirement[] =
        authservice === "oauth2-proxy"
            ? [
                  { what: "Deployment oauth2-proxy/oauth2-proxy", why: "the authservice of this release", matches: (o) => is(o, "apps", "Deployment", "oauth2-proxy", "oauth2-proxy") },
                  { what: "ConfigMap oauth2-proxy/oauth2-proxy-*", why: "the authservice configuration to patch for Entra ID", matches: (o) => is(o, "", "ConfigMap", "oauth2-proxy") && /^oauth2-proxy(-[a-z0-9]{10})?$/.test(o.metadata.name) },
              ]
            : [
                  // v1.7 names it authservice, v1.8 oidc-authservice.
                  { what: "StatefulSet istio-system/authservice or oidc-authservice", why: "the authservice of this release", matches: (o) => is(o, "apps", "StatefulSet", "istio-system") && /^(oidc-)?authservice$/.test(o.metadata.name) },
                  { what: "ConfigMap istio-system/oidc-authservice-parameters", why: "the authservice configuration to patch for Entra ID", matches: (o) => is(o, "", "ConfigMap", "istio-system", "oidc-authservice-parameters") },
              ];
    return [...common, ...auth];
}

/**
 * Checks that the render holds every object the program builds on, before anything
 * is created; every missing object is reported at once, naming the source (the
 * release, or the `manifests:` path of a local render).
 */
export function validateRequired(objects: readonly KubeObject[], release: Pick<Release, "id" | "authservice">, source: string = `release ${release.id}`): void {
    const problems: Problem[] = requirements(release.authservice)
        .filter((r) => !objects.some((o) => r.matches(o)))
        .map((r) => ({ where: source, value: `${r.what} is missing`, rule: `required: ${r.why}` }));
    if (problems.length > 0) {
        throw new Error(formatProblems(`${source}: the render lacks ${problems.length} object(s) the program needs (${release.authservice} flavour)`, problems));
    }
}

// ---------------------------------------------------------------------------
// The pipeline

export interface PrepareOptions {
    /** Objects other components own, by owner name (the auth component, the edge component, ...). */
    owners: Owners;
    /** See NamespaceOptions.defaultNamespace. */
    defaultNamespace?: string;
}

export interface Prepared {
    /** What the platform deploys. */
    objects: KubeObject[];
    /** What other components own, by owner name; `credentials` holds Secrets whose default values must be replaced. */
    handedOver: Map<string, KubeObject[]>;
}

/**
 * The transforms in the order that keeps each one simple: namespaces first (so
 * owners and the dex filter see final identities), the enforcer annotation, then the
 * hand-over of owned objects as upstream wrote them, dex removal on what remains,
 * and finally the Secrets with default credentials. Ends with the checks that must
 * hold for what is deployed: nothing points at dex, no credential in a ConfigMap.
 */
export function prepareRelease(objects: readonly KubeObject[], options: PrepareOptions): Prepared {
    if (CREDENTIALS_OWNER in options.owners) {
        throw new Error(`owner name "${CREDENTIALS_OWNER}" is reserved for the Secrets with default credentials`);
    }
    let current = completeNamespaces(objects, { defaultNamespace: options.defaultNamespace });
    current = admissionsEnforcer(current);
    const owned = handOver(current, options.owners);
    current = dropDex(owned.objects);
    const credentialKeys = new Set(defaultCredentials(current).map((c) => c.key));
    const credentials = handOver(current, { [CREDENTIALS_OWNER]: (o) => credentialKeys.has(objectKey(o)) });
    current = credentials.objects;

    const problems: Problem[] = [
        ...current.filter(mentionsDex).map((o) => ({ where: objectKey(o), value: describe(o), rule: "a deployed object must not refer to dex (hand it to its owner or extend dropDex)" })),
        ...configMapCredentials(current),
    ];
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} deployed object(s) would keep upstream auth or credentials`, problems));
    }
    const handedOver = new Map(owned.handedOver);
    handedOver.set(CREDENTIALS_OWNER, credentials.handedOver.get(CREDENTIALS_OWNER) ?? []);
    return { objects: current, handedOver };
}
