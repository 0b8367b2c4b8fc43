/**
 * The rules of the policy pack as pure functions over plain resource arguments (a type
 * token and its inputs), so the tests call them with hand-built arguments and with what
 * the real builders produce. No Pulumi here: policies.ts adapts them to @pulumi/policy.
 *
 * Kubernetes objects are found in two shapes: a typed resource
 * (`kubernetes:networking.istio.io/v1alpha3:Gateway`, `kubernetes:core/v1:Service`, ...)
 * and a document of a `kubernetes:yaml/v2:ConfigGroup`, in its `yaml` text (this program
 * passes JSON documents joined by `---`) or its `objs`. Both are checked: a group whose
 * text is known is judged before the provider expands it, and its children, registered
 * as typed resources, are judged again on their own.
 *
 * The pack is self-contained (it runs from policy/ with its own node_modules), so the
 * names it guards are written here; a test checks they agree with manifests/edge.ts.
 */
import * as yaml from "js-yaml";

export const GATEWAY_NAMESPACE = "kubeflow";
export const GATEWAY_NAME = "kubeflow-gateway";
export const INGRESS_NAMESPACE = "istio-system";
export const INGRESS_SERVICE_NAME = "istio-ingressgateway";

export const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";
export const MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster";

/** Resource types that must be protected in a production stack. */
export const PROTECTED_IN_PROD: readonly string[] = [
    MANAGED_CLUSTER,
    "azure-native:resources:ResourceGroup",
    "azuread:index/application:Application",
    // The static IP is the address the DNS name and the certificate point at; losing it
    // changes the public address.
    "azure-native:network:PublicIPAddress",
    // Managed state: the pipelines' and Katib's databases, and the artifacts.
    "azure-native:dbformysql:Server",
    "azure-native:storage:StorageAccount",
];

export const MYSQL_SERVER = "azure-native:dbformysql:Server";
export const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
export const BLOB_SERVICE = "azure-native:storage:BlobServiceProperties";
/** Days of backups a production stack's managed state keeps at least, unless the policy's config says otherwise. */
export const DEFAULT_MIN_BACKUP_DAYS = 7;

/** Published upstream defaults (Kubeflow's MinIO, Katib's MySQL) that must never be served from a ConfigMap. */
export const KNOWN_DEFAULT_CREDENTIALS: readonly string[] = ["minio123", "12341234"];

/** What a resource rule is given: the type token and the inputs, as the engine hands them over. */
export interface ResourceArgs {
    readonly type: string;
    readonly props: Record<string, unknown>;
}

/** A resource of the stack as a stack rule sees it. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly protect: boolean;
    /** The inputs, where a rule reads them. */
    readonly props?: Record<string, unknown>;
}

export interface StackViolation {
    readonly message: string;
    readonly urn?: string;
}

/** A resource rule: every violation as a message, none when the resource complies. */
export type ResourceRule = (resource: ResourceArgs) => string[];

type Obj = Record<string, unknown>;

/** One Kubernetes object found in a resource, with where it was found (empty for a typed resource). */
export interface FoundObject {
    readonly apiVersion: string;
    readonly kind: string;
    /** The object (for a typed resource: its inputs, read lazily). */
    readonly object: Obj;
    readonly where: string;
}

function isObj(value: unknown): value is Obj {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

function groupOf(apiVersion: string): string {
    return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
}

function metadataOf(o: Obj): { name?: string; namespace?: string } {
    const meta = isObj(o.metadata) ? o.metadata : {};
    return { name: str(meta.name), namespace: str(meta.namespace) };
}

/** `group/Kind namespace/name` for messages. */
function describe(found: FoundObject): string {
    const { name, namespace } = metadataOf(found.object);
    const id = `${groupOf(found.apiVersion) || "core"}/${found.kind} ${namespace ?? "(no namespace)"}/${name ?? "(no name)"}`;
    return found.where ? `${id} (${found.where})` : id;
}

/** The apiVersion and kind a typed Kubernetes token stands for: `kubernetes:core/v1:Service` is `v1` Service. */
export function typedKubernetes(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+)\/([^/:]+):([^:]+)$/.exec(type);
    if (!m || m[1] === "yaml" || m[1] === "helm.sh" || m[1] === "kustomize") {
        return undefined;
    }
    return { apiVersion: m[1] === "core" ? m[2] : `${m[1]}/${m[2]}`, kind: m[3] };
}

