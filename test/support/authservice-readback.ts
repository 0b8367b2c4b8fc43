/**
 * Reads back what the authservice objects make effective, as the workloads would read
 * them: the tests compare the release's settings with the rewritten ones through it.
 * Test support only; the program never reads its own output back.
 */
import * as yaml from "js-yaml";
import { AuthFlavour, USERID_HEADER, parseOauth2ProxyConfig, CfgValue } from "../../manifests/authservice";
import { EnvVar, configMapData, mountedConfigMap, podContainers, podTemplate } from "../../manifests/authservice/objects";
import { MESH_CONFIG_KEY, isMeshConfig } from "../../manifests/authservice/session-refresh";
import {
    OAUTH2_PROXY_CFG_KEY,
    OAUTH2_PROXY_DEFAULT_COOKIE,
    OIDC_AUTHSERVICE_CALLBACK,
    OIDC_AUTHSERVICE_COOKIE,
    OIDC_AUTHSERVICE_SECRET_KEYS,
} from "../../manifests/authservice/settings";
import { isRecord } from "../../manifests/kube";
import { validateObjects } from "../../manifests/schemas";
import { KubeObject, objectKey } from "../../manifests/types";

/** The extension providers of the mesh config among the objects. */
export function meshExtensionProviders(objects: readonly KubeObject[]): Array<Record<string, unknown>> {
    const cm = objects.find(isMeshConfig);
    const mesh = cm ? yaml.load(configMapData(cm)[MESH_CONFIG_KEY] ?? "", { schema: yaml.JSON_SCHEMA }) : undefined;
    return isRecord(mesh) && Array.isArray(mesh.extensionProviders) ? mesh.extensionProviders.filter(isRecord) : [];
}

export interface SecretKeyReference {
    readonly secret: string;
    /** undefined when the whole Secret is read through envFrom. */
    readonly key?: string;
}

/** Where a credential comes from: a Secret (good) or a literal in a ConfigMap, env or args (never acceptable). */
export type CredentialSource =
    { readonly from: "secret"; readonly ref: SecretKeyReference } | { readonly from: "literal"; readonly where: string } | { readonly from: "missing" };

export interface GatewayJwtRule {
    readonly issuer: string;
    readonly jwksUri?: string;
    readonly audiences: readonly string[];
    readonly forwardOriginalToken: boolean;
    readonly outputClaimToHeaders: ReadonlyArray<{ readonly header: string; readonly claim: string }>;
}

/** The settings the deployed objects make effective, as the workload would read them. */
export interface EffectiveAuthSettings {
    readonly flavour: AuthFlavour;
    readonly issuer: string;
    /** Endpoints from OIDC discovery on the issuer (true) or configured by hand. */
    readonly discovery: boolean;
    /** Hand-set endpoint options (login_url, redeem_url, OIDC_AUTH_URL, ...). */
    readonly endpoints: Readonly<Record<string, string>>;
    readonly scopes: readonly string[];
    readonly prompt?: string;
    readonly redirectUrl: string;
    readonly userIdHeader: string;
    readonly userIdClaim: string;
    readonly userIdPrefix: string;
    readonly cookieName: string;
    /** undefined: the image sets no Secure flag and offers no option (oidc-authservice). */
    readonly cookieSecure?: boolean;
    readonly cookieExpire?: string;
    readonly cookieRefresh?: string;
    readonly skipAuthRoutes: readonly string[];
    readonly apiRoutes: readonly string[];
    readonly credentials: {
        readonly clientId: CredentialSource;
        readonly clientSecret: CredentialSource;
        readonly cookieSecret?: CredentialSource;
    };
    readonly allowUnverifiedEmail: boolean;
    readonly tlsVerify: boolean;
    readonly bearerTokens: { readonly enabled: boolean; readonly extraIssuers: readonly string[] };
    /** oauth2-proxy's provider type (`oidc`, `entra-id`); undefined for oidc-authservice. */
    readonly provider?: string;
    /** Codes and refresh tokens redeemed with the pods' service account token instead of a client secret. */
    readonly federatedTokenAuth: boolean;
    /** The pods' service account (`default` when the workload names none). */
    readonly serviceAccountName: string;
    readonly podLabels: Readonly<Record<string, string>>;
    /** The gateway's RequestAuthentication rules among the objects. */
    readonly gatewayJwtRules: readonly GatewayJwtRule[];
    /** Paths the AuthorizationPolicies among the objects exempt from authentication. */
    readonly exemptPaths: readonly string[];
    readonly podAnnotations: Readonly<Record<string, string>>;
}

