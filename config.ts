/**
 * The only place that reads Pulumi configuration. Everything is validated here, every
 * problem is reported in one error, and the result is one typed, frozen object: no
 * resource is registered before this returns.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_STATE_ADDRESS_SPACE, StateNetwork, cidrOverlaps, cidrWithin, isCidr, stateAddressSpaceRule, stateNetwork } from "./azure/network";
import { REGIONS_SOURCE, checkRegion, findRegion } from "./azure/regions";
import { DEFAULT_RELEASE, findRelease, kubernetesMinor, releaseIds, supportsKubernetes } from "./manifests/catalog";
import { ProfileConfig, readResourceQuota, validateProfiles } from "./manifests/profiles";
import { ADMISSION_POLICY_SINCE } from "./manifests/authorization/profile-creation";
import { USER_ID_CLAIMS, UserIdClaim, defaultUserIdClaim, supportedUserIdClaims } from "./manifests/authservice";
import { MYSQL_ADMIN, mysqlHost } from "./manifests/transforms/managed-state";
import { Problem, formatProblems } from "./manifests/types";
import { isDnsLabel, isEmailAddress, isGuid, isHostName } from "./manifests/validators";

export const NAMESPACE = "kubeflow-azure";

export interface SystemPool {
    /** VM size of the system node pool, which also runs the Kubeflow platform. */
    readonly vmSize: string;
    /** Number of system nodes. */
    readonly count: number;
}

export interface UserPool {
    /** VM size of the autoscaling user pool (notebooks, pipeline steps, training). */
    readonly vmSize: string;
    readonly minCount: number;
    readonly maxCount: number;
    /** Spot VMs: cheap, evictable. */
    readonly spot: boolean;
}

export interface GpuPool {
    /** N-series VM size of the GPU pool. */
    readonly vmSize: string;
    readonly minCount: number;
    readonly maxCount: number;
    /** Spot VMs for the GPU pool. */
    readonly spot: boolean;
}

export type WeekDay = "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday";

export interface MaintenanceWindow {
    /** Day of the week the window opens. */
    readonly day: WeekDay;
    /** Opening time, HH:MM. */
    readonly startTime: string;
    /** Length in hours; AKS requires at least 4. */
    readonly durationHours: number;
    /** UTC offset of startTime, +HH:MM or -HH:MM. */
    readonly utcOffset: string;
}

/** Facts about where the stack deploys, resolved once before the configuration (index.ts). */
export interface DeploymentContext {
    /** Azure subscription of the deploying identity. */
    readonly subscriptionId: string;
    /** Pulumi organization and project: two teams' stacks of the same name differ by them. */
    readonly organization: string;
    readonly project: string;
}

export type ClusterTier = "Free" | "Standard";

export type TlsIssuer = "self-signed" | "letsencrypt";

export interface TlsConfig {
    readonly issuer: TlsIssuer;
    /** ACME account e-mail, required for letsencrypt. */
    readonly email?: string;
}

/** Where Kubeflow keeps its state: volumes of the cluster, or Azure services the stack owns apart from it. */
export type StateMode = "in-cluster" | "managed";

/** Managed state: an Azure Database for MySQL flexible server and a Blob container, in a network and group of their own. */
export interface ManagedStateConfig {
    readonly mode: "managed";
    /** Compute size of the MySQL flexible server; its tier follows the size (B: Burstable, D: GeneralPurpose, E: MemoryOptimized). */
    readonly mysqlSku: string;
    /** Storage of the server in GiB; it grows by itself from there. */
    readonly mysqlStorageGb: number;
    /** Days of automated backups (server) and of soft-deleted blobs and versions (artifacts). */
    readonly backupRetentionDays: number;
    /** Backups copied to the region's pair; the storage account geo-replicated. */
    readonly geoRedundantBackup: boolean;
    /** A standby server with automatic failover: in another zone when the stack has zones, else in the same one. */
    readonly highAvailability: boolean;
    /** The network the state and the cluster's nodes share: its range (`state.addressSpace`) and the subnets carved from it. */
    readonly network: StateNetwork;
    /** Globally unique names derived from the stack (config.ts managedStateNames). */
    readonly mysqlServerName: string;
    readonly storageAccountName: string;
    /** The server's host name, known before it exists. */
    readonly mysqlHost: string;
    /** The server's administrator, used only by the Job that makes the components' own accounts. */
    readonly mysqlAdminUser: string;
}

export type StateConfig = { readonly mode: "in-cluster" } | ManagedStateConfig;

export interface ClientSecretConfig {
    /** Days the Entra client secret stays valid, counted from the rotation date. */
    readonly validityDays: number;
    /** Changing it issues a new client secret; releases with a secret need a date, YYYY-MM-DD (see clientSecretEndDate). */
    readonly rotation: string;
}