function flattenDocument(doc: unknown, where: string, out: FoundObject[], problems: string[]): void {
    if (doc === null || doc === undefined) {
        return;
    }
    if (!isObj(doc)) {
        problems.push(`${where}: not a Kubernetes object`);
        return;
    }
    if (typeof doc.kind === "string" && doc.kind.endsWith("List") && Array.isArray(doc.items)) {
        doc.items.forEach((item, i) => flattenDocument(item, `${where} items[${i}]`, out, problems));
        return;
    }
    out.push({ apiVersion: str(doc.apiVersion) ?? "", kind: str(doc.kind) ?? "", object: doc, where });
}

/**
 * A group text of JSON documents separated by `---` lines, as the program writes them
 * (manifests/parse.ts toYamlText), read with JSON.parse; undefined for any other text,
 * which js-yaml reads. JSON has no raw line break inside a string (RFC 8259 section 7:
 * control characters are escaped), so the separator line cannot occur within a document.
 */
function jsonDocuments(text: string): unknown[] | undefined {
    if (!text.startsWith("{")) {
        return undefined;
    }
    try {
        return text.split("\n---\n").map((doc) => JSON.parse(doc) as unknown);
    } catch {
        return undefined;
    }
}

/**
 * The Kubernetes objects a resource creates, as far as its inputs say, and the parts
 * that could not be read (text that is not YAML). A typed resource's inputs are not
 * read here, only named; a group's `yaml` and `objs` are. Reading an input the engine
 * does not know yet (preview) throws @pulumi/policy's UnknownValueError, which is left
 * to propagate: the engine then reports that the policy could not run, not a pass.
 */
