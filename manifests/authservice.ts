/**
 * The release's authservice, rewritten for Microsoft Entra ID. Pure functions over
 * plain objects: the Authservice component deploys what `configureAuthservice`
 * returns and creates the credential Secret itself, with Pulumi secret values.
 *
 * Two flavours exist in the supported releases:
 * - oauth2-proxy (Kubeflow >= 1.9): an Istio ext-authz provider; it signs the user in
 *   and hands the ID token to the gateway, whose RequestAuthentication turns the
 *   configured user claim into `kubeflow-userid`.
 * - oidc-authservice (Kubeflow 1.7/1.8, arrikto image): an Envoy ext-authz filter that
 *   keeps its own session and sets `kubeflow-userid` itself.
 */
import { createHash } from "node:crypto";
import * as yaml from "js-yaml";
import { isRecord } from "./parse";
import { validateObjects } from "./schemas";
import { KubeObject, Problem, formatProblems, objectKey } from "./types";

export type AuthFlavour = "oauth2-proxy" | "oidc-authservice";

/**
 * The token claim that names the user, on both sides: the authservice's session and
 * the gateway's `kubeflow-userid`. Entra puts `email` in a token only for accounts with
 * a mail attribute; `preferred_username` (the UPN of members, the home address of
 * guests) is in every v2 ID and access token (Microsoft identity platform,
 * "ID token claims reference" and "Access token claims reference").
 */
export type UserIdClaim = "preferred_username" | "email";
export const USER_ID_CLAIMS: readonly UserIdClaim[] = ["preferred_username", "email"];

/**
 * The user claims a flavour can read. oidc-authservice (arrikto e236439, server.go
 * callback) takes the user id from the userinfo endpoint only, and Entra's userinfo
 * "produces the name claims, subject claim, and email when available" (Microsoft
 * identity platform, "UserInfo endpoint"): no preferred_username.
 */
export function supportedUserIdClaims(flavour: AuthFlavour): readonly UserIdClaim[] {
    return flavour === "oauth2-proxy" ? USER_ID_CLAIMS : ["email"];
}

/** The claim used when the configuration names none. */
export function defaultUserIdClaim(flavour: AuthFlavour): UserIdClaim {
    return supportedUserIdClaims(flavour)[0];
}

export interface EntraAuthSettings {
    /** Directory (tenant) id of the Entra tenant. */
    readonly tenantId: string;
    /** Application (client) id of the Entra app registration. */
    readonly clientId: string;
    /** Public host name the site is served on (no scheme, no path). */
    readonly hostname: string;
    /** Name of the Secret the component creates beside the workload (see `secret.keys`). */
    readonly secretName: string;
    /** Put on the pod template, e.g. a checksum of the secret values, so a rotation rolls the pods. */
    readonly podAnnotations: Readonly<Record<string, string>>;
    /** oauth2-proxy `email_domains`; unset keeps the release's list (every domain). */
    readonly emailDomains?: readonly string[];
    /** The claim that names the user; one of supportedUserIdClaims(flavour). */
    readonly userIdClaim: UserIdClaim;
    /**
     * The issuer of the cluster's service account tokens (AKS: `oidcIssuerProfile.issuerURL`).
     * oauth2-proxy only, where the gateway then accepts those tokens for
     * automationAudience(hostname); oidc-authservice reviews them with the API server instead.
     */
    readonly clusterIssuer?: string;
}

/** The Secret the workload reads its credentials from; the component creates it. */
export interface AuthSecretRef {
    readonly name: string;
    readonly namespace: string;
    /** The key of each value the workload reads; absent: the workload does not read it. */
    readonly keys: {
        readonly clientId: string;
        /** Absent with workload identity federation: no client secret exists. */
        readonly clientSecret?: string;
        /** oauth2-proxy only. */
        readonly cookieSecret?: string;
    };
}

/**
 * How the authservice proves itself to Entra when it redeems a code or a refresh token:
 * a client secret, or the Kubernetes service account token of its pods exchanged through
 * a federated identity credential on the app (AKS workload identity).
 */
export type AuthCredential = { readonly kind: "client-secret" } | { readonly kind: "workload-identity"; readonly subject: string };

export interface ConfiguredAuthservice {
    /** The rewritten objects to deploy. No Secret is among them. */
    readonly objects: KubeObject[];
    readonly secret: AuthSecretRef;
    readonly credential: AuthCredential;
}

/** The user id header every Kubeflow web app reads. */
export const USERID_HEADER = "kubeflow-userid";
/** The audience AKS workload identity's projected token carries, and the federated credential must list. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/** The host of Entra's endpoints, the sign-out one included. */
export const ENTRA_LOGIN_HOST = "login.microsoftonline.com";
/** Pod label and service account annotation of AKS workload identity (Azure/azure-workload-identity, docs/book/src/topics/service-account-labels-and-annotations.md). */
export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";
export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
/** The service account the oauth2-proxy pods run as when they authenticate through workload identity. */
export const OAUTH2_PROXY_SERVICE_ACCOUNT = "oauth2-proxy-entra";
/** The mesh config's ext-authz provider the release's CUSTOM AuthorizationPolicy names. */
export const OAUTH2_PROXY_EXTENSION_PROVIDER = "oauth2-proxy";
/** The annotation that carries a digest of the rewritten configuration on the pod template. */
export const CONFIG_CHECKSUM_ANNOTATION = "kubeflow-azure/authservice-config-checksum";

// Scopes: `groups` is a dex scope Entra does not know (it fails the sign-in);
// offline_access gives oauth2-proxy a refresh token, without which the one-hour
// Entra ID token would expire long before the 24h session cookie does.
const OAUTH2_PROXY_SCOPES = ["openid", "profile", "email", "offline_access"];
// The seed guide's scopes; the arrikto image adds `openid` itself.
const OIDC_AUTHSERVICE_SCOPES = ["profile", "email"];
// Shorter than the one-hour Entra ID token lifetime, with margin for lifetime
// policies and clock skew: the gateway rejects an expired ID token outright.
const OAUTH2_PROXY_COOKIE_REFRESH = "30m";
// oauth2-proxy's own default, used when the release names no cookie.
const OAUTH2_PROXY_DEFAULT_COOKIE = "_oauth2_proxy";
// The cookie name of the Kubeflow oauth2-proxy config in every supported release.
const KUBEFLOW_OAUTH2_PROXY_COOKIE = "oauth2_proxy_kubeflow";
// Compiled into the arrikto image (userSessionCookie); not configurable.
const OIDC_AUTHSERVICE_COOKIE = "authservice_session";
// Compiled into the arrikto image: the callback is served at <AUTHSERVICE_URL_PREFIX>oidc/callback.
const OIDC_AUTHSERVICE_CALLBACK = "oidc/callback";
// The release default of AUTHSERVICE_URL_PREFIX in 1.7 and 1.8.
const OIDC_AUTHSERVICE_DEFAULT_PREFIX = "/authservice/";