export interface Config {
    readonly stack: string;
    readonly location: string;
    readonly name: string;
    readonly dnsLabel: string;
    readonly hostname: string;
    /** Name of the group AKS creates for the nodes (explicit: the derived MC_... name can pass 80 characters). */
    readonly nodeResourceGroup: string;
    /** Explicit tenant, or undefined: the tenant of the current Azure login. */
    readonly tenantId?: string;
    readonly kubernetesVersion: string;
    readonly systemPool: SystemPool;
    readonly userPool: UserPool;
    /** Optional GPU pool, tainted so that only pods tolerating the taint land there. */
    readonly gpuPool?: GpuPool;
    /** Entra groups given "Azure Kubernetes Service RBAC Cluster Admin" on the cluster. */
    readonly adminGroupIds: readonly string[];
    /** Local accounts (the admin kubeconfig); false: Entra credentials through kubelogin only. */
    readonly localAccounts: boolean;
    /** When AKS may apply automatic upgrades (Kubernetes patches and node images). */
    readonly maintenanceWindow: MaintenanceWindow;
    readonly authorizedIpRanges: readonly string[];
    /** Availability zones for node pools and the public IP; empty: regional. */
    readonly zones: readonly string[];
    readonly kubeflowRelease: string;
    /** Absolute path of a local kustomization directory or rendered YAML file. */
    readonly manifests?: string;
    readonly allowedGroupIds: readonly string[];
    /** The token claim that names the user (kubeflow-userid); depends on the release's authservice by default. */
    readonly userIdClaim: UserIdClaim;
    /** Further owners (object ids) of the Entra app and its service principal, beside the deploying identity. */
    readonly owners: readonly string[];
    /**
     * The identity that runs `pulumi up` (app owner, cluster admin). Unset: whoever runs
     * pulumi. Set when previews run as another (read-only) identity, so they show no change.
     */
    readonly deployerObjectId?: string;
    readonly tls: TlsConfig;
    readonly protect: boolean;
    /** AKS pricing tier: Standard carries the uptime SLA; its own setting, not a side effect of protect. */
    readonly clusterTier: ClusterTier;
    readonly clientSecret: ClientSecretConfig;
    /** Kubeflow Profiles (namespaces) with their owner and contributors. */
    readonly profiles: readonly ProfileConfig[];
    /** Where the pipelines' and Katib's databases and the artifacts live. */
    readonly state: StateConfig;
    /** The dashboard's registration flow: a user without a namespace may create one. */
    readonly selfService: boolean;
    /** The ResourceQuota `hard` map every self-made namespace gets (selfService on). */
    readonly selfServiceQuota: Readonly<Record<string, string>>;
    /** Things worth saying that do not stop the deployment. */
    readonly warnings: readonly string[];
}

/**
 * Static defaults. Pulumi.yaml declares the same values (a test keeps the two equal);
 * the defaults derived from other keys (name, dnsLabel, hostname, tenantId) live in
 * `resolveConfig`.
 */
export const DEFAULTS = {
    kubernetesVersion: "1.34",
    // 2 x 4 vCPU / 16 GiB: the 26.03 platform requests about 3 vCPU and 7 GiB before
    // sidecars; this leaves room for Istio proxies and AKS's own daemons.
    systemPool: { vmSize: "Standard_D4s_v5", count: 2 },
    userPool: { vmSize: "Standard_D8s_v5", minCount: 0, maxCount: 3, spot: false },
    authorizedIpRanges: [] as string[],
    zones: [] as string[],
    kubeflowRelease: DEFAULT_RELEASE,
    allowedGroupIds: [] as string[],
    owners: [] as string[],
    tls: { issuer: "self-signed" as TlsIssuer },
    protect: false,
    clusterTier: "Free" as ClusterTier,
    clientSecret: { validityDays: 365, rotation: "1" },
    adminGroupIds: [] as string[],
    // Off: no admin kubeconfig exists, in the outputs, the state or anywhere; the provider
    // and the `kubeconfig` output hold only a kubelogin exec entry (no credential).
    localAccounts: false,
    // A weekend night (UTC): AKS wants at least four hours for the auto-upgrade schedule.
    maintenanceWindow: { day: "Saturday" as WeekDay, startTime: "00:00", durationHours: 8, utcOffset: "+00:00" },
    profiles: [] as ProfileConfig[],
    // In the cluster by default: managed state is billed apart and outlives the cluster on purpose.
    state: {
        mode: "in-cluster" as StateMode,
        mysqlSku: "Standard_B2ms",
        mysqlStorageGb: 32,
        backupRetentionDays: 7,
        geoRedundantBackup: false,
        highAvailability: false,
        addressSpace: DEFAULT_STATE_ADDRESS_SPACE,
    },
    selfService: false,
    // What a namespace made through the dashboard's registration flow gets (selfService).
    selfServiceQuota: {
        "requests.cpu": "4",
        "requests.memory": "16Gi",
        "requests.nvidia.com/gpu": "0",
        "requests.storage": "100Gi",
        persistentvolumeclaims: "10",
    } as Record<string, string>,
} as const;

/** Field defaults of `gpuPool`; the pool itself exists only when the key is set. */
const GPU_POOL_DEFAULTS: GpuPool = { vmSize: "", minCount: 0, maxCount: 1, spot: false };

/**
 * Azure's limits on the names the program derives (Microsoft's "Naming rules and
 * restrictions for Azure resources"; AKS refuses a node resource group name over 80).
 * azure-native auto-names a resource as its Pulumi name plus 8 random hex digits
 * (pulumi-azure-native provider/pkg/provider/autonaming_test.go: "test" -> "test614742c2").
 */
export const AZURE_NAME_LIMITS = { resourceGroup: 90, cluster: 63, nodeResourceGroup: 80, dnsLabel: 63 } as const;
const AUTONAME_SUFFIX = 8;
/** The documentation ranges of RFC 5737: nobody's address, so nobody reaches the API server. */
const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];
/**
 * Addresses the AKS API server's public endpoint never sees as a caller's: private
 * networks (RFC 1918), shared address space (RFC 6598, carrier-grade NAT), loopback and
 * link-local. A range of them admits no one: the endpoint sees the public address the
 * caller's traffic leaves its network with.
 */
const NON_PUBLIC_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"];