export function kubernetesObjects(resource: ResourceArgs): { objects: FoundObject[]; problems: string[] } {
    const objects: FoundObject[] = [];
    const problems: string[] = [];
    if (resource.type === CONFIG_GROUP) {
        const texts: unknown = resource.props.yaml;
        const textList: unknown[] = texts === undefined ? [] : Array.isArray(texts) ? Array.from(texts as unknown[]) : [texts];
        textList.forEach((text, i) => {
            const source = textList.length > 1 ? `yaml[${i}]` : "yaml";
            if (typeof text !== "string") {
                problems.push(`${source}: not a string`);
                return;
            }
            let docs: unknown[];
            try {
                docs = jsonDocuments(text) ?? yaml.loadAll(text, undefined, { schema: yaml.JSON_SCHEMA, json: true });
            } catch (err) {
                problems.push(`${source}: not valid YAML (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
                return;
            }
            docs.forEach((doc, d) => flattenDocument(doc, `${source} document ${d + 1}`, objects, problems));
        });
        const objs: unknown = resource.props.objs;
        const objList: unknown[] = objs === undefined ? [] : Array.isArray(objs) ? Array.from(objs as unknown[]) : [objs];
        objList.forEach((o, i) => flattenDocument(o, `objs[${i}]`, objects, problems));
        return { objects, problems };
    }
    const typed = typedKubernetes(resource.type);
    if (typed) {
        objects.push({ ...typed, object: resource.props, where: "" });
    }
    return { objects, problems };
}

/**
 * Applies a check to every object of one kind in the resource. Typed resources of other
 * kinds are not read at all (their unknown inputs must not stop the policy); unreadable
 * group text fails closed.
 */
function eachObject(resource: ResourceArgs, group: string, kind: string, check: (found: FoundObject) => string[]): string[] {
    const typed = typedKubernetes(resource.type);
    if (resource.type !== CONFIG_GROUP && (!typed || typed.kind !== kind || groupOf(typed.apiVersion) !== group)) {
        return [];
    }
    const { objects, problems } = kubernetesObjects(resource);
    const relevant = objects.filter((f) => f.kind === kind && groupOf(f.apiVersion) === group);
    return [...problems.map((p) => `${p}: the ${kind} objects in it cannot be checked`), ...relevant.flatMap(check)];
}

// ---------------------------------------------------------------------------------------
// 1. The Kubeflow gateway redirects HTTP to HTTPS and terminates TLS on 443.

function serversOf(o: Obj): Obj[] {
    const spec = isObj(o.spec) ? o.spec : {};
    return Array.isArray(spec.servers) ? spec.servers.filter(isObj) : [];
}

function portOf(server: Obj): { number?: number; protocol: string } {
    const port = isObj(server.port) ? server.port : {};
    const number = typeof port.number === "number" ? port.number : typeof port.number === "string" ? Number(port.number) : undefined;
    return { number, protocol: (str(port.protocol) ?? "").toUpperCase() };
}

function tlsOf(server: Obj): Obj {
    return isObj(server.tls) ? server.tls : {};
}

/**
 * Gateway kubeflow/kubeflow-gateway (any networking.istio.io version): a port-80 HTTP
 * server with `tls.httpsRedirect: true`, no HTTP server without the redirect, and a
 * port-443 HTTPS server with `tls.mode: SIMPLE`.
 */
export const gatewayHttpsRedirect: ResourceRule = (resource) =>
    eachObject(resource, "networking.istio.io", "Gateway", (found) => {
        const { name, namespace } = metadataOf(found.object);
        if (name !== GATEWAY_NAME || namespace !== GATEWAY_NAMESPACE) {
            return [];
        }
        const servers = serversOf(found.object);
        const violations: string[] = [];
        const http80 = servers.filter((s) => portOf(s).number === 80 && portOf(s).protocol === "HTTP");
        if (http80.length === 0) {
            violations.push(`${describe(found)}: no HTTP server on port 80 redirecting to HTTPS (tls.httpsRedirect: true)`);
        }
        for (const s of servers.filter((s) => portOf(s).protocol === "HTTP")) {
            if (tlsOf(s).httpsRedirect !== true) {
                violations.push(`${describe(found)}: the HTTP server on port ${String(portOf(s).number)} serves plain HTTP; set tls.httpsRedirect: true`);
            }
        }
        const https443 = servers.filter((s) => portOf(s).number === 443 && portOf(s).protocol === "HTTPS");
        if (!https443.some((s) => tlsOf(s).mode === "SIMPLE")) {
            const modes = https443.map((s) => JSON.stringify(tlsOf(s).mode) ?? "(none)");
            violations.push(
                `${describe(found)}: no HTTPS server on port 443 with tls.mode SIMPLE${modes.length > 0 ? ` (found mode ${modes.join(", ")})` : ""}`,
            );
        }
        return violations;
    });

// ---------------------------------------------------------------------------------------
// 2. Only the ingress gateway is exposed through a cloud load balancer.

/** No Service of type LoadBalancer except istio-system/istio-ingressgateway. */
export const onlyIngressLoadBalancer: ResourceRule = (resource) =>
    eachObject(resource, "", "Service", (found) => {
        const spec = isObj(found.object.spec) ? found.object.spec : {};
        if (spec.type !== "LoadBalancer") {
            return [];
        }
        const { name, namespace } = metadataOf(found.object);
        if (name === INGRESS_SERVICE_NAME && namespace === INGRESS_NAMESPACE) {
            return [];
        }
        return [
            `${describe(found)}: type LoadBalancer exposes it on a public address; only ${INGRESS_NAMESPACE}/${INGRESS_SERVICE_NAME} may be a LoadBalancer (use ClusterIP and route through the gateway)`,
        ];
    });

// ---------------------------------------------------------------------------------------
// 3. Credentials live in Secrets, never in ConfigMaps.

/** Keys whose value is a credential by name (`password`, `client-secret`, `cookie_secret`, `dbPassword`, ...). */
const SECRET_KEY =
    /(^|[-_.])(password|passwd|client[-_]?secret|cookie[-_]?secret|secret[-_]?key|private[-_]?key|api[-_]?key|access[-_]?token|refresh[-_]?token)$|[a-z](Password|Passwd|Secret|SecretKey|PrivateKey|ApiKey|AccessToken)$/i;
/** `client_secret = "..."`, `password: ...` inside a configuration file held in a value. */
const SECRET_ASSIGNMENT = /(?:^|[\s{,"'])(password|passwd|client[-_]?secret|cookie[-_]?secret)["']?\s*[:=]\s*["']?([^\s"',}]+)/im;
/** Values that refer to a credential rather than hold one: environment or template references, file paths. */
const REFERENCE = /^(\$\{?[A-Za-z_][\w.]*\}?|\{\{.*\}\}|\/[\w./-]+|<[\w -]+>)$/;

const PATTERNS: ReadonlyArray<[string, RegExp]> = [
    ["a bcrypt password hash", /\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}/],
    ["an argon2 password hash", /\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+/],
    ["a SHA-crypt password hash", /\$[56]\$(rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}/],
    ["a private key", /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/],
    ["a JSON Web Token", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/],
];

function defaultCredentialIn(value: string): string | undefined {
    return KNOWN_DEFAULT_CREDENTIALS.find((c) => new RegExp(`(^|[^A-Za-z0-9])${c}([^A-Za-z0-9]|$)`).test(value));
}

/** Why a ConfigMap value is a credential, or undefined. */
export function credentialIn(key: string, value: string): string | undefined {
    const known = defaultCredentialIn(value);
    if (known !== undefined) {
        return `the published default credential "${known}"`;
    }
    for (const [what, pattern] of PATTERNS) {
        if (pattern.test(value)) {
            return what;
        }
    }
    const trimmed = value.trim();
    if (SECRET_KEY.test(key) && trimmed !== "" && !REFERENCE.test(trimmed)) {
        return "a non-empty value under a credential key";
    }
    const assignment = SECRET_ASSIGNMENT.exec(value);
    if (assignment && !REFERENCE.test(assignment[2])) {
        return `a literal ${assignment[1]} in the configuration text`;
    }
    return undefined;
}

function decodeBase64(value: string): string | undefined {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ""))) {
        return undefined;
    }
    return Buffer.from(value, "base64").toString("utf8");
}

/**
 * No ConfigMap (typed or in a group) holds a credential: a published default, a password
 * hash, a private key, a JWT, or a non-empty literal under a credential key or assignment.
 * `binaryData` is decoded first. The value itself never appears in the message.
 */
export const noCredentialInConfigMap: ResourceRule = (resource) =>
    eachObject(resource, "", "ConfigMap", (found) => {
        const violations: string[] = [];
        const check = (field: string, entries: unknown, decode: boolean): void => {
            if (!isObj(entries)) {
                return;
            }
            for (const [key, raw] of Object.entries(entries)) {
                if (typeof raw !== "string") {
                    continue;
                }
                const value = decode ? (decodeBase64(raw) ?? raw) : raw;
                const why = credentialIn(key, value);
                if (why !== undefined) {
                    violations.push(
                        `${describe(found)}: ${field}.${key} holds ${why}; keep credentials in a Secret and reference it (secretKeyRef, a mounted Secret)`,
                    );
                }
            }
        };
        check("data", found.object.data, false);
        check("binaryData", found.object.binaryData, true);
        return violations;
    });

// ---------------------------------------------------------------------------------------
// 3b. No profile namespace gets the object store's root key.

/** The pipelines' profile controller of the MinIO releases, which copies its MinIO key into every profile namespace. */
export const PROFILE_CONTROLLER = "kubeflow-pipelines-profile-controller";

/**
 * The pipelines' profile controller copies no key from a Secret into the profile
 * namespaces: on the MinIO releases it writes its MINIO_ACCESS_KEY / MINIO_SECRET_KEY into
 * every profile namespace (sync.py), so taking them from a Secret (upstream: the store's
 * root key, `mlpipeline-minio-artifact`) hands every namespace every team's artifacts.
 * The program gives it a key MinIO does not know, and each namespace its own
 * (manifests/authorization/artifact-isolation.ts).
 */
export const noSharedObjectStoreKey: ResourceRule = (resource) =>
    eachObject(resource, "apps", "Deployment", (found) => {
        const { name } = metadataOf(found.object);
        if (name !== PROFILE_CONTROLLER) {
            return [];
        }
        const containers = path(found.object, "spec", "template", "spec", "containers");
        const env = (Array.isArray(containers) ? (containers as unknown[]) : []).flatMap((c): unknown[] =>
            isObj(c) && Array.isArray(c.env) ? (c.env as unknown[]) : [],
        );
        return env
            .filter(
                (e): e is Obj =>
                    isObj(e) && (e.name === "MINIO_ACCESS_KEY" || e.name === "MINIO_SECRET_KEY") && path(e, "valueFrom", "secretKeyRef") !== undefined,
            )
            .map(
                (e) =>
                    `${describe(found)}: ${String(e.name)} comes from Secret ${String(path(e, "valueFrom", "secretKeyRef", "name"))}, which the controller copies into every profile namespace; give each namespace its own key`,
            );
    });

// ---------------------------------------------------------------------------------------
// 4. The AKS cluster: Kubernetes RBAC, workload identity and its OIDC issuer.

function path(props: Obj, ...keys: string[]): unknown {
    let current: unknown = props;
    for (const k of keys) {
        current = isObj(current) ? current[k] : undefined;
    }
    return current;
}

/** ManagedCluster with enableRBAC, securityProfile.workloadIdentity.enabled and oidcIssuerProfile.enabled all true. */
export const aksClusterSecurity: ResourceRule = (resource) => {
    if (resource.type !== MANAGED_CLUSTER) {
        return [];
    }
    const required: Array<[string, unknown, string]> = [
        ["enableRBAC", path(resource.props, "enableRBAC"), "Kubernetes RBAC is what Kubeflow's profiles and the authservice's identities rely on"],
        [
            "securityProfile.workloadIdentity.enabled",
            path(resource.props, "securityProfile", "workloadIdentity", "enabled"),
            "pods reach Azure through federated identities, not stored keys",
        ],
        ["oidcIssuerProfile.enabled", path(resource.props, "oidcIssuerProfile", "enabled"), "workload identity federation needs the cluster's OIDC issuer"],
    ];
    return required
        .filter(([, value]) => value !== true)
        .map(([field, value, why]) => `AKS cluster: ${field} must be true, found ${JSON.stringify(value) ?? "unset"} (${why})`);
};

// ---------------------------------------------------------------------------------------
// 5. Production stacks protect what cannot be recreated without loss.

/** Whether a stack name (`prod`, or `org/project/prod` as some backends report it) is one of the production stacks. */
export function isProdStack(stack: string, prodStacks: readonly string[]): boolean {
    return prodStacks.some((p) => stack === p || stack.endsWith(`/${p}`));
}

/**
 * In a production stack, every ManagedCluster, ResourceGroup, Entra Application and
 * static public IP has `protect` set: a `pulumi destroy` or a replacement must be a
 * deliberate two-step act there.
 */
export function protectInProd(resources: readonly StackResource[], settings: { stack: string; prodStacks: readonly string[] }): StackViolation[] {
    if (!isProdStack(settings.stack, settings.prodStacks)) {
        return [];
    }
    return resources
        .filter((r) => PROTECTED_IN_PROD.includes(r.type) && !r.protect)
        .map((r) => ({
            message: `${r.type} ${r.name} is not protected in production stack ${settings.stack}; set kubeflow-azure:protect true (resource option protect)`,
            urn: r.urn,
        }));
}

export const SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal";
export const APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment";

/**
 * In a production stack, sign-in is restricted to groups (kubeflow-azure:allowedGroupIds):
 * the Entra service principal requires assignment, and at least one group is assigned.
 * Otherwise every user of the tenant, guests included, may sign in.
 */
export function restrictedSignInInProd(resources: readonly StackResource[], settings: { stack: string; prodStacks: readonly string[] }): StackViolation[] {
    if (!isProdStack(settings.stack, settings.prodStacks)) {
        return [];
    }
    const principals = resources.filter((r) => r.type === SERVICE_PRINCIPAL);
    const assigned = resources.some((r) => r.type === APP_ROLE_ASSIGNMENT);
    return principals
        .filter((r) => r.props?.appRoleAssignmentRequired !== true || !assigned)
        .map((r) => ({
            message: `Entra service principal ${r.name} lets every user of the tenant sign in to production stack ${settings.stack}; set kubeflow-azure:allowedGroupIds (appRoleAssignmentRequired ${JSON.stringify(r.props?.appRoleAssignmentRequired ?? null)}, ${assigned ? "groups assigned" : "no group assigned"})`,
            urn: r.urn,
        }));
}

/**
 * In a production stack, managed state is backed up: every MySQL flexible server keeps
 * automated backups for at least `minDays`, and for every storage account a blob service
 * keeps versions and soft-deleted blobs and containers for as long. A stack with its
 * state in the cluster has neither and passes (its volumes are the operator's to back up).
 */
export function managedStateBackupsInProd(
    resources: readonly StackResource[],
    settings: { stack: string; prodStacks: readonly string[]; minDays?: number },
): StackViolation[] {
    if (!isProdStack(settings.stack, settings.prodStacks)) {
        return [];
    }
    const min = settings.minDays ?? DEFAULT_MIN_BACKUP_DAYS;
    const violations: StackViolation[] = [];
    const days = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
    for (const server of resources.filter((r) => r.type === MYSQL_SERVER)) {
        const backup = isObj(server.props?.backup) ? server.props.backup : {};
        const retention = days(backup.backupRetentionDays);
        if (retention === undefined || retention < min) {
            violations.push({
                message: `MySQL server ${server.name} sets ${retention === undefined ? "no backup retention" : `${retention} day(s) of backups`} in production stack ${settings.stack}; keep at least ${min} (kubeflow-azure:state.backupRetentionDays)`,
                urn: server.urn,
            });
        }
    }
    const kept = (policy: unknown): boolean => isObj(policy) && policy.enabled === true && (days(policy.days) ?? 0) >= min;
    const backedUp = resources.filter(
        (r) =>
            r.type === BLOB_SERVICE &&
            r.props?.isVersioningEnabled === true &&
            kept(r.props.deleteRetentionPolicy) &&
            kept(r.props.containerDeleteRetentionPolicy),
    );
    const accounts = resources.filter((r) => r.type === STORAGE_ACCOUNT);
    // Blob services name their account by an output unknown at preview: counted, not matched.
    for (const account of accounts.slice(backedUp.length)) {
        violations.push({
            message: `storage account ${account.name} has no blob service with versioning and ${min} days of soft delete for blobs and containers in production stack ${settings.stack} (kubeflow-azure:state.backupRetentionDays)`,
            urn: account.urn,
        });
    }
    return violations;
}

/** Every resource rule, by policy name. */
export const RESOURCE_RULES: Readonly<Record<string, ResourceRule>> = {
    "kubeflow-gateway-https-redirect": gatewayHttpsRedirect,
    "only-ingress-gateway-load-balancer": onlyIngressLoadBalancer,
    "no-credential-in-configmap": noCredentialInConfigMap,
    "no-shared-object-store-key": noSharedObjectStoreKey,
    "aks-rbac-and-workload-identity": aksClusterSecurity,
};