const OAUTH2_PROXY_CFG_KEY = "oauth2_proxy.cfg";
const OAUTH2_PROXY_SECRET_KEYS = { clientId: "client-id", clientSecret: "client-secret", cookieSecret: "cookie-secret" } as const;
const OIDC_AUTHSERVICE_SECRET_KEYS = { clientId: "CLIENT_ID", clientSecret: "CLIENT_SECRET" } as const;
const OAUTH2_PROXY_CREDENTIAL_ENV = {
    OAUTH2_PROXY_CLIENT_ID: OAUTH2_PROXY_SECRET_KEYS.clientId,
    OAUTH2_PROXY_CLIENT_SECRET: OAUTH2_PROXY_SECRET_KEYS.clientSecret,
    OAUTH2_PROXY_COOKIE_SECRET: OAUTH2_PROXY_SECRET_KEYS.cookieSecret,
} as const;

// ---------------------------------------------------------------------------
// Entra endpoints

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export function issuerUrl(tenantId: string): string {
    return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export function jwksUri(tenantId: string): string {
    return `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;
}

export function authorizeUrl(tenantId: string): string {
    return `https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/authorize`;
}

/**
 * Where Entra sends the browser after signing it out: the site's home page. Entra
 * follows post_logout_redirect_uri only when it "match[es] one of the redirect URIs
 * registered for your application" (Microsoft identity platform, "OpenID Connect on the
 * Microsoft identity platform", Send a sign-out request): the app registers it too.
 */
export function postLogoutRedirectUri(hostname: string): string {
    return `https://${hostname}/`;
}

/**
 * Entra's end-session endpoint, which clears the user's session from the browser, with
 * the way back to the site. `tenant` is the tenant id, or `common` (the form Microsoft's
 * sign-out example uses) where the id is not known before deployment.
 */
export function entraLogoutUrl(tenant: string, hostname: string): string {
    return `https://${ENTRA_LOGIN_HOST}/${tenant}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(postLogoutRedirectUri(hostname))}`;
}

/** The oauth2-proxy route that ends its session (oauthproxy.go SignOut, v7.6.0 through v7.14.3). */
export const OAUTH2_PROXY_SIGN_OUT = "/oauth2/sign_out";

/**
 * The URL the dashboard's "Log out" opens. oauth2-proxy clears its cookie and redirects
 * to `rd` (pkg/app/redirect/director.go GetRedirect, v7.6.0 through v7.14.3), which for
 * another host it follows only when the host is in whitelist_domains (validator.go
 * IsValidRedirect): Entra's sign-out, and from there back home. Without it the redirect
 * goes to `/`, where Entra's session signs the user straight back in. oidc-authservice
 * keeps the release's `/authservice/logout`: its answer names AFTER_LOGOUT_URL.
 */
export function dashboardLogoutUrl(tenant: string, hostname: string): string {
    return `${OAUTH2_PROXY_SIGN_OUT}?rd=${encodeURIComponent(entraLogoutUrl(tenant, hostname))}`;
}

/**
 * The audience a service account token must be minted for (`kubectl create token
 * --audience`) to be accepted at the gateway: the site's own URL. A token the cluster
 * issues for anything else (the API server's default audience in every pod, workload
 * identity's api://AzureADTokenExchange, KFP's pipelines.kubeflow.org) is refused here,
 * so no pod's mounted token doubles as a Kubeflow login, and the name says where the
 * token is meant to be used.
 */
export function automationAudience(hostname: string): string {
    return `https://${hostname}`;
}

/**
 * The JWKS of a Kubernetes service account issuer: `<issuer>openid/v1/jwks`, which AKS
 * serves publicly beside the discovery document ("Create an OpenID Connect provider on
 * AKS", Check the OIDC keys; the issuer URL ends in `/`). Set on the rule so that istiod
 * never derives a discovery URL from an issuer with a trailing slash (older jwks
 * resolvers append `/.well-known/openid-configuration` to it as is).
 */
export function clusterJwksUri(issuer: string): string {
    return `${issuer.endsWith("/") ? issuer : `${issuer}/`}openid/v1/jwks`;
}

/**
 * The redirect URI the authservice sends to Entra and the Entra app registration
 * must list. Both sides call this function, so they cannot differ.
 */
export function redirectUri(flavour: AuthFlavour, hostname: string): string {
    return flavour === "oauth2-proxy"
        ? `https://${hostname}/oauth2/callback`
        : `https://${hostname}${OIDC_AUTHSERVICE_DEFAULT_PREFIX}${OIDC_AUTHSERVICE_CALLBACK}`;
}

/**
 * The session cookie a browser holds after sign-in (what the KFP SDK's `cookies=`
 * needs). With objects, read from the release's configuration; without, the value
 * every supported release uses. oauth2-proxy splits a cookie larger than 4 KB into
 * `<name>_0`, `<name>_1`, ...: Entra sessions often are.
 */
export function sessionCookieName(flavour: AuthFlavour, objects?: readonly KubeObject[]): string {
    if (flavour === "oidc-authservice") {
        return OIDC_AUTHSERVICE_COOKIE;
    }
    if (!objects) {
        return KUBEFLOW_OAUTH2_PROXY_COOKIE;
    }
    const cfg = objects.find(isOauth2ProxyConfigMap);
    if (!cfg) {
        throw new Error(`no ConfigMap with ${OAUTH2_PROXY_CFG_KEY} among ${objects.length} object(s): cannot read the cookie name`);
    }
    const name = parseOauth2ProxyConfig(configMapData(cfg)[OAUTH2_PROXY_CFG_KEY] ?? "").get("cookie_name");
    return typeof name === "string" && name !== "" ? name : OAUTH2_PROXY_DEFAULT_COOKIE;
}

// ---------------------------------------------------------------------------
// Selection

/**
 * The release objects the Authservice component owns for this flavour: those
 * `configureAuthservice` rewrites or replaces. Every one of them names dex or holds
 * an authservice credential; the platform must not deploy them itself.
 */
export function isAuthserviceObject(o: KubeObject, flavour: AuthFlavour): boolean {
    if (o.kind === "AuthorizationPolicy" || o.kind === "RequestAuthentication") {
        // Both flavours: nothing that trusts or exempts dex may stay behind.
        return o.kind === "RequestAuthentication" ? trustsDex(o) : namesDex(o.spec);
    }
    if (flavour === "oauth2-proxy") {
        return (
            (o.kind === "Deployment" && podContainers(o).some((c) => /(^|\/)oauth2-proxy(:|@|$)/.test(c.image ?? ""))) ||
            isOauth2ProxyConfigMap(o) ||
            isOauth2ProxyParameters(o) ||
            (o.kind === "Secret" && hasKeys(secretKeys(o), Object.values(OAUTH2_PROXY_SECRET_KEYS)))
        );
    }
    return (
        (o.kind === "StatefulSet" && podContainers(o).some((c) => /oidc-authservice(:|@|$)/.test(c.image ?? ""))) ||
        isOidcAuthserviceParameters(o) ||
        (o.kind === "Secret" && hasKeys(secretKeys(o), Object.values(OIDC_AUTHSERVICE_SECRET_KEYS)))
    );
}

function isOauth2ProxyConfigMap(o: KubeObject): boolean {
    return o.kind === "ConfigMap" && OAUTH2_PROXY_CFG_KEY in configMapData(o);
}

function isOauth2ProxyParameters(o: KubeObject): boolean {
    const data = configMapData(o);
    return o.kind === "ConfigMap" && ("EXTRA_JWT_ISSUERS" in data || "ALLOW_SELF_SIGNED_ISSUER" in data);
}

function isOidcAuthserviceParameters(o: KubeObject): boolean {
    return o.kind === "ConfigMap" && "OIDC_PROVIDER" in configMapData(o);
}

const DEX_PATH = /^\/dex(\/|\*|$)/;
const DEX_URL = /\/\/dex[.:/]|\/dex(\/|$)/;

function trustsDex(o: KubeObject): boolean {
    const rules = isRecord(o.spec) && Array.isArray(o.spec.jwtRules) ? o.spec.jwtRules : [];
    return rules.some((r) => isRecord(r) && typeof r.issuer === "string" && DEX_URL.test(r.issuer));
}

/** Whether a value names dex: a path under /dex or a URL of the dex service. */
function namesDex(value: unknown): boolean {
    if (typeof value === "string") {
        return DEX_PATH.test(value) || DEX_URL.test(value) || /^\^\/dex\//.test(value);
    }
    if (Array.isArray(value)) {
        return value.some(namesDex);
    }
    return isRecord(value) && Object.values(value).some(namesDex);
}

// ---------------------------------------------------------------------------
// Configuration

/**
 * Rewrites the handed-over objects for Entra ID. Returns what to deploy (no Secret)
 * and the Secret the workload now reads. Every missing or unexpected object is
 * reported at once.
 */
export function configureAuthservice(handed: readonly KubeObject[], flavour: AuthFlavour, settings: EntraAuthSettings): ConfiguredAuthservice {
    const problems = settingsProblems(settings);
    if (flavour === "oidc-authservice" && settings.clusterIssuer !== undefined) {
        problems.push({
            where: "clusterIssuer",
            value: settings.clusterIssuer,
            rule: "oidc-authservice has no gateway RequestAuthentication to trust it with; its own TokenReview authenticator accepts service account tokens",
        });
    }
    if (!supportedUserIdClaims(flavour).includes(settings.userIdClaim)) {
        problems.push({
            where: "userIdClaim",
            value: JSON.stringify(settings.userIdClaim),
            rule: `${flavour} can name the user by ${supportedUserIdClaims(flavour).join(" or ")} only`,
        });
    }
    if (problems.length > 0) {
        throw new Error(formatProblems("invalid Entra authservice settings", problems));
    }
    // Anything else handed over would silently vanish from the deployment.
    const foreign = handed.filter((o) => !isAuthserviceObject(o, flavour));
    if (foreign.length > 0) {
        throw new Error(
            formatProblems(
                `${flavour}: objects handed over that the authservice does not own`,
                foreign.map((o) => ({ where: objectKey(o), value: o.kind, rule: "only objects selected by isAuthserviceObject may be handed over" })),
            ),
        );
    }
    const objects = structuredClone([...handed]);
    const result = flavour === "oauth2-proxy" ? configureOauth2Proxy(objects, settings) : configureOidcAuthservice(objects, settings);
    const leftovers = result.objects.filter((o) => /(?<![a-z])dex(?![a-z])/i.test(JSON.stringify(o)));
    if (leftovers.length > 0) {
        throw new Error(
            formatProblems(
                `${flavour}: the rewritten objects still name dex`,
                leftovers.map((o) => ({ where: objectKey(o), value: "names dex", rule: "nothing of dex may remain" })),
            ),
        );
    }
    return result;
}

function settingsProblems(s: EntraAuthSettings): Problem[] {
    const problems: Problem[] = [];
    if (!GUID.test(s.tenantId)) {
        problems.push({ where: "tenantId", value: s.tenantId, rule: "must be a tenant GUID" });
    }
    if (!GUID.test(s.clientId)) {
        problems.push({ where: "clientId", value: s.clientId, rule: "must be an application (client) GUID" });
    }
    if (!HOSTNAME.test(s.hostname)) {
        problems.push({ where: "hostname", value: s.hostname, rule: "must be a lower-case DNS name without scheme, port or path" });
    }
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s.secretName) || s.secretName.length > 253) {
        problems.push({ where: "secretName", value: s.secretName, rule: "must be a Kubernetes object name" });
    }
    if (s.clusterIssuer !== undefined && !/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(s.clusterIssuer)) {
        problems.push({ where: "clusterIssuer", value: s.clusterIssuer, rule: "must be an https URL without query or fragment (the cluster's OIDC issuer)" });
    }
    for (const d of s.emailDomains ?? []) {
        if (d === "" || /[\s"]/.test(d)) {
            problems.push({ where: "emailDomains", value: JSON.stringify(d), rule: "must be a domain or *" });
        }
    }
    return problems;
}