/** The nil UUID: a template's placeholder for a group id, never an Entra object's id. */
const NIL_GUID = "00000000-0000-0000-0000-000000000000";
/** RFC 2606's example domains: Let's Encrypt refuses an account contact there. */
const EXAMPLE_DOMAIN = /@([^@]+\.)?example\.(com|net|org)$/i;
const WEEK_DAYS: readonly WeekDay[] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/**
 * Six hex digits, stable per subscription, Pulumi organization, project and stack:
 * makes the default DNS label unique in its region across Azure (a label is global
 * per region) and the node resource group unique in the subscription.
 */
export function stackSuffix(context: DeploymentContext, stack: string): string {
    return createHash("sha256")
        .update([context.subscriptionId.toLowerCase(), context.organization, context.project, stack].join("/"))
        .digest("hex")
        .slice(0, 6);
}

/** The Azure names the program derives from `name` (auto-named ones at their longest), for the limit checks. */
export function derivedAzureNames(name: string, nodeResourceGroup: string): { key: string; value: string; limit: number }[] {
    const auto = (logical: string) => `${logical}${"x".repeat(AUTONAME_SUFFIX)}`;
    return [
        { key: "cluster resource group", value: auto(`${name}-cluster-rg`), limit: AZURE_NAME_LIMITS.resourceGroup },
        { key: "endpoint resource group", value: auto(`${name}-endpoint-rg`), limit: AZURE_NAME_LIMITS.resourceGroup },
        { key: "cluster", value: auto(`${name}-cluster-aks`), limit: AZURE_NAME_LIMITS.cluster },
        { key: "node resource group", value: nodeResourceGroup, limit: AZURE_NAME_LIMITS.nodeResourceGroup },
    ];
}

/** Every key of the namespace; anything else set there is a typo. */
export const KEYS = [
    "name",
    "dnsLabel",
    "hostname",
    "tenantId",
    "kubernetesVersion",
    "systemPool",
    "userPool",
    "authorizedIpRanges",
    "zones",
    "kubeflowRelease",
    "manifests",
    "allowedGroupIds",
    "userIdClaim",
    "owners",
    "deployerObjectId",
    "tls",
    "protect",
    "clusterTier",
    "clientSecret",
    "gpuPool",
    "adminGroupIds",
    "localAccounts",
    "maintenanceWindow",
    "profiles",
    "selfService",
    "selfServiceQuota",
    "state",
] as const;

/** Raw configuration as strings, keyed `namespace:key`, as Pulumi hands it over. */
export type RawConfig = Readonly<Record<string, string>>;

/** Azure's rule for a public IP's DNS label, stricter than a DNS label: a letter first, 3-63 characters. */
const AZURE_DNS_LABEL = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;
const K8S_VERSION = /^\d+\.\d+(\.\d+)?$/;
const VM_SIZE = /^Standard_[A-Za-z0-9_]+$/;
// N-series: NC, ND and NV. AKS does not support the AMD-based NVv4 sizes (Microsoft's
// "Use GPUs on AKS": supported GPU-enabled VMs).
const GPU_VM_SIZE = /^Standard_N[CDV][A-Za-z0-9_]*$/;
const AMD_NV_V4 = /^Standard_NV\d+as_v4$/i;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const UTC_OFFSET = /^[+-](0\d|1[0-4]):[0-5]\d$/;

/** Reads the stack's configuration through Pulumi and resolves it (throws on any problem). */
export function loadConfig(context: DeploymentContext): Config {
    const cfg = resolveConfig(pulumi.runtime.allConfig(), pulumi.getStack(), context);
    for (const warning of cfg.warnings) {
        void pulumi.log.warn(warning);
    }
    return cfg;
}

/**
 * Validates raw configuration and derives defaults. Pure: tests call it directly.
 * Throws one Error listing every problem.
 */