/**
 * Reads the effective authservice settings back from objects (the output of
 * `configureAuthservice`, or the release's own for comparison), following the
 * workload's precedence: oauth2-proxy reads flags over environment over config file.
 */
export function effectiveSettings(objects: readonly KubeObject[], flavour: AuthFlavour): EffectiveAuthSettings {
    return flavour === "oauth2-proxy" ? effectiveOauth2Proxy(objects) : effectiveOidcAuthservice(objects);
}

type OptionValue = { value: CfgValue; where: string } | { secret: SecretKeyReference };

function effectiveOauth2Proxy(objects: readonly KubeObject[]): EffectiveAuthSettings {
    const deployment = objects.find((o) => o.kind === "Deployment" && podContainers(o).some((c) => /oauth2-proxy/.test(c.image ?? "")));
    const container = deployment ? podContainers(deployment).find((c) => /oauth2-proxy/.test(c.image ?? "")) : undefined;
    if (!deployment || !container) {
        throw new Error("no oauth2-proxy Deployment among the objects");
    }
    const ns = deployment.metadata.namespace;
    const options = new Map<string, OptionValue>();
    const { names, found: cfgMap } = mountedConfigMap(deployment, OAUTH2_PROXY_CFG_KEY, objects);
    if (!cfgMap) {
        throw new Error(
            `no ConfigMap with ${OAUTH2_PROXY_CFG_KEY} that the oauth2-proxy Deployment mounts (${names.join(", ") || "none"}) is among the objects`,
        );
    }
    for (const [k, v] of parseOauth2ProxyConfig(configMapData(cfgMap)[OAUTH2_PROXY_CFG_KEY] ?? "")) {
        options.set(k, { value: v, where: `${objectKey(cfgMap)} ${OAUTH2_PROXY_CFG_KEY}` });
    }
    for (const e of container.env ?? []) {
        if (!e.name.startsWith("OAUTH2_PROXY_")) {
            continue;
        }
        const key = e.name.slice("OAUTH2_PROXY_".length).toLowerCase();
        const resolved = resolveEnv(e, objects, ns);
        if (resolved !== undefined) {
            options.set(key, resolved);
        }
    }
    for (const arg of container.args ?? []) {
        const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
        if (m) {
            options.set(m[1].replace(/-/g, "_"), { value: m[2] ?? true, where: `${objectKey(deployment)} args` });
        }
    }
    const str = (key: string): string | undefined => {
        const o = options.get(key);
        return o && "value" in o ? (Array.isArray(o.value) ? o.value.join(",") : String(o.value)) : undefined;
    };
    const list = (key: string): string[] => {
        const o = options.get(key);
        if (!o || !("value" in o)) {
            return [];
        }
        return Array.isArray(o.value)
            ? o.value.map(String)
            : String(o.value)
                  .split(",")
                  .filter((v) => v !== "");
    };
    const bool = (key: string, dflt: boolean): boolean => {
        const v = str(key);
        return v === undefined ? dflt : v === "true";
    };
    const credential = (key: string): CredentialSource => {
        const o = options.get(key);
        if (!o) {
            return { from: "missing" };
        }
        return "secret" in o ? { from: "secret", ref: o.secret } : { from: "literal", where: o.where };
    };
    const endpoints: Record<string, string> = {};
    for (const key of ["login_url", "redeem_url", "oidc_jwks_url", "profile_url", "validate_url"]) {
        const v = str(key);
        if (v !== undefined) {
            endpoints[key] = v;
        }
    }
    const gatewayJwtRules = jwtRulesOf(objects);
    const userRule = gatewayJwtRules.flatMap((r) => r.outputClaimToHeaders).find((h) => h.header === USERID_HEADER);
    return {
        flavour: "oauth2-proxy",
        issuer: str("oidc_issuer_url") ?? "",
        discovery: !bool("skip_oidc_discovery", false),
        endpoints,
        scopes: (str("scope") ?? "").split(/\s+/).filter((x) => x !== ""),
        prompt: str("prompt"),
        redirectUrl: str("redirect_url") ?? "",
        // oauth2-proxy hands the gateway the token; the gateway names the user.
        userIdHeader: userRule?.header ?? "",
        userIdClaim: userRule?.claim ?? "",
        userIdPrefix: "",
        cookieName: str("cookie_name") ?? OAUTH2_PROXY_DEFAULT_COOKIE,
        cookieSecure: bool("cookie_secure", true),
        cookieExpire: str("cookie_expire"),
        cookieRefresh: str("cookie_refresh"),
        skipAuthRoutes: list("skip_auth_routes"),
        apiRoutes: list("api_routes"),
        credentials: { clientId: credential("client_id"), clientSecret: credential("client_secret"), cookieSecret: credential("cookie_secret") },
        allowUnverifiedEmail: bool("insecure_oidc_allow_unverified_email", false),
        tlsVerify: !bool("ssl_insecure_skip_verify", false),
        bearerTokens: { enabled: bool("skip_jwt_bearer_tokens", false), extraIssuers: list("extra_jwt_issuers") },
        provider: str("provider"),
        federatedTokenAuth: str("provider") === "entra-id" && bool("entra_id_federated_token_auth", false),
        serviceAccountName: serviceAccountNameOf(deployment),
        podLabels: podLabelsOf(deployment),
        gatewayJwtRules,
        exemptPaths: exemptPathsOf(objects),
        podAnnotations: podAnnotationsOf(deployment),
    };
}