/** The one workload of a kind handed over, and its container running the flavour's image; problems collected. */
function theWorkload(objects: readonly KubeObject[], kind: string, flavour: string, what: string, problems: Problem[]): { workload?: KubeObject; container?: ReturnType<typeof podContainers>[number] } {
    const workloads = objects.filter((o) => o.kind === kind);
    if (workloads.length !== 1) {
        problems.push({ where: flavour, value: `${workloads.length} ${kind}(s)`, rule: `exactly one ${what} must be handed over` });
    }
    const workload = workloads[0];
    const container = workload ? podContainers(workload).find((c) => (c.image ?? "").includes(flavour)) : undefined;
    if (workload && !container) {
        problems.push({ where: objectKey(workload), value: `no ${flavour} container`, rule: `the ${kind} must run the ${flavour} image` });
    }
    return { workload, container };
}

function configureOauth2Proxy(objects: KubeObject[], s: EntraAuthSettings): ConfiguredAuthservice {
    const problems: Problem[] = [];
    const { workload: deployment, container } = theWorkload(objects, "Deployment", "oauth2-proxy", "oauth2-proxy Deployment", problems);
    const ns = deployment?.metadata.namespace ?? "";
    const mounted = deployment ? mountedConfigMap(deployment, OAUTH2_PROXY_CFG_KEY, objects) : { names: [] };
    const cfgMap = mounted.found;
    if (deployment && !cfgMap) {
        problems.push({
            where: "oauth2-proxy",
            value: `ConfigMap ${ns}/${mounted.names.join(",") || "(none mounted)"}`,
            rule: `the ConfigMap holding ${OAUTH2_PROXY_CFG_KEY} that the Deployment mounts must be handed over`,
        });
    }
    const paramNames = new Set((container?.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name).filter((n): n is string => n !== undefined));
    const params = objects.filter((o) => o.kind === "ConfigMap" && paramNames.has(o.metadata.name) && o.metadata.namespace === ns);
    for (const name of paramNames) {
        if (!params.some((p) => p.metadata.name === name)) {
            problems.push({ where: "oauth2-proxy", value: `ConfigMap ${ns}/${name}`, rule: "every ConfigMap the Deployment's env reads must be handed over" });
        }
    }
    const requestAuths = objects.filter((o) => o.kind === "RequestAuthentication");
    if (requestAuths.length === 0) {
        problems.push({
            where: "oauth2-proxy",
            value: "no RequestAuthentication",
            rule: "the gateway's RequestAuthentication (the one trusting dex) must be handed over: it is what maps the token to kubeflow-userid",
        });
    }
    if (problems.length > 0 || !deployment || !container || !cfgMap) {
        throw new Error(formatProblems("oauth2-proxy: cannot configure for Entra ID", problems));
    }

    const federated = supportsWorkloadIdentity(container.image ?? "");
    setConfigMapData(cfgMap, { [OAUTH2_PROXY_CFG_KEY]: renderOauth2ProxyConfig(configMapData(cfgMap)[OAUTH2_PROXY_CFG_KEY] ?? "", s, federated) });

    const paramValues: Record<string, string> = {
        // The site is HTTPS only: the session cookie must never travel in clear.
        FORCE_HTTPS: "true",
        // Entra's endpoints carry publicly trusted certificates: verify them.
        ALLOW_SELF_SIGNED_ISSUER: "false",
        // Off: no bearer request ever reaches oauth2-proxy. The release's CUSTOM policy
        // (istio-ingressgateway-oauth2-proxy) sends a request to the ext-authz check only
        // when it has no Authorization header; a bearer token is validated by the
        // gateway's RequestAuthentication (issuer, signature, audience) and required by
        // its DENY policy on requestPrincipals. oauth2-proxy's own JWT settings
        // (skip_jwt_bearer_tokens, extra_jwt_issuers) would be dead configuration.
        ENABLE_M2M_TOKENS: "false",
        EXTRA_JWT_ISSUERS: "",
    };
    for (const p of params) {
        const data = configMapData(p);
        for (const key of Object.keys(data)) {
            if (key in paramValues) {
                data[key] = paramValues[key];
            }
        }
        setConfigMapData(p, data);
    }

    const keys = federated
        ? { clientId: OAUTH2_PROXY_SECRET_KEYS.clientId, cookieSecret: OAUTH2_PROXY_SECRET_KEYS.cookieSecret }
        : { ...OAUTH2_PROXY_SECRET_KEYS };
    const credentialEnv = Object.entries(OAUTH2_PROXY_CREDENTIAL_ENV).filter(([, key]) => (Object.values(keys) as string[]).includes(key));
    container.env = [
        ...(container.env ?? []).filter((e) => !(e.name in OAUTH2_PROXY_CREDENTIAL_ENV)),
        ...credentialEnv.map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: s.secretName, key } } })),
    ];
    for (const e of container.env) {
        if (e.valueFrom?.secretKeyRef && e.valueFrom.secretKeyRef.name !== s.secretName) {
            throw new Error(`oauth2-proxy: env ${e.name} reads Secret ${e.valueFrom.secretKeyRef.name}, which is not deployed`);
        }
    }

    const rewritten: KubeObject[] = [deployment, cfgMap, ...params];
    let credential: AuthCredential = { kind: "client-secret" };
    if (federated) {
        const serviceAccount = workloadIdentityServiceAccount(ns, s.clientId);
        useWorkloadIdentity(deployment, serviceAccount.metadata.name);
        rewritten.push(serviceAccount);
        credential = { kind: "workload-identity", subject: serviceAccountSubject(ns, serviceAccount.metadata.name) };
    }
    for (const ra of requestAuths) {
        rewritten.push(entraRequestAuthentication(ra, s));
    }
    for (const ap of objects.filter((o) => o.kind === "AuthorizationPolicy")) {
        rewritten.push(withoutDexPaths(ap));
    }
    // The service account is in the digest: the webhook reads its client-id annotation only
    // when a pod starts (Azure/azure-workload-identity docs, concepts: "restart the pod").
    annotatePodTemplate(deployment, s.podAnnotations, [cfgMap, ...params, ...(federated ? rewritten.filter((o) => o.kind === "ServiceAccount") : [])]);
    return {
        objects: rewritten,
        secret: { name: s.secretName, namespace: ns, keys },
        credential,
    };
}