export function resolveConfig(raw: RawConfig, stack: string, context: DeploymentContext): Config {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const bad = (key: string, value: unknown, rule: string): void => {
        problems.push({ where: key.includes(":") ? key : `${NAMESPACE}:${key}`, value: show(value), rule });
    };

    for (const fullKey of Object.keys(raw)) {
        const [ns, key] = splitKey(fullKey);
        if (ns === NAMESPACE && !(KEYS as readonly string[]).includes(key)) {
            const hint = closest(key, KEYS);
            bad(fullKey, raw[fullKey], `unknown key${hint ? ` (did you mean ${NAMESPACE}:${hint}?)` : ""}; known keys: ${KEYS.join(", ")}`);
        } else if (ns !== NAMESPACE && closest(ns, [NAMESPACE]) !== undefined) {
            // Other namespaces belong to providers and are theirs to check; one a few
            // letters from ours is a typo whose value would silently be ignored.
            const hint = (KEYS as readonly string[]).includes(key) ? key : closest(key, KEYS);
            bad(fullKey, raw[fullKey], `unknown namespace ${ns}${hint ? ` (did you mean ${NAMESPACE}:${hint}?)` : ` (did you mean ${NAMESPACE}?)`}`);
        }
    }

    const get = (key: string): string | undefined => raw[`${NAMESPACE}:${key}`];
    const json = <T>(key: string, fallback: T): unknown => {
        const text = get(key);
        if (text === undefined) {
            return fallback;
        }
        try {
            return JSON.parse(text) as unknown;
        } catch {
            // A plain string where JSON was expected (e.g. `pulumi config set tls letsencrypt`).
            return text;
        }
    };

    // Location: azure-native's own key, required.
    const rawLocation = raw["azure-native:location"];
    let location = "";
    if (rawLocation === undefined || rawLocation.trim() === "") {
        bad("azure-native:location", rawLocation, "required: the Azure region, e.g. `pulumi config set azure-native:location westeurope`");
    } else {
        location = rawLocation.replace(/\s+/g, "").toLowerCase();
        if (!/^[a-z0-9]+$/.test(location)) {
            bad("azure-native:location", rawLocation, "an Azure region name such as westeurope or eastus2");
        } else {
            const region = checkRegion(location);
            if (region.kind === "typo") {
                bad(
                    "azure-native:location",
                    rawLocation,
                    `not an Azure region (did you mean ${region.suggestions.join(" or ")}?); \`az account list-locations -o table\` lists them`,
                );
            } else if (region.kind === "unlisted") {
                warnings.push(
                    `azure-native:location ${location} is not in the project's region table (${REGIONS_SOURCE}): ` +
                        "if it is a new region, go on; if not, `az account list-locations -o table` lists the names.",
                );
            } else if (region.region.access !== "open") {
                warnings.push(
                    region.region.access === "restricted"
                        ? `azure-native:location ${location} is a restricted region: a subscription needs an access request before it can create resources there (Azure region access request process).`
                        : `azure-native:location ${location} is listed by Microsoft as coming soon: it may not accept resources yet.`,
                );
            }
        }
    }

    const name = get("name") ?? `kf-${stack}`;
    if (!isDnsLabel(name) || name.length > 25) {
        bad(
            "name",
            name,
            "lower-case alphanumerics or '-', starting and ending with an alphanumeric, at most 25 characters" +
                (get("name") === undefined ? ` (derived from the stack name ${stack}; set ${NAMESPACE}:name)` : ""),
        );
    }

    const suffix = stackSuffix(context, stack);
    const dnsLabel = get("dnsLabel") ?? `${name}-${suffix}`;
    if (!AZURE_DNS_LABEL.test(dnsLabel)) {
        bad(
            "dnsLabel",
            dnsLabel,
            "an Azure DNS label: 3-63 lower-case letters, digits or '-', starting with a letter, ending with a letter or digit" +
                (get("dnsLabel") === undefined ? ` (derived from ${NAMESPACE}:name; set ${NAMESPACE}:dnsLabel)` : ""),
        );
    }
    const nodeResourceGroup = `${name}-${suffix}-nodes`;
    for (const derived of derivedAzureNames(name, nodeResourceGroup)) {
        if (derived.value.length > derived.limit) {
            bad("name", name, `the ${derived.key} name derived from it (${derived.value.length} characters) must fit Azure's limit of ${derived.limit}`);
        }
    }

    const hostname = (get("hostname") ?? `${dnsLabel}.${location}.cloudapp.azure.com`).toLowerCase();
    if (!isHostName(hostname)) {
        const bare = hostname.replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/[/:].*$/, "");
        bad(
            "hostname",
            hostname,
            "a fully qualified DNS name (labels of letters, digits and '-', separated by dots)" +
                (bare !== hostname && isHostName(bare) ? `: the name alone, without scheme, port or path (${bare})` : ""),
        );
    }

    const tenantId = get("tenantId");
    if (tenantId !== undefined && !isGuid(tenantId)) {
        bad("tenantId", tenantId, "a GUID (the Entra tenant id); leave unset to use the tenant of the current Azure login");
    }

    const kubeflowRelease = get("kubeflowRelease") ?? DEFAULTS.kubeflowRelease;
    const release = findRelease(kubeflowRelease);
    if (!release) {
        bad("kubeflowRelease", kubeflowRelease, `one of the supported releases: ${releaseIds().join(", ")}`);
    }

    const kubernetesVersion = get("kubernetesVersion") ?? DEFAULTS.kubernetesVersion;
    const readAsNumber = /^1\.[1-9]$/.test(kubernetesVersion);
    if (!K8S_VERSION.test(kubernetesVersion)) {
        bad("kubernetesVersion", kubernetesVersion, "major.minor or major.minor.patch, e.g. 1.34");
    } else if (readAsNumber) {
        // No Kubernetes 1.1 to 1.9 runs on AKS: this is 1.10 to 1.90 written unquoted in a
        // stack file, which YAML reads as a number and Pulumi stores without the trailing 0.
        bad(
            "kubernetesVersion",
            kubernetesVersion,
            `a Kubernetes version AKS runs: YAML read an unquoted ${kubernetesVersion}0 as the number ${kubernetesVersion}; quote it in the stack file ` +
                `(kubeflow-azure:kubernetesVersion: "${kubernetesVersion}0") or run pulumi config set kubeflow-azure:kubernetesVersion ${kubernetesVersion}0`,
        );
    } else if (release && !supportsKubernetes(release, kubernetesVersion)) {
        // A warning, not an error: upstream documents these ranges loosely, and a newer
        // AKS minor often works before a release's notes say so.
        warnings.push(
            `${NAMESPACE}:kubernetesVersion ${kubernetesVersion} is outside the range Kubeflow ${release.id} is tested on ` +
                `(${release.kubernetes.min} to ${release.kubernetes.max}); proceeding.`,
        );
    }

    const systemPool = objectOf("systemPool", json("systemPool", {}), DEFAULTS.systemPool, bad, (p) => {
        checkVmSize("systemPool.vmSize", p.vmSize, bad);
        checkInt("systemPool.count", p.count, 1, 100, bad);
    });
    const userPool = objectOf("userPool", json("userPool", {}), DEFAULTS.userPool, bad, (p) => {
        checkVmSize("userPool.vmSize", p.vmSize, bad);
        checkAutoscaledPool("userPool", p, 1000, bad);
    });

    const authorizedIpRanges = stringList("authorizedIpRanges", json("authorizedIpRanges", []), bad, (v, key) => {
        if (!isCidr(v)) {
            bad(key, v, "an IPv4 CIDR such as 20.61.10.0/24 (a single address is written /32)");
        } else if (DOCUMENTATION_RANGES.some((range) => cidrOverlaps(v, range))) {
            bad(key, v, "a documentation range (RFC 5737) admits no one, not even pulumi: put the egress CIDRs of your network and CI runners here");
        } else if (NON_PUBLIC_RANGES.some((range) => cidrWithin(v, range))) {
            bad(
                key,
                v,
                "a private, shared or loopback range: the API server's public endpoint sees the public address your traffic leaves with " +
                    "(`curl -s https://api.ipify.org` from the deploying machine and each CI runner), never this one, so it would lock pulumi out",
            );
        }
    });
    if (authorizedIpRanges.length === 0) {
        warnings.push(
            `${NAMESPACE}:authorizedIpRanges is empty: the cluster's API server answers the whole internet (Entra sign-in still guards it). ` +
                "Set the public egress CIDRs of your network and CI runners (README: Cluster access).",
        );
    }
    // `pulumi config set --path 'kubeflow-azure:zones[0]' 1` stores a number.
    const rawZones = json("zones", []);
    const zones = stringList(
        "zones",
        Array.isArray(rawZones) ? rawZones.map((z) => (typeof z === "number" ? String(z) : z) as unknown) : rawZones,
        bad,
        (v, key) => {
            if (!/^[1-3]$/.test(v)) {
                bad(key, v, 'an availability zone: "1", "2" or "3"');
            }
        },
    );
    if (zones.length > 0 && findRegion(location)?.zones === false) {
        warnings.push(
            `${NAMESPACE}:zones is set but ${location} has no availability zones in Microsoft's region list (${REGIONS_SOURCE}): ` +
                "AKS will refuse the node pools; leave zones empty or pick a region with zones.",
        );
    }
    const groupIds = (key: string): string[] =>
        stringList(key, json(key, []), bad, (v, entry) => {
            if (!isGuid(v)) {
                bad(entry, v, "an Entra group object id (a GUID)");
            } else if (v === NIL_GUID) {
                bad(entry, v, "the template's placeholder names no group: put the object ids of the Entra groups whose members may sign in");
            }
        });
    const allowedGroupIds = groupIds("allowedGroupIds");
    if (allowedGroupIds.length === 0) {
        warnings.push(
            `${NAMESPACE}:allowedGroupIds is empty: every user of the tenant, guests included, may sign in to Kubeflow. ` +
                "Set the object ids of the Entra groups whose members may (README: Who may sign in).",
        );
    }
    const adminGroupIds = groupIds("adminGroupIds");
    const localAccounts = booleanKey("localAccounts", get("localAccounts"), DEFAULTS.localAccounts, bad);
    if (localAccounts) {
        warnings.push(
            `${NAMESPACE}:localAccounts is true: the cluster-admin kubeconfig is the stack's kubeconfig output and is in its state, ` +
                "so whoever can read the stack's secrets (a preview job included) is cluster-admin. Leave it false unless you need it (README: Cluster access).",
        );
    }

    const rawGpuPool = get("gpuPool") === undefined ? undefined : json("gpuPool", {});
    const gpuPool =
        rawGpuPool === undefined
            ? undefined
            : objectOf("gpuPool", rawGpuPool, GPU_POOL_DEFAULTS, bad, (p) => {
                  if (typeof p.vmSize !== "string" || !GPU_VM_SIZE.test(p.vmSize) || AMD_NV_V4.test(p.vmSize)) {
                      bad(
                          "gpuPool.vmSize",
                          p.vmSize,
                          "an NVIDIA N-series VM size AKS supports (NC, ND or NV, e.g. Standard_NC4as_T4_v3; not the AMD NVv4 sizes)",
                      );
                  }
                  checkAutoscaledPool("gpuPool", p, 100, bad);
              });

    const maintenanceWindow = objectOf("maintenanceWindow", json("maintenanceWindow", {}), DEFAULTS.maintenanceWindow, bad, (w) => {
        if (!WEEK_DAYS.includes(w.day)) {
            bad("maintenanceWindow.day", w.day, `a day of the week: ${WEEK_DAYS.join(", ")}`);
        }
        if (typeof w.startTime !== "string" || !HH_MM.test(w.startTime)) {
            bad("maintenanceWindow.startTime", w.startTime, "a time of day, HH:MM (24 hours)");
        }
        // Microsoft's "Use planned maintenance": the auto-upgrade windows last 4 to 24 hours.
        checkInt("maintenanceWindow.durationHours", w.durationHours, 4, 24, bad);
        if (typeof w.utcOffset !== "string" || !UTC_OFFSET.test(w.utcOffset)) {
            bad("maintenanceWindow.utcOffset", w.utcOffset, "a UTC offset, +HH:MM or -HH:MM, e.g. +01:00");
        }
    });

    const owners = stringList("owners", json("owners", DEFAULTS.owners), bad, (v, key) => {
        if (!isGuid(v)) {
            bad(key, v, "an Entra object id (a GUID) of a user or service principal");
        }
    });
    const deployerObjectId = get("deployerObjectId");
    if (deployerObjectId !== undefined && !isGuid(deployerObjectId)) {
        bad("deployerObjectId", deployerObjectId, "the Entra object id (a GUID) of the identity that runs pulumi up for this stack");
    }

    const flavour = release?.authservice ?? "oauth2-proxy";
    const userIdClaim = (get("userIdClaim") ?? defaultUserIdClaim(flavour)) as UserIdClaim;
    if (!(USER_ID_CLAIMS as readonly string[]).includes(userIdClaim)) {
        bad("userIdClaim", userIdClaim, `one of ${USER_ID_CLAIMS.join(", ")}`);
    } else if (!supportedUserIdClaims(flavour).includes(userIdClaim)) {
        // arrikto oidc-authservice e236439 (server.go) reads the user from the userinfo
        // endpoint, and Entra's userinfo has no preferred_username.
        bad(
            "userIdClaim",
            userIdClaim,
            `${kubeflowRelease} runs ${flavour}, which reads the user from Entra's userinfo endpoint: only ${supportedUserIdClaims(flavour).join(", ")} ` +
                "(every user then needs a mail attribute)",
        );
    }

    const manifestsKey = get("manifests");
    const manifests = manifestsKey === undefined ? undefined : path.resolve(manifestsKey);
    if (manifests !== undefined) {
        if (!fs.existsSync(manifests)) {
            bad("manifests", get("manifests"), "an existing kustomization directory or rendered YAML file (path relative to the project directory)");
        } else if (
            fs.statSync(manifests).isDirectory() &&
            !["kustomization.yaml", "kustomization.yml", "Kustomization"].some((f) => fs.existsSync(path.join(manifests, f)))
        ) {
            bad("manifests", get("manifests"), "a directory given here must hold a kustomization.yaml");
        }
    }

    const rawTls = json("tls", DEFAULTS.tls);
    const tlsInput: unknown = typeof rawTls === "string" ? { issuer: rawTls } : rawTls;
    const tls = objectOf("tls", tlsInput, { issuer: DEFAULTS.tls.issuer, email: undefined as string | undefined }, bad, (t) => {
        if (t.issuer !== "self-signed" && t.issuer !== "letsencrypt") {
            bad("tls.issuer", t.issuer, "self-signed or letsencrypt");
        }
        if (t.issuer === "letsencrypt" && (typeof t.email !== "string" || !isEmailAddress(t.email))) {
            bad("tls.email", t.email, "an e-mail address, required with tls.issuer letsencrypt (Let's Encrypt's account contact)");
        } else if (t.email !== undefined && (typeof t.email !== "string" || !isEmailAddress(t.email))) {
            bad("tls.email", t.email, "an e-mail address");
        } else if (typeof t.email === "string" && EXAMPLE_DOMAIN.test(t.email)) {
            bad(
                "tls.email",
                t.email,
                "an address at an example domain (example.com/.net/.org): Let's Encrypt refuses it; put the mailbox that should get expiry notices",
            );
        }
    });
    const protect = booleanKey("protect", get("protect"), DEFAULTS.protect, bad);
    const clusterTier = (get("clusterTier") ?? DEFAULTS.clusterTier) as ClusterTier;
    if (clusterTier !== "Free" && clusterTier !== "Standard") {
        bad("clusterTier", clusterTier, "Free or Standard (Standard carries the AKS uptime SLA and is billed per cluster hour)");
    }

    // `pulumi config set --path kubeflow-azure:clientSecret.rotation 2` stores the integer 2
    // (on a path the CLI reads integers as numbers): the label is its text.
    const rawClientSecret = json("clientSecret", {});
    const rotation: unknown = (rawClientSecret as { rotation?: unknown } | null)?.rotation;
    const clientSecretInput =
        typeof rotation === "number" && Number.isInteger(rotation) ? { ...(rawClientSecret as object), rotation: String(rotation) } : rawClientSecret;
    const clientSecret = objectOf("clientSecret", clientSecretInput, DEFAULTS.clientSecret, bad, (c) => {
        checkInt("clientSecret.validityDays", c.validityDays, 1, 730, bad);
        if (typeof c.rotation !== "string" || c.rotation.length === 0) {
            bad("clientSecret.rotation", c.rotation, "a non-empty label (text or an integer); change it to issue a new client secret");
        }
    });

    const { profiles, problems: profileProblems } = validateProfiles(json("profiles", DEFAULTS.profiles), `${NAMESPACE}:profiles`, userIdClaim === "oid");
    problems.push(...profileProblems);
    const rawSelfService = get("selfService");
    if (rawSelfService !== undefined && rawSelfService !== "true" && rawSelfService !== "false") {
        bad("selfService", rawSelfService, "true or false");
    }
    const selfService = rawSelfService === undefined ? DEFAULTS.selfService : rawSelfService === "true";
    const selfServiceQuota =
        get("selfServiceQuota") === undefined
            ? { ...DEFAULTS.selfServiceQuota }
            : readResourceQuota(`${NAMESPACE}:selfServiceQuota`, json("selfServiceQuota", {}), bad);
    if (selfService && Object.keys(selfServiceQuota).length === 0) {
        bad("selfServiceQuota", "{}", 'with selfService on, the quota every self-made namespace gets: at least one resource, e.g. { "requests.cpu": "4" }');
    }
    const minor = kubernetesMinor(kubernetesVersion);
    if (!selfService && minor !== undefined && minor < ADMISSION_POLICY_SINCE) {
        warnings.push(
            `${NAMESPACE}:selfService is false, but Kubernetes ${kubernetesVersion} serves no ValidatingAdmissionPolicy (1.${ADMISSION_POLICY_SINCE} and newer do): ` +
                "only the dashboard's button is hidden, and a signed-in user can still create a profile through its API.",
        );
    }

    const state = readState(json("state", DEFAULTS.state), release, managedStateNames(name, suffix), bad);

    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return deepFreeze({
        stack,
        location,
        name,
        dnsLabel,
        hostname,
        nodeResourceGroup,
        tenantId: tenantId?.toLowerCase(),
        kubernetesVersion,
        systemPool,
        userPool,
        ...(gpuPool ? { gpuPool } : {}),
        adminGroupIds: adminGroupIds.map((g) => g.toLowerCase()),
        localAccounts,
        maintenanceWindow,
        authorizedIpRanges,
        zones,
        kubeflowRelease,
        manifests,
        allowedGroupIds: allowedGroupIds.map((g) => g.toLowerCase()),
        userIdClaim,
        owners: [...new Set(owners.map((o) => o.toLowerCase()))],
        ...(deployerObjectId ? { deployerObjectId: deployerObjectId.toLowerCase() } : {}),
        tls: tls.email === undefined ? { issuer: tls.issuer } : { issuer: tls.issuer, email: tls.email },
        protect,
        clusterTier,
        clientSecret,
        profiles,
        selfService,
        selfServiceQuota,
        state,
        warnings,
    });
}