function effectiveOidcAuthservice(objects: readonly KubeObject[]): EffectiveAuthSettings {
    const sts = objects.find((o) => o.kind === "StatefulSet" && podContainers(o).some((c) => /oidc-authservice/.test(c.image ?? "")));
    const container = sts ? podContainers(sts).find((c) => /oidc-authservice/.test(c.image ?? "")) : undefined;
    if (!sts || !container) {
        throw new Error("no oidc-authservice StatefulSet among the objects");
    }
    const ns = sts.metadata.namespace;
    const env = new Map<string, OptionValue>();
    // Kubernetes semantics: envFrom in order, later sources win; env wins over envFrom.
    for (const from of container.envFrom ?? []) {
        if (from.configMapRef) {
            const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === from.configMapRef?.name && o.metadata.namespace === ns);
            for (const [k, v] of Object.entries(cm ? configMapData(cm) : {})) {
                env.set(`${from.prefix ?? ""}${k}`, { value: v, where: cm ? objectKey(cm) : "" });
            }
        }
        if (from.secretRef) {
            // The Secret's keys are unknown here; the credentials are looked up in it by name.
            for (const k of Object.values(OIDC_AUTHSERVICE_SECRET_KEYS)) {
                env.set(`${from.prefix ?? ""}${k}`, { secret: { secret: from.secretRef.name } });
            }
        }
    }
    for (const e of container.env ?? []) {
        const resolved = resolveEnv(e, objects, ns);
        if (resolved !== undefined) {
            env.set(e.name, resolved);
        }
    }
    const str = (key: string): string | undefined => {
        const o = env.get(key);
        return o && "value" in o ? String(o.value) : undefined;
    };
    const credential = (key: string): CredentialSource => {
        const o = env.get(key);
        if (!o) {
            return { from: "missing" };
        }
        return "secret" in o ? { from: "secret", ref: o.secret } : { from: "literal", where: o.where };
    };
    const prefix = str("AUTHSERVICE_URL_PREFIX") ?? "";
    const scopes = (str("OIDC_SCOPES") ?? "openid,email").split(/[\s,]+/).filter((x) => x !== "");
    const authUrl = str("OIDC_AUTH_URL");
    return {
        flavour: "oidc-authservice",
        issuer: str("OIDC_PROVIDER") ?? "",
        discovery: true,
        endpoints: authUrl ? { OIDC_AUTH_URL: authUrl } : {},
        // The image always asks for openid, whatever is configured.
        scopes: scopes.includes("openid") ? scopes : ["openid", ...scopes],
        redirectUrl: str("REDIRECT_URL") || `${prefix.endsWith("/") ? prefix : `${prefix}/`}${OIDC_AUTHSERVICE_CALLBACK}`,
        userIdHeader: str("USERID_HEADER") ?? USERID_HEADER,
        // The image's own default (settings.go).
        userIdClaim: str("USERID_CLAIM") ?? "email",
        userIdPrefix: str("USERID_PREFIX") ?? "",
        cookieName: OIDC_AUTHSERVICE_COOKIE,
        skipAuthRoutes: [prefix, ...(str("SKIP_AUTH_URLS") ?? "").split(",").map((u) => u.trim())].filter((u) => u !== ""),
        apiRoutes: [],
        credentials: { clientId: credential("CLIENT_ID"), clientSecret: credential("CLIENT_SECRET") },
        allowUnverifiedEmail: false,
        // The image always verifies the provider's certificate (CA_BUNDLE only adds roots).
        tlsVerify: true,
        bearerTokens: { enabled: false, extraIssuers: [] },
        federatedTokenAuth: false,
        serviceAccountName: serviceAccountNameOf(sts),
        podLabels: podLabelsOf(sts),
        gatewayJwtRules: jwtRulesOf(objects),
        exemptPaths: exemptPathsOf(objects),
        podAnnotations: podAnnotationsOf(sts),
    };
}