/**
 * Whether an oauth2-proxy image can redeem codes without a client secret: the
 * `entra-id` provider with `entra_id_federated_token_auth` (providers/ms_entra_id.go,
 * first in v7.8.0; absent from v7.7.1 and v7.6.0) reads the projected service account
 * token from AZURE_FEDERATED_TOKEN_FILE and sends it as client assertion, on the code
 * redemption and on every refresh. An image without a semantic version tag (a digest,
 * `latest`) is taken as not supporting it.
 */
export function supportsWorkloadIdentity(image: string): boolean {
    const m = /oauth2-proxy:v(\d+)\.(\d+)\.(\d+)/.exec(image);
    if (!m) {
        return false;
    }
    const [major, minor] = [Number(m[1]), Number(m[2])];
    return major > 7 || (major === 7 && minor >= 8);
}

/** The `sub` of a Kubernetes service account token, which the federated credential must name exactly. */
export function serviceAccountSubject(namespace: string, name: string): string {
    return `system:serviceaccount:${namespace}:${name}`;
}

function workloadIdentityServiceAccount(namespace: string, clientId: string): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: {
            name: OAUTH2_PROXY_SERVICE_ACCOUNT,
            namespace,
            // The webhook reads the app to exchange the token for from here.
            annotations: { [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]: clientId },
        },
    };
}

/** Runs the pods as the service account and labels them, so AKS's webhook projects the token and sets AZURE_FEDERATED_TOKEN_FILE. */
function useWorkloadIdentity(deployment: KubeObject, serviceAccount: string): void {
    const template = podTemplate(deployment);
    const meta = isRecord(template.metadata) ? template.metadata : {};
    const labels = isRecord(meta.labels) ? (meta.labels as Record<string, string>) : {};
    template.metadata = { ...meta, labels: { ...labels, [WORKLOAD_IDENTITY_USE_LABEL]: "true" } };
    const podSpec = isRecord(template.spec) ? template.spec : {};
    template.spec = { ...podSpec, serviceAccountName: serviceAccount };
}

/**
 * The oauth2-proxy config for Entra, derived from the release's: the release's
 * choices (cookie name, expiry, api_routes, upstream, headers, sign-in page) are
 * kept; every option that points at dex or breaks Entra is replaced.
 */