/** MySQL flexible server sizes by their series letter (Microsoft's "Azure Database for MySQL - Flexible Server service tiers"). */
const MYSQL_SKU_TIERS: Readonly<Record<string, "Burstable" | "GeneralPurpose" | "MemoryOptimized">> = {
    B: "Burstable",
    D: "GeneralPurpose",
    E: "MemoryOptimized",
};

/** The tier of a MySQL flexible server size, or undefined for a name of no known series. */
export function mysqlSkuTier(sku: string): "Burstable" | "GeneralPurpose" | "MemoryOptimized" | undefined {
    const m = /^Standard_([BDE])\d+[a-z]*(_v\d+)?$/.exec(sku);
    return m ? MYSQL_SKU_TIERS[m[1]] : undefined;
}

/**
 * The managed state's names, which Azure wants unique across all its customers: the
 * MySQL server's (its host name, <server>.mysql.database.azure.com: 3-63 lower-case
 * letters, digits or '-') and the storage account's (3-24 lower-case letters or digits).
 * Derived from the deployment name and the stack suffix, so they are known before
 * anything exists and the same on every update.
 */
export function managedStateNames(name: string, suffix: string): { mysqlServerName: string; storageAccountName: string } {
    return {
        mysqlServerName: `${name}-${suffix}-mysql`,
        storageAccountName: `${name.replace(/[^a-z0-9]/g, "").slice(0, 24 - suffix.length - 2)}${suffix}kf`,
    };
}