function resolveEnv(e: EnvVar, objects: readonly KubeObject[], ns: string | undefined): OptionValue | undefined {
    if (e.value !== undefined) {
        return { value: e.value, where: `env ${e.name}` };
    }
    const cmRef = e.valueFrom?.configMapKeyRef;
    if (cmRef) {
        const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmRef.name && o.metadata.namespace === ns);
        const v = cm ? configMapData(cm)[cmRef.key] : undefined;
        return v === undefined ? undefined : { value: v, where: `${cm ? objectKey(cm) : cmRef.name} ${cmRef.key}` };
    }
    const secretRef = e.valueFrom?.secretKeyRef;
    return secretRef ? { secret: { secret: secretRef.name, key: secretRef.key } } : undefined;
}

function jwtRulesOf(objects: readonly KubeObject[]): GatewayJwtRule[] {
    return objects
        .filter((o) => o.kind === "RequestAuthentication")
        .flatMap((o): unknown[] => (isRecord(o.spec) && Array.isArray(o.spec.jwtRules) ? (o.spec.jwtRules as unknown[]) : []))
        .filter(isRecord)
        .map((r) => ({
            issuer: typeof r.issuer === "string" ? r.issuer : "",
            jwksUri: typeof r.jwksUri === "string" ? r.jwksUri : undefined,
            audiences: Array.isArray(r.audiences) ? r.audiences.map(String) : [],
            forwardOriginalToken: r.forwardOriginalToken === true,
            outputClaimToHeaders: (Array.isArray(r.outputClaimToHeaders) ? r.outputClaimToHeaders : [])
                .filter(isRecord)
                .map((h) => ({ header: String(h.header), claim: String(h.claim) })),
        }));
}

function exemptPathsOf(objects: readonly KubeObject[]): string[] {
    const paths = new Set<string>();
    for (const ap of objects.filter((o) => o.kind === "AuthorizationPolicy")) {
        const rules = isRecord(ap.spec) && Array.isArray(ap.spec.rules) ? ap.spec.rules : [];
        for (const rule of rules.filter(isRecord)) {
            for (const to of (Array.isArray(rule.to) ? rule.to : []).filter(isRecord)) {
                const op = isRecord(to.operation) ? to.operation : {};
                for (const p of Array.isArray(op.notPaths) ? op.notPaths : []) {
                    paths.add(String(p));
                }
            }
        }
    }
    return [...paths];
}

function podLabelsOf(workload: KubeObject): Record<string, string> {
    const meta = podTemplate(workload).metadata;
    return isRecord(meta) && isRecord(meta.labels) ? { ...(meta.labels as Record<string, string>) } : {};
}

function serviceAccountNameOf(workload: KubeObject): string {
    const spec = podTemplate(workload).spec;
    return isRecord(spec) && typeof spec.serviceAccountName === "string" ? spec.serviceAccountName : "default";
}

function podAnnotationsOf(workload: KubeObject): Record<string, string> {
    const meta = podTemplate(workload).metadata;
    return isRecord(meta) && isRecord(meta.annotations) ? { ...(meta.annotations as Record<string, string>) } : {};
}

/**
 * Validates each object against its published schema and throws one error listing
 * every problem; an object of a kind without a schema is a problem too.
 */
export function validateAuthObjects(objects: readonly KubeObject[]): Promise<void> {
    return validateObjects(objects, "authservice");
}
