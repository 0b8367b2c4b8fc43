/**
 * The only place that reads Pulumi configuration. Everything is validated here, every
 * problem is reported in one error, and the result is one typed, frozen object: no
 * resource is registered before this returns.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_RELEASE, findRelease, releaseIds, supportsKubernetes } from "./manifests/catalog";
import { USER_ID_CLAIMS, UserIdClaim, defaultUserIdClaim, supportedUserIdClaims } from "./manifests/authservice";
import { Problem, formatProblems } from "./manifests/types";

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

export type TlsIssuer = "self-signed" | "letsencrypt";

export interface TlsConfig {
    readonly issuer: TlsIssuer;
    /** ACME account e-mail, required for letsencrypt. */
    readonly email?: string;
}

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
    /** Explicit tenant, or undefined: the tenant of the current Azure login. */
    readonly tenantId?: string;
    readonly kubernetesVersion: string;
    readonly systemPool: SystemPool;
    readonly userPool: UserPool;
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
    readonly tls: TlsConfig;
    readonly protect: boolean;
    readonly clientSecret: ClientSecretConfig;
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
    clientSecret: { validityDays: 365, rotation: "1" },
} as const;

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
    "tls",
    "protect",
    "clientSecret",
] as const;

/** Raw configuration as strings, keyed `namespace:key`, as Pulumi hands it over. */
export type RawConfig = Readonly<Record<string, string>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KF_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;
const DNS_NAME_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const K8S_VERSION = /^\d+\.\d+(\.\d+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const VM_SIZE = /^Standard_[A-Za-z0-9_]+$/;

/** Reads the stack's configuration through Pulumi and resolves it (throws on any problem). */
export function loadConfig(): Config {
    const cfg = resolveConfig(pulumi.runtime.allConfig(), pulumi.getStack());
    for (const warning of cfg.warnings) {
        void pulumi.log.warn(warning);
    }
    return cfg;
}

/**
 * Validates raw configuration and derives defaults. Pure: tests call it directly.
 * Throws one Error listing every problem.
 */
export function resolveConfig(raw: RawConfig, stack: string): Config {
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
        }
    }

    const name = get("name") ?? `kf-${stack}`;
    if (!KF_NAME.test(name) || name.length > 25) {
        bad("name", name, "lower-case alphanumerics or '-', starting and ending with an alphanumeric, at most 25 characters" +
            (get("name") === undefined ? ` (derived from the stack name ${stack}; set ${NAMESPACE}:name)` : ""));
    }

    const dnsLabel = get("dnsLabel") ?? name;
    if (!DNS_LABEL.test(dnsLabel)) {
        bad("dnsLabel", dnsLabel, "an Azure DNS label: 3-63 lower-case letters, digits or '-', starting with a letter, ending with a letter or digit" +
            (get("dnsLabel") === undefined ? ` (derived from ${NAMESPACE}:name; set ${NAMESPACE}:dnsLabel)` : ""));
    }

    const hostname = (get("hostname") ?? `${dnsLabel}.${location}.cloudapp.azure.com`).toLowerCase();
    if (hostname.length > 253 || hostname.split(".").length < 2 || !hostname.split(".").every((l) => DNS_NAME_LABEL.test(l))) {
        bad("hostname", hostname, "a fully qualified DNS name (labels of letters, digits and '-', separated by dots)");
    }

    const tenantId = get("tenantId");
    if (tenantId !== undefined && !GUID.test(tenantId)) {
        bad("tenantId", tenantId, "a GUID (the Entra tenant id); leave unset to use the tenant of the current Azure login");
    }

    const kubeflowRelease = get("kubeflowRelease") ?? DEFAULTS.kubeflowRelease;
    const release = findRelease(kubeflowRelease);
    if (!release) {
        bad("kubeflowRelease", kubeflowRelease, `one of the supported releases: ${releaseIds().join(", ")}`);
    }

    const kubernetesVersion = get("kubernetesVersion") ?? DEFAULTS.kubernetesVersion;
    if (!K8S_VERSION.test(kubernetesVersion)) {
        bad("kubernetesVersion", kubernetesVersion, "major.minor or major.minor.patch, e.g. 1.34");
    } else if (release && !supportsKubernetes(release, kubernetesVersion)) {
        // A warning, not an error: upstream documents these ranges loosely, and a newer
        // AKS minor often works before a release's notes say so.
        warnings.push(`${NAMESPACE}:kubernetesVersion ${kubernetesVersion} is outside the range Kubeflow ${release.id} is tested on ` +
            `(${release.kubernetes.min} to ${release.kubernetes.max}); proceeding.`);
    }

    const systemPool = objectOf("systemPool", json("systemPool", {}), DEFAULTS.systemPool, bad, (p) => {
        checkVmSize("systemPool.vmSize", p.vmSize, bad);
        checkInt("systemPool.count", p.count, 1, 100, bad);
    });
    const userPool = objectOf("userPool", json("userPool", {}), DEFAULTS.userPool, bad, (p) => {
        checkVmSize("userPool.vmSize", p.vmSize, bad);
        const minOk = checkInt("userPool.minCount", p.minCount, 0, 1000, bad);
        const maxOk = checkInt("userPool.maxCount", p.maxCount, 1, 1000, bad);
        if (minOk && maxOk && p.minCount > p.maxCount) {
            bad("userPool", `minCount ${p.minCount}, maxCount ${p.maxCount}`, "0 <= minCount <= maxCount");
        }
        if (typeof p.spot !== "boolean") {
            bad("userPool.spot", p.spot, "true or false");
        }
    });

    const authorizedIpRanges = stringList("authorizedIpRanges", json("authorizedIpRanges", []), bad, (v, key) => {
        if (!isCidr(v)) {
            bad(key, v, "an IPv4 CIDR such as 203.0.113.0/24 (a single address is written /32)");
        }
    });
    // `pulumi config set --path 'kubeflow-azure:zones[0]' 1` stores a number.
    const rawZones = json("zones", []);
    const zones = stringList("zones", Array.isArray(rawZones) ? rawZones.map((z) => (typeof z === "number" ? String(z) : z) as unknown) : rawZones, bad, (v, key) => {
        if (!/^[1-3]$/.test(v)) {
            bad(key, v, "an availability zone: \"1\", \"2\" or \"3\"");
        }
    });
    const allowedGroupIds = stringList("allowedGroupIds", json("allowedGroupIds", []), bad, (v, key) => {
        if (!GUID.test(v)) {
            bad(key, v, "an Entra group object id (a GUID)");
        }
    });

    const owners = stringList("owners", json("owners", DEFAULTS.owners), bad, (v, key) => {
        if (!GUID.test(v)) {
            bad(key, v, "an Entra object id (a GUID) of a user or service principal");
        }
    });

    const flavour = release?.authservice ?? "oauth2-proxy";
    const userIdClaim = (get("userIdClaim") ?? defaultUserIdClaim(flavour)) as UserIdClaim;
    if (!(USER_ID_CLAIMS as readonly string[]).includes(userIdClaim)) {
        bad("userIdClaim", userIdClaim, `one of ${USER_ID_CLAIMS.join(", ")}`);
    } else if (!supportedUserIdClaims(flavour).includes(userIdClaim)) {
        // arrikto oidc-authservice e236439 (server.go) reads the user from the userinfo
        // endpoint, and Entra's userinfo has no preferred_username.
        bad("userIdClaim", userIdClaim, `${kubeflowRelease} runs ${flavour}, which reads the user from Entra's userinfo endpoint: only ${supportedUserIdClaims(flavour).join(", ")} ` +
            "(every user then needs a mail attribute)");
    }

    let manifests: string | undefined = get("manifests");
    if (manifests !== undefined) {
        manifests = path.resolve(manifests);
        if (!fs.existsSync(manifests)) {
            bad("manifests", get("manifests"), "an existing kustomization directory or rendered YAML file (path relative to the project directory)");
        } else if (fs.statSync(manifests).isDirectory() &&
            !["kustomization.yaml", "kustomization.yml", "Kustomization"].some((f) => fs.existsSync(path.join(manifests as string, f)))) {
            bad("manifests", get("manifests"), "a directory given here must hold a kustomization.yaml");
        }
    }

    const rawTls = json("tls", DEFAULTS.tls);
    const tlsInput: unknown = typeof rawTls === "string" ? { issuer: rawTls } : rawTls;
    const tls = objectOf("tls", tlsInput, { issuer: DEFAULTS.tls.issuer, email: undefined as string | undefined }, bad, (t) => {
        if (t.issuer !== "self-signed" && t.issuer !== "letsencrypt") {
            bad("tls.issuer", t.issuer, "self-signed or letsencrypt");
        }
        if (t.issuer === "letsencrypt" && (typeof t.email !== "string" || !EMAIL.test(t.email))) {
            bad("tls.email", t.email, "an e-mail address, required with tls.issuer letsencrypt (Let's Encrypt's account contact)");
        } else if (t.email !== undefined && (typeof t.email !== "string" || !EMAIL.test(t.email))) {
            bad("tls.email", t.email, "an e-mail address");
        }
    });
    const rawProtect = get("protect");
    let protect: boolean = DEFAULTS.protect;
    if (rawProtect !== undefined) {
        if (rawProtect === "true" || rawProtect === "false") {
            protect = rawProtect === "true";
        } else {
            bad("protect", rawProtect, "true or false");
        }
    }

    const clientSecret = objectOf("clientSecret", json("clientSecret", {}), DEFAULTS.clientSecret, bad, (c) => {
        checkInt("clientSecret.validityDays", c.validityDays, 1, 730, bad);
        if (typeof c.rotation !== "string" || c.rotation.length === 0) {
            bad("clientSecret.rotation", c.rotation, "a non-empty label; change it to issue a new client secret");
        }
    });

    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return deepFreeze({
        stack,
        location,
        name,
        dnsLabel,
        hostname,
        tenantId: tenantId?.toLowerCase(),
        kubernetesVersion,
        systemPool,
        userPool,
        authorizedIpRanges,
        zones,
        kubeflowRelease,
        manifests,
        allowedGroupIds: allowedGroupIds.map((g) => g.toLowerCase()),
        userIdClaim,
        owners: [...new Set(owners.map((o) => o.toLowerCase()))],
        tls: tls.email === undefined ? { issuer: tls.issuer } : { issuer: tls.issuer, email: tls.email },
        protect,
        clientSecret,
        warnings,
    });
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
        throw new ConfigError([{
            where: key,
            value: show(secret.rotation),
            rule: "the day the client secret is issued, YYYY-MM-DD (it ends clientSecret.validityDays later): this release's authservice needs a client secret, " +
                `e.g. pulumi config set --path ${key} ${now.toISOString().slice(0, 10)}`,
        }]);
    }
    const end = new Date(issued.getTime() + secret.validityDays * 24 * 3600 * 1000);
    if (end.getTime() <= now.getTime()) {
        throw new ConfigError([{
            where: key,
            value: show(secret.rotation),
            rule: `a secret issued then ended ${end.toISOString()} (validityDays ${secret.validityDays}): set today's date to rotate`,
        }]);
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
    return value.filter((v, i) => {
        if (typeof v !== "string") {
            bad(`${key}[${i}]`, v, "a string");
            return false;
        }
        check(v, `${key}[${i}]`);
        return true;
    }) as string[];
}

function checkInt(key: string, value: unknown, min: number, max: number, bad: Report): value is number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        bad(key, value, `an integer from ${min} to ${max}`);
        return false;
    }
    return true;
}

function checkVmSize(key: string, value: unknown, bad: Report): void {
    if (typeof value !== "string" || !VM_SIZE.test(value)) {
        bad(key, value, "an Azure VM size such as Standard_D4s_v5");
    }
}

export function isCidr(value: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!m) {
        return false;
    }
    const octets = m.slice(1, 5).map(Number);
    return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
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