function readState(
    value: unknown,
    release: { readonly id: string; readonly objectStore: "minio" | "seaweedfs" } | undefined,
    names: { mysqlServerName: string; storageAccountName: string },
    bad: Report,
): StateConfig {
    // `pulumi config set kubeflow-azure:state managed` stores the mode alone.
    const input: unknown = typeof value === "string" ? { mode: value } : value;
    const merged = objectOf("state", input, { ...DEFAULTS.state, mode: DEFAULTS.state.mode }, bad, (s) => {
        if (s.mode !== "in-cluster" && s.mode !== "managed") {
            bad(
                "state.mode",
                s.mode,
                "in-cluster (volumes of the cluster) or managed (Azure Database for MySQL and Blob Storage the stack owns apart from the cluster)",
            );
        }
        if (typeof s.mysqlSku !== "string" || mysqlSkuTier(s.mysqlSku) === undefined) {
            bad(
                "state.mysqlSku",
                s.mysqlSku,
                "a MySQL flexible server size: Standard_B… (Burstable), Standard_D… (GeneralPurpose) or Standard_E… (MemoryOptimized), e.g. Standard_B2ms",
            );
        }
        // Microsoft's flexible server limits: 20 GiB to 16 TiB of storage, 1 to 35 days of backups.
        checkInt("state.mysqlStorageGb", s.mysqlStorageGb, 20, 16384, bad);
        checkInt("state.backupRetentionDays", s.backupRetentionDays, 1, 35, bad);
        if (typeof s.geoRedundantBackup !== "boolean") {
            bad("state.geoRedundantBackup", s.geoRedundantBackup, "true or false");
        }
        if (typeof s.highAvailability !== "boolean") {
            bad("state.highAvailability", s.highAvailability, "true or false");
        } else if (s.highAvailability && mysqlSkuTier(String(s.mysqlSku)) === "Burstable") {
            // Microsoft's "High availability concepts in Azure Database for MySQL - Flexible Server".
            bad(
                "state.highAvailability",
                s.highAvailability,
                `a standby server needs a General Purpose or Business Critical size; ${String(s.mysqlSku)} is Burstable, which has no high availability (e.g. mysqlSku Standard_D2ads_v5)`,
            );
        }
        if (s.mode === "managed" && release?.objectStore === "minio") {
            bad(
                "state.mode",
                s.mode,
                `Kubeflow ${release.id} keeps the pipelines' artifacts in MinIO RELEASE.2019-08-14, whose only way to Azure Blob is its gateway mode, ` +
                    "and a gateway serves users and policies only with an etcd beside it, which no release ships: the per-namespace artifact keys " +
                    "(README: Pipeline artifacts) would stop working. " +
                    "Managed state needs a release with SeaweedFS (v1.11.0 or newer); use in-cluster here",
            );
        }
    });
    // Checked for an in-cluster stack too: a bad range is a typo to report either way.
    const rangeProblem = stateAddressSpaceRule(merged.addressSpace);
    if (rangeProblem) {
        bad("state.addressSpace", merged.addressSpace, rangeProblem);
    }
    if (merged.mode !== "managed") {
        return { mode: "in-cluster" };
    }
    return {
        mode: "managed",
        mysqlSku: merged.mysqlSku,
        mysqlStorageGb: merged.mysqlStorageGb,
        backupRetentionDays: merged.backupRetentionDays,
        geoRedundantBackup: merged.geoRedundantBackup,
        highAvailability: merged.highAvailability,
        // A refused range has been reported; the default stands in until the error is thrown.
        network: stateNetwork(rangeProblem ? DEFAULT_STATE_ADDRESS_SPACE : merged.addressSpace),
        ...names,
        mysqlHost: mysqlHost(names.mysqlServerName),
        mysqlAdminUser: MYSQL_ADMIN,
    };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The client secret's end of validity, for releases whose authservice needs a secret:
 * the rotation date plus validityDays, at midnight UTC. A value fixed by configuration:
 * the same on every preview and update, changed only by a rotation (which also replaces
 * the secret). Throws a ConfigError when the rotation is no date, or the secret it
 * describes is already expired at `now`.
 */
export function clientSecretEndDate(secret: ClientSecretConfig, now: Date): string {
    const key = `${NAMESPACE}:clientSecret.rotation`;
    const m = ISO_DATE.exec(secret.rotation);
    const issued = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    if (!m || !issued || issued.toISOString().slice(0, 10) !== secret.rotation) {
        throw new ConfigError([
            {
                where: key,
                value: show(secret.rotation),
                rule:
                    "the day the client secret is issued, YYYY-MM-DD (it ends clientSecret.validityDays later): this release's authservice needs a client secret, " +
                    `e.g. pulumi config set --path ${key} ${now.toISOString().slice(0, 10)}`,
            },
        ]);
    }
    const end = new Date(issued.getTime() + secret.validityDays * 24 * 3600 * 1000);
    if (end.getTime() <= now.getTime()) {
        throw new ConfigError([
            {
                where: key,
                value: show(secret.rotation),
                rule: `a secret issued then ended ${end.toISOString()} (validityDays ${secret.validityDays}): set today's date to rotate`,
            },
        ]);
    }
    return end.toISOString().replace(/\.000Z$/, "Z");
}

/** Raised with every configuration problem; nothing has been registered when it is thrown. */
export class ConfigError extends Error {
    constructor(public readonly problems: readonly Problem[]) {
        super(formatProblems(`${problems.length} configuration problem(s); nothing was created:`, problems));
        this.name = "ConfigError";
    }
}

type Report = (key: string, value: unknown, rule: string) => void;

/** Merges an object-valued key over its defaults, reporting unknown fields. */
function objectOf<T extends object>(key: string, value: unknown, defaults: T, bad: Report, check: (merged: T) => void): T {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        bad(key, value, `an object with fields ${Object.keys(defaults).join(", ")}`);
        return defaults;
    }
    for (const field of Object.keys(value)) {
        if (!(field in defaults)) {
            bad(`${key}.${field}`, (value as Record<string, unknown>)[field], `unknown field; known fields: ${Object.keys(defaults).join(", ")}`);
        }
    }
    const merged = { ...defaults, ...(value as Partial<T>) };
    check(merged);
    return merged;
}