function renderOauth2ProxyConfig(releaseCfg: string, s: EntraAuthSettings, federated: boolean): string {
    const cfg = parseOauth2ProxyConfig(releaseCfg);
    // dex endpoints and the discovery bypass that relied on them; Entra's discovery
    // document gives absolute endpoints the browser can reach.
    for (const key of ["login_url", "redeem_url", "oidc_jwks_url", "profile_url", "validate_url", "skip_oidc_discovery", "relative_redirect_url"]) {
        cfg.delete(key);
    }
    // Entra answers prompt=none with interaction_required whenever it cannot sign the
    // user in silently; without a prompt it signs in silently when it can anyway.
    cfg.delete("prompt");
    cfg.delete("approval_prompt");
    // Entra omits email_verified; oauth2-proxy only refuses an explicit false, so the
    // insecure override is not needed and stays off.
    cfg.delete("insecure_oidc_allow_unverified_email");
    // Credentials come from the Secret through the environment, never from here.
    for (const key of ["client_id", "client_secret", "client_secret_file", "cookie_secret", "cookie_secret_file"]) {
        cfg.delete(key);
    }
    const skipRoutes = cfg.get("skip_auth_routes");
    if (Array.isArray(skipRoutes)) {
        const kept = skipRoutes.filter((r) => !namesDex(String(r)));
        if (kept.length > 0) {
            cfg.set("skip_auth_routes", kept);
        } else {
            cfg.delete("skip_auth_routes");
        }
    }
    // The bearer-token options would never be reached (see ENABLE_M2M_TOKENS above).
    cfg.delete("skip_jwt_bearer_tokens");
    cfg.delete("extra_jwt_issuers");
    if (federated) {
        // The entra-id provider is the oidc provider plus client assertions (and group
        // overage lookups, which never happen: the app emits no groups claim).
        cfg.set("provider", "entra-id");
        cfg.set("entra_id_federated_token_auth", true);
    } else {
        cfg.set("provider", "oidc");
    }
    cfg.set("provider_display_name", "Microsoft Entra ID");
    cfg.set("oidc_issuer_url", issuerUrl(s.tenantId));
    cfg.set("scope", OAUTH2_PROXY_SCOPES.join(" "));
    // oauth2-proxy keeps the user in the session's "email" and refuses a sign-in without
    // one ("neither the id_token nor the profileURL set an email", providers/oidc.go
    // EnrichSession); oidc_email_claim says which claim fills it (provider_data.go
    // buildSessionFromClaims), the same option in v7.6.0 through v7.14.3.
    cfg.set("oidc_email_claim", s.userIdClaim);
    cfg.set("redirect_url", redirectUri("oauth2-proxy", s.hostname));
    cfg.set("cookie_secure", true);
    cfg.set("cookie_refresh", OAUTH2_PROXY_COOKIE_REFRESH);
    // The gateway reads the user from this token (see the RequestAuthentication).
    cfg.set("set_authorization_header", true);
    if (!cfg.has("cookie_name")) {
        cfg.set("cookie_name", KUBEFLOW_OAUTH2_PROXY_COOKIE);
    }
    // The sign-out's rd leads to Entra's end-session endpoint on another host
    // (dashboardLogoutUrl); the release's own entries stay.
    const redirectDomains = cfg.get("whitelist_domains");
    const kept = (Array.isArray(redirectDomains) ? redirectDomains : redirectDomains === undefined ? [] : [redirectDomains]).map(String);
    cfg.set("whitelist_domains", kept.includes(ENTRA_LOGIN_HOST) ? kept : [...kept, ENTRA_LOGIN_HOST]);
    if (s.emailDomains && s.emailDomains.length > 0) {
        cfg.set("email_domains", [...s.emailDomains]);
    } else if (!cfg.has("email_domains")) {
        cfg.set("email_domains", ["*"]);
    }
    return serializeOauth2ProxyConfig(cfg);
}

function entraRequestAuthentication(ra: KubeObject, s: EntraAuthSettings): KubeObject {
    const spec = isRecord(ra.spec) ? ra.spec : {};
    // A new name: the dex one is not deployed at all, and no trace of dex may remain.
    const name = ra.metadata.name.replace(/dex/gi, "entra");
    return {
        apiVersion: ra.apiVersion,
        kind: ra.kind,
        metadata: { name: name === ra.metadata.name ? `entra-${name}` : name, namespace: ra.metadata.namespace },
        spec: {
            ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
            jwtRules: [
                {
                    issuer: issuerUrl(s.tenantId),
                    jwksUri: jwksUri(s.tenantId),
                    // Every app of the tenant shares the issuer: only tokens meant for this
                    // app (ID tokens from oauth2-proxy, API tokens of the KFP SDK) count.
                    audiences: [s.clientId, `api://${s.clientId}`],
                    forwardOriginalToken: true,
                    fromHeaders: [{ name: "Authorization", prefix: "Bearer " }],
                    // The same claim as oauth2-proxy's oidc_email_claim: both sides agree on who the user is.
                    outputClaimToHeaders: [{ header: USERID_HEADER, claim: s.userIdClaim }],
                },
                ...(s.clusterIssuer !== undefined ? [clusterTokenRule(s.clusterIssuer, s.hostname)] : []),
            ],
        },
    };
}

/**
 * Automation without a person: the cluster's service account tokens, as upstream's
 * istio-m2m component trusts them on other clouds (kubeflow/manifests
 * common/oauth2-proxy/components/istio-m2m/requestauthentication.yaml, v1.9.1 through
 * 26.03: issuer patched per platform, `sub` to kubeflow-userid, Authorization header
 * only), with an audience upstream leaves open. The token's `sub` is
 * `system:serviceaccount:<namespace>:<name>` (kubernetes pkg/serviceaccount/claims.go,
 * `MakeUsername`), the user name RBAC and KFP's SubjectAccessReview see for it. The
 * release's require-jwt policy denies only requests without any request principal, so
 * it admits this issuer's as it does Entra's; the CUSTOM policy skips every request with
 * an Authorization header, so oauth2-proxy never sees one.
 */
function clusterTokenRule(issuer: string, hostname: string): Record<string, unknown> {
    return {
        issuer,
        jwksUri: clusterJwksUri(issuer),
        audiences: [automationAudience(hostname)],
        forwardOriginalToken: true,
        fromHeaders: [{ name: "Authorization", prefix: "Bearer " }],
        outputClaimToHeaders: [{ header: USERID_HEADER, claim: "sub" }],
    };
}

function withoutDexPaths(ap: KubeObject): KubeObject {
    const strip = (value: unknown): unknown => {
        if (Array.isArray(value)) {
            return value.filter((v) => !(typeof v === "string" && namesDex(v))).map(strip);
        }
        if (isRecord(value)) {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]));
        }
        return value;
    };
    return { ...ap, spec: strip(ap.spec) };
}