function stringList(key: string, value: unknown, bad: Report, check: (v: string, key: string) => void): string[] {
    if (!Array.isArray(value)) {
        bad(key, value, "a list, e.g. `pulumi config set --path 'kubeflow-azure:" + key + "[0]' VALUE`");
        return [];
    }
    return value.filter((v: unknown, i): v is string => {
        if (typeof v !== "string") {
            bad(`${key}[${i}]`, v, "a string");
            return false;
        }
        check(v, `${key}[${i}]`);
        return true;
    });
}

function checkInt(key: string, value: unknown, min: number, max: number, bad: Report): value is number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        bad(key, value, `an integer from ${min} to ${max}`);
        return false;
    }
    return true;
}

function booleanKey(key: string, value: string | undefined, fallback: boolean, bad: Report): boolean {
    if (value === undefined) {
        return fallback;
    }
    if (value !== "true" && value !== "false") {
        bad(key, value, "true or false");
        return fallback;
    }
    return value === "true";
}

/** The autoscaler bounds and the spot flag every autoscaled pool (user, GPU) has. */
function checkAutoscaledPool(
    key: string,
    p: { readonly minCount: unknown; readonly maxCount: unknown; readonly spot: unknown },
    maxNodes: number,
    bad: Report,
): void {
    const minOk = checkInt(`${key}.minCount`, p.minCount, 0, maxNodes, bad);
    const maxOk = checkInt(`${key}.maxCount`, p.maxCount, 1, maxNodes, bad);
    if (minOk && maxOk && p.minCount > p.maxCount) {
        bad(key, `minCount ${p.minCount}, maxCount ${p.maxCount}`, "0 <= minCount <= maxCount");
    }
    if (typeof p.spot !== "boolean") {
        bad(`${key}.spot`, p.spot, "true or false");
    }
}

function checkVmSize(key: string, value: unknown, bad: Report): void {
    if (typeof value !== "string" || !VM_SIZE.test(value)) {
        bad(key, value, "an Azure VM size such as Standard_D4s_v5");
    }
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function show(value: unknown): string {
    if (value === undefined) {
        return "(unset)";
    }
    // Strings quoted, so an empty or blank value is visible in the message.
    return JSON.stringify(value) ?? "(not representable)";
}

/** The known key nearest to a typo (edit distance at most 3). */
function closest(key: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = 4;
    for (const c of candidates) {
        const d = editDistance(key.toLowerCase(), c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}

function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null) {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
    }
    return value;
}