function configureOidcAuthservice(objects: KubeObject[], s: EntraAuthSettings): ConfiguredAuthservice {
    const problems: Problem[] = [];
    const { workload: sts, container } = theWorkload(objects, "StatefulSet", "oidc-authservice", "authservice StatefulSet", problems);
    const ns = sts?.metadata.namespace ?? "";
    const paramNames = (container?.envFrom ?? []).map((e) => e.configMapRef?.name).filter((n): n is string => n !== undefined);
    const params = objects.filter((o) => o.kind === "ConfigMap" && paramNames.includes(o.metadata.name) && o.metadata.namespace === ns);
    for (const name of paramNames) {
        if (!params.some((p) => p.metadata.name === name)) {
            problems.push({ where: "oidc-authservice", value: `ConfigMap ${ns}/${name}`, rule: "every ConfigMap the StatefulSet's envFrom reads must be handed over" });
        }
    }
    const main = params.find(isOidcAuthserviceParameters);
    if (container && params.length === paramNames.length && !main) {
        problems.push({ where: "oidc-authservice", value: "no OIDC_PROVIDER", rule: "one ConfigMap read by the StatefulSet must hold the OIDC parameters" });
    }
    if (problems.length > 0 || !sts || !container || !main) {
        throw new Error(formatProblems("oidc-authservice: cannot configure for Entra ID", problems));
    }

    const data = configMapData(main);
    const prefix = data.AUTHSERVICE_URL_PREFIX ?? "";
    if (prefix !== OIDC_AUTHSERVICE_DEFAULT_PREFIX) {
        // The image serves its callback under this prefix; redirectUri() assumes the default.
        throw new Error(
            `oidc-authservice: ${objectKey(main)} AUTHSERVICE_URL_PREFIX is ${JSON.stringify(prefix)}; ` +
                `the callback (and the redirect URI registered on the Entra app) assumes ${OIDC_AUTHSERVICE_DEFAULT_PREFIX}`,
        );
    }
    for (const key of ["CLIENT_ID", "CLIENT_SECRET", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"]) {
        delete data[key];
    }
    Object.assign(data, {
        OIDC_PROVIDER: issuerUrl(s.tenantId),
        OIDC_AUTH_URL: authorizeUrl(s.tenantId),
        OIDC_SCOPES: OIDC_AUTHSERVICE_SCOPES.join(" "),
        REDIRECT_URL: redirectUri("oidc-authservice", s.hostname),
        SKIP_AUTH_URLS: (data.SKIP_AUTH_URLS ?? "")
            .split(",")
            .map((u) => u.trim())
            .filter((u) => u !== "" && !namesDex(u))
            .join(","),
        USERID_HEADER: USERID_HEADER,
        USERID_PREFIX: "",
        USERID_CLAIM: s.userIdClaim,
        // The logout handler answers {"afterLogoutURL": AFTER_LOGOUT_URL}, which the
        // dashboard's logout button opens (arrikto e236439 server.go logout; kubeflow
        // centraldashboard logout-button.js v1.7.0/v1.8.0 _postLogout): Entra's sign-out.
        AFTER_LOGOUT_URL: entraLogoutUrl(s.tenantId, s.hostname),
        // The image's Kubernetes authenticator reviews a bearer service account token
        // with the API server for these audiences (authenticator_kubernetes.go; default
        // istio-ingressgateway.istio-system.svc.cluster.local): the audience the gateway
        // asks for on the oauth2-proxy releases, so one recipe serves every release.
        AUDIENCES: automationAudience(s.hostname),
    });
    setConfigMapData(main, data);

    // Only the component's Secret: the release's (with its well-known default secret) is not deployed.
    container.envFrom = [...(container.envFrom ?? []).filter((e) => !e.secretRef), { secretRef: { name: s.secretName } }];
    container.env = (container.env ?? []).filter((e) => !(Object.values(OIDC_AUTHSERVICE_SECRET_KEYS) as string[]).includes(e.name));
    if (container.env.length === 0) {
        delete container.env;
    }
    annotatePodTemplate(sts, s.podAnnotations, params);
    return {
        objects: [sts, ...params, ...objects.filter((o) => o.kind === "AuthorizationPolicy").map(withoutDexPaths)],
        secret: { name: s.secretName, namespace: ns, keys: { ...OIDC_AUTHSERVICE_SECRET_KEYS } },
        // The arrikto image has no other way to authenticate to the token endpoint.
        credential: { kind: "client-secret" },
    };
}

function annotatePodTemplate(workload: KubeObject, annotations: Readonly<Record<string, string>>, configs: readonly KubeObject[]): void {
    const template = podTemplate(workload);
    const digest = createHash("sha256");
    for (const c of configs) {
        digest.update(`${objectKey(c)}\n${JSON.stringify(sortedRecord(configMapData(c)))}\n`);
    }
    const meta = isRecord(template.metadata) ? template.metadata : {};
    const existing = isRecord(meta.annotations) ? (meta.annotations as Record<string, string>) : {};
    // The ConfigMaps keep their names, so nothing else would roll the pods when they change.
    template.metadata = { ...meta, annotations: { ...existing, ...annotations, [CONFIG_CHECKSUM_ANNOTATION]: digest.digest("hex").slice(0, 32) } };
}

// ---------------------------------------------------------------------------
// Large Entra tokens

/** The header-field limit Kubeflow upstream documents for gunicorn web apps behind Entra. */
export const GUNICORN_FIELD_LIMIT = 32000;

/**
 * Mitigations for Entra's large tokens and session cookies, as upstream documents
 * them (kubeflow/manifests common/oauth2-proxy "Known issues"), over the whole
 * render; objects they do not concern are returned unchanged:
 * - the Python (gunicorn) web apps get `--limit-request-field_size 32000` in
 *   GUNICORN_CMD_ARGS: gunicorn refuses any header field over 8190 bytes, and the
 *   Cookie header carrying an Entra session is larger;
 * - the metadata-grpc route drops the Cookie header: gRPC refuses request metadata
 *   beyond its limit ("received initial metadata size exceeds limit"), and the
 *   metadata service needs no cookie.
 */
export function mitigateLargeTokens(objects: readonly KubeObject[]): KubeObject[] {
    return objects.map((o) => {
        if (o.kind === "Deployment" && podContainers(o).some(isGunicornWebApp)) {
            const copy = structuredClone(o);
            for (const c of podContainers(copy).filter(isGunicornWebApp)) {
                const env = c.env ?? [];
                const current = env.find((e) => e.name === "GUNICORN_CMD_ARGS");
                const value = withFieldLimit(current?.value ?? "");
                c.env = current ? env.map((e) => (e === current ? { name: e.name, value } : e)) : [...env, { name: "GUNICORN_CMD_ARGS", value }];
            }
            return copy;
        }
        if (o.kind === "VirtualService" && isMetadataGrpcRoute(o)) {
            const copy = structuredClone(o);
            const spec = copy.spec as { http: Array<Record<string, unknown>> };
            for (const route of spec.http) {
                const headers = isRecord(route.headers) ? route.headers : {};
                const request = isRecord(headers.request) ? headers.request : {};
                const remove = Array.isArray(request.remove) ? (request.remove as unknown[]).map(String) : [];
                if (!remove.some((h) => h.toLowerCase() === "cookie")) {
                    remove.push("Cookie");
                }
                route.headers = { ...headers, request: { ...request, remove } };
            }
            return copy;
        }
        return o;
    });
}

// The Kubeflow CRUD web apps (jupyter, volumes, tensorboards) and the KServe models
// web app are Flask apps served by gunicorn; their containers are named *-web-app.
function isGunicornWebApp(c: Container): boolean {
    return /-web-app$/.test(c.name);
}

function withFieldLimit(args: string): string {
    const flag = /--limit-request-field[_-]size(?:=|\s+)(\d+)/;
    const m = flag.exec(args);
    if (m) {
        return Number(m[1]) === 0 || Number(m[1]) >= GUNICORN_FIELD_LIMIT ? args : args.replace(flag, `--limit-request-field_size ${GUNICORN_FIELD_LIMIT}`);
    }
    return `${args} --limit-request-field_size ${GUNICORN_FIELD_LIMIT}`.trim();
}

function isMetadataGrpcRoute(o: KubeObject): boolean {
    const http = isRecord(o.spec) && Array.isArray(o.spec.http) ? o.spec.http : [];
    return (
        http.length > 0 &&
        http.every((r) => isRecord(r)) &&
        JSON.stringify(http).includes('"host":"metadata-envoy-service.')
    );
}

// ---------------------------------------------------------------------------
// Session refresh through the mesh

/** The mesh config Istio's control plane reads (istiod watches it: pkg/config/mesh/kubemesh). */
export const MESH_CONFIG_NAMESPACE = "istio-system";
export const MESH_CONFIG_NAME = "istio";
const MESH_CONFIG_KEY = "mesh";

/**
 * The release's mesh config with `set-cookie` among the headers the oauth2-proxy
 * ext-authz provider may send to the browser on an allowed check; every other object
 * is returned unchanged, and so is everything else in the mesh config.
 *
 * oauth2-proxy refreshes a session older than cookie_refresh while it answers the check
 * (pkg/middleware/stored_session.go) and sets the new cookie on that answer. Istio's
 * extauthz builder maps `headersToDownstreamOnAllow` to Envoy's
 * `allowed_client_headers_on_success` (pilot/pkg/security/authz/builder/extauthz.go,
 * 1.22.1 through 1.28.0); the releases list only `headersToDownstreamOnDeny`, so Envoy
 * drops that Set-Cookie, and every request after cookie_refresh refreshes again against
 * Entra until one refresh fails and signs the user out.
 *
 * The platform keeps applying the ConfigMap (edited, not handed over): istiod and the
 * sidecar injector read it from the first pod on, before the authservice exists.
 * For oidc-authservice (no ext-authz provider in the mesh config) nothing changes.
 */
export function allowSessionRefresh(objects: readonly KubeObject[], flavour: AuthFlavour): KubeObject[] {
    if (flavour !== "oauth2-proxy") {
        return [...objects];
    }
    let found = false;
    const out = objects.map((o) => {
        if (!isMeshConfig(o)) {
            return o;
        }
        const text = configMapData(o)[MESH_CONFIG_KEY] ?? "";
        const mesh = yaml.load(text, { schema: yaml.JSON_SCHEMA });
        const providers = isRecord(mesh) && Array.isArray(mesh.extensionProviders) ? mesh.extensionProviders.filter(isRecord) : [];
        const provider = providers.find((p) => p.name === OAUTH2_PROXY_EXTENSION_PROVIDER && isRecord(p.envoyExtAuthzHttp));
        if (!isRecord(mesh) || !provider || !isRecord(provider.envoyExtAuthzHttp)) {
            return o;
        }
        found = true;
        const http = provider.envoyExtAuthzHttp;
        const onAllow = Array.isArray(http.headersToDownstreamOnAllow) ? http.headersToDownstreamOnAllow.map(String) : [];
        if (!onAllow.some((h) => h.toLowerCase() === "set-cookie")) {
            http.headersToDownstreamOnAllow = [...onAllow, "set-cookie"];
        }
        const copy = structuredClone(o);
        setConfigMapData(copy, { ...configMapData(o), [MESH_CONFIG_KEY]: yaml.dump(mesh, { lineWidth: -1, noRefs: true }) });
        return copy;
    });
    if (!found) {
        throw new Error(
            `oauth2-proxy: no ConfigMap ${MESH_CONFIG_NAMESPACE}/${MESH_CONFIG_NAME} whose ${MESH_CONFIG_KEY} has the envoyExtAuthzHttp extension provider ` +
                `${OAUTH2_PROXY_EXTENSION_PROVIDER}: refreshed sessions could not reach the browser`,
        );
    }
    return out;
}

function isMeshConfig(o: KubeObject): boolean {
    return o.kind === "ConfigMap" && o.metadata.namespace === MESH_CONFIG_NAMESPACE && o.metadata.name === MESH_CONFIG_NAME && MESH_CONFIG_KEY in configMapData(o);
}

/** The extension providers of the mesh config among the objects (tests and the read-back). */
export function meshExtensionProviders(objects: readonly KubeObject[]): Array<Record<string, unknown>> {
    const cm = objects.find(isMeshConfig);
    const mesh = cm ? yaml.load(configMapData(cm)[MESH_CONFIG_KEY] ?? "", { schema: yaml.JSON_SCHEMA }) : undefined;
    return isRecord(mesh) && Array.isArray(mesh.extensionProviders) ? mesh.extensionProviders.filter(isRecord) : [];
}

// ---------------------------------------------------------------------------
// Reading back

export interface SecretKeyReference {
    readonly secret: string;
    /** undefined when the whole Secret is read through envFrom. */
    readonly key?: string;
}

/** Where a credential comes from: a Secret (good) or a literal in a ConfigMap, env or args (never acceptable). */
export type CredentialSource = { readonly from: "secret"; readonly ref: SecretKeyReference } | { readonly from: "literal"; readonly where: string } | { readonly from: "missing" };

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
    if (!deployment) {
        throw new Error("no oauth2-proxy Deployment among the objects");
    }
    const container = podContainers(deployment).find((c) => /oauth2-proxy/.test(c.image ?? "")) as Container;
    const ns = deployment.metadata.namespace;
    const options = new Map<string, OptionValue>();
    const { names, found: cfgMap } = mountedConfigMap(deployment, OAUTH2_PROXY_CFG_KEY, objects);
    if (!cfgMap) {
        throw new Error(`no ConfigMap with ${OAUTH2_PROXY_CFG_KEY} that the oauth2-proxy Deployment mounts (${names.join(", ") || "none"}) is among the objects`);
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
        return Array.isArray(o.value) ? o.value.map(String) : String(o.value).split(",").filter((v) => v !== "");
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
    if (!sts) {
        throw new Error("no oidc-authservice StatefulSet among the objects");
    }
    const container = podContainers(sts).find((c) => /oidc-authservice/.test(c.image ?? "")) as Container;
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

// ---------------------------------------------------------------------------
// oauth2-proxy config file (the TOML subset it uses: key = string | bool | number | [list])

export type CfgScalar = string | number | boolean;
export type CfgValue = CfgScalar | CfgScalar[];

/** Parses an oauth2_proxy.cfg. Throws on anything outside the subset, naming the line. */
export function parseOauth2ProxyConfig(text: string): Map<string, CfgValue> {
    const out = new Map<string, CfgValue>();
    let i = 0;
    let line = 1;
    const fail = (msg: string): never => {
        throw new Error(`oauth2_proxy.cfg line ${line}: ${msg}`);
    };
    const skipSpace = (newlines: boolean): void => {
        while (i < text.length) {
            const ch = text[i];
            if (ch === "#") {
                while (i < text.length && text[i] !== "\n") i++;
            } else if (ch === " " || ch === "\t" || ch === "\r" || (newlines && ch === "\n")) {
                if (ch === "\n") line++;
                i++;
            } else {
                return;
            }
        }
    };
    const scalar = (): CfgScalar => {
        if (text[i] === '"' || text[i] === "'") {
            const quote = text[i++];
            let s = "";
            while (i < text.length && text[i] !== quote) {
                if (text[i] === "\n") fail("unterminated string");
                if (quote === '"' && text[i] === "\\") {
                    const esc = text[i + 1];
                    const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
                    if (!(esc in map)) fail(`unsupported escape \\${esc}`);
                    s += map[esc];
                    i += 2;
                } else {
                    s += text[i++];
                }
            }
            if (i >= text.length) fail("unterminated string");
            i++;
            return s;
        }
        const m = /^(true|false|-?\d+(\.\d+)?)/.exec(text.slice(i));
        if (!m) fail(`unsupported value ${JSON.stringify(text.slice(i, i + 20))}`);
        const token = (m as RegExpExecArray)[0];
        i += token.length;
        return token === "true" ? true : token === "false" ? false : Number(token);
    };
    for (;;) {
        skipSpace(true);
        if (i >= text.length) {
            return out;
        }
        const key = /^[A-Za-z0-9_-]+/.exec(text.slice(i))?.[0] ?? fail(`expected a key at ${JSON.stringify(text.slice(i, i + 20))}`);
        i += key.length;
        skipSpace(false);
        if (text[i] !== "=") fail(`expected = after ${key}`);
        i++;
        skipSpace(false);
        let value: CfgValue;
        if (text[i] === "[") {
            i++;
            const items: CfgScalar[] = [];
            for (;;) {
                skipSpace(true);
                if (text[i] === "]") {
                    i++;
                    break;
                }
                items.push(scalar());
                skipSpace(true);
                if (text[i] === ",") {
                    i++;
                } else if (text[i] !== "]") {
                    fail(`expected , or ] in the list of ${key}`);
                }
            }
            value = items;
        } else {
            value = scalar();
        }
        skipSpace(false);
        if (i < text.length && text[i] !== "\n") fail(`unexpected text after the value of ${key}`);
        out.set(key, value);
    }
}

export function serializeOauth2ProxyConfig(cfg: ReadonlyMap<string, CfgValue>): string {
    const lit = (v: CfgScalar): string => (typeof v === "string" ? JSON.stringify(v) : String(v));
    return [...cfg]
        .map(([k, v]) => (Array.isArray(v) ? `${k} = [\n${v.map((x) => `  ${lit(x)},\n`).join("")}]` : `${k} = ${lit(v)}`))
        .join("\n")
        .concat("\n");
}

// ---------------------------------------------------------------------------
// Schemas

/**
 * Validates each object against its published schema and throws one error listing
 * every problem; an object of a kind without a schema is a problem too.
 */
export function validateAuthObjects(objects: readonly KubeObject[]): Promise<void> {
    return validateObjects(objects, "authservice");
}

// ---------------------------------------------------------------------------
// Small accessors over plain objects

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: {
        configMapKeyRef?: { name: string; key: string };
        secretKeyRef?: { name: string; key: string };
        [k: string]: unknown;
    };
}

interface EnvFromSource {
    prefix?: string;
    configMapRef?: { name: string };
    secretRef?: { name: string };
}

interface Container {
    name: string;
    image?: string;
    args?: string[];
    env?: EnvVar[];
    envFrom?: EnvFromSource[];
    [k: string]: unknown;
}

function podTemplate(o: KubeObject): Record<string, unknown> {
    const spec = isRecord(o.spec) ? o.spec : undefined;
    const template = spec && isRecord(spec.template) ? spec.template : undefined;
    if (!template) {
        throw new Error(`${objectKey(o)} has no pod template`);
    }
    return template;
}

function podContainers(o: KubeObject): Container[] {
    const spec = isRecord(o.spec) ? o.spec : undefined;
    const template = spec && isRecord(spec.template) ? spec.template : undefined;
    const podSpec = template && isRecord(template.spec) ? template.spec : undefined;
    return podSpec && Array.isArray(podSpec.containers) ? (podSpec.containers.filter(isRecord) as unknown as Container[]) : [];
}

/** The ConfigMaps a workload mounts that may provide the given key (whole, through items, or by subPath). */
function mountedConfigMapNames(o: KubeObject, key: string): string[] {
    const template = podTemplate(o);
    const podSpec = isRecord(template.spec) ? template.spec : {};
    const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes.filter(isRecord) : [];
    const mounts = podContainers(o).flatMap((c) => (Array.isArray(c.volumeMounts) ? c.volumeMounts.filter(isRecord) : []));
    const names: string[] = [];
    for (const v of volumes) {
        const cm = isRecord(v.configMap) ? v.configMap : undefined;
        if (!cm || typeof cm.name !== "string") {
            continue;
        }
        const items = Array.isArray(cm.items) ? cm.items.filter(isRecord) : [];
        const provides = items.length > 0 ? items.some((it) => it.key === key) : mounts.some((m) => m.name === v.name && (m.subPath === undefined || m.subPath === key));
        if (provides) {
            names.push(cm.name);
        }
    }
    return names;
}

/** The mounted ConfigMap among the objects that holds the key. */
function mountedConfigMap(workload: KubeObject, key: string, objects: readonly KubeObject[]): { names: string[]; found?: KubeObject } {
    const names = mountedConfigMapNames(workload, key);
    const found = objects.find(
        (o) => o.kind === "ConfigMap" && o.metadata.namespace === workload.metadata.namespace && names.includes(o.metadata.name) && key in configMapData(o),
    );
    return { names, found };
}

function configMapData(o: KubeObject): Record<string, string> {
    return isRecord(o.data) ? ({ ...o.data } as Record<string, string>) : {};
}

function setConfigMapData(o: KubeObject, data: Record<string, string>): void {
    o.data = data;
}

function secretKeys(o: KubeObject): string[] {
    return [...Object.keys(isRecord(o.data) ? o.data : {}), ...Object.keys(isRecord(o.stringData) ? o.stringData : {})];
}

function hasKeys(keys: readonly string[], wanted: readonly string[]): boolean {
    return wanted.every((k) => keys.includes(k));
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}
