/**
 * The oauth2-proxy rewrite (Kubeflow >= 1.9): the config file, its parameters, the
 * credentials from the component's Secret (or workload identity), and the gateway's rules.
 */
import { isRecord } from "../kube";
import { KubeObject, Problem, formatProblems, objectKey } from "../types";
import { parseOauth2ProxyConfig, serializeOauth2ProxyConfig } from "./cfg";
import { issuerUrl, redirectUri } from "./endpoints";
import { entraJwtRules, gatewayRequestAuthentication, withoutDexPaths } from "./gateway-rules";
import { bindTokenKinds, tokenKindsPolicy } from "./token-kinds";
import { byKey, configMapData, mountedConfigMap, podTemplate, setConfigMapData } from "./objects";
import { namesDex } from "./selection";
import {
    AuthBinding,
    AuthCredential,
    AuthserviceSettings,
    ENTRA_LOGIN_HOST,
    EntraIds,
    KUBEFLOW_OAUTH2_PROXY_COOKIE,
    OAUTH2_PROXY_CFG_KEY,
    OAUTH2_PROXY_COOKIE_REFRESH,
    OAUTH2_PROXY_CREDENTIAL_ENV,
    OAUTH2_PROXY_SCOPES,
    OAUTH2_PROXY_SECRET_KEYS,
    OAUTH2_PROXY_SERVICE_ACCOUNT,
    RewrittenAuthservice,
    WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
    WORKLOAD_IDENTITY_USE_LABEL,
} from "./settings";
import { annotatePodTemplate, theWorkload } from "./workload";

/** Everything of the rewrite but the Entra ids (see `bindOauth2Proxy`); problems of the hand-over all at once. */
export function rewriteOauth2Proxy(objects: KubeObject[], s: AuthserviceSettings): RewrittenAuthservice {
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
    let serviceAccount: KubeObject | undefined;
    if (federated) {
        serviceAccount = workloadIdentityServiceAccount(ns);
        useWorkloadIdentity(deployment, serviceAccount.metadata.name);
        rewritten.push(serviceAccount);
        credential = { kind: "workload-identity", subject: serviceAccountSubject(ns, serviceAccount.metadata.name) };
    }
    for (const ra of requestAuths) {
        rewritten.push(gatewayRequestAuthentication(ra));
    }
    const policies = objects.filter((o) => o.kind === "AuthorizationPolicy");
    for (const ap of policies) {
        rewritten.push(withoutDexPaths(ap));
    }
    // Beside the gateway's (first) RequestAuthentication, at the release's own policy version.
    rewritten.push(tokenKindsPolicy(requestAuths[0], policies[0]?.apiVersion ?? "security.istio.io/v1beta1"));
    return {
        objects: rewritten,
        secret: { name: s.secretName, namespace: ns, keys },
        credential,
        binding: {
            flavour: "oauth2-proxy",
            workload: objectKey(deployment),
            config: objectKey(cfgMap),
            ...(serviceAccount ? { serviceAccount: objectKey(serviceAccount) } : {}),
        },
    };
}

/**
 * Puts the Entra ids into objects rewritten by `rewriteOauth2Proxy` (edited in place):
 * the issuer in the config file, the client id on the workload identity service
 * account, the gateway's JWT rules; then the digest of the configuration on the pods.
 */
export function bindOauth2Proxy(
    objects: KubeObject[],
    binding: Extract<AuthBinding, { flavour: "oauth2-proxy" }>,
    ids: EntraIds,
    s: AuthserviceSettings,
    podAnnotations: Readonly<Record<string, string>>,
): void {
    const deployment = byKey(objects, binding.workload);
    const cfgMap = byKey(objects, binding.config);
    const cfg = parseOauth2ProxyConfig(configMapData(cfgMap)[OAUTH2_PROXY_CFG_KEY] ?? "");
    cfg.set("oidc_issuer_url", issuerUrl(ids.tenantId));
    setConfigMapData(cfgMap, { ...configMapData(cfgMap), [OAUTH2_PROXY_CFG_KEY]: serializeOauth2ProxyConfig(cfg) });
    if (binding.serviceAccount !== undefined) {
        // The webhook reads the app to exchange the token for from here.
        byKey(objects, binding.serviceAccount).metadata.annotations = { [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]: ids.clientId };
    }
    for (const ra of objects.filter((o) => o.kind === "RequestAuthentication")) {
        ra.spec = { ...(isRecord(ra.spec) ? ra.spec : {}), jwtRules: entraJwtRules(ids, s) };
    }
    bindTokenKinds(objects, ids);
    // The service account is in the digest: the webhook reads its client-id annotation only
    // when a pod starts (Azure/azure-workload-identity docs, concepts: "restart the pod").
    annotatePodTemplate(
        deployment,
        podAnnotations,
        objects.filter((o) => o.kind === "ConfigMap" || o.kind === "ServiceAccount"),
    );
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

function workloadIdentityServiceAccount(namespace: string): KubeObject {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: OAUTH2_PROXY_SERVICE_ACCOUNT, namespace } };
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
function renderOauth2ProxyConfig(releaseCfg: string, s: AuthserviceSettings, federated: boolean): string {
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
    // The issuer names the tenant: `bindOauth2Proxy` fills it in, at this place in the file.
    cfg.set("oidc_issuer_url", "");
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
    // Nothing redirects to another host (postLogoutRedirectUri): an Entra host on the
    // release's allow-list would make the site an open redirect through Entra's authorize.
    const redirectDomains = cfg.get("whitelist_domains");
    const kept = (Array.isArray(redirectDomains) ? redirectDomains : redirectDomains === undefined ? [] : [redirectDomains]).map(String);
    const own = kept.filter((d) => !d.replace(/^\*?\./, "").endsWith(ENTRA_LOGIN_HOST.replace(/^login\./, "")));
    if (own.length > 0) {
        cfg.set("whitelist_domains", own);
    } else {
        cfg.delete("whitelist_domains");
    }
    // Lax: the browser sends the session cookie on top-level navigations (Entra's callback
    // is a GET) but not on cross-site POSTs, such as a form aimed at the dashboard's
    // POST /api/workgroup/create. oauth2-proxy's default "" writes no SameSite attribute
    // (pkg/cookies/cookies.go ParseSameSite; accepted values '', 'lax', 'strict', 'none',
    // pkg/validation/cookie.go, v7.6.0 through v7.14.3); strict breaks the callback.
    cfg.set("cookie_samesite", "lax");
    if (s.emailDomains && s.emailDomains.length > 0) {
        cfg.set("email_domains", [...s.emailDomains]);
    } else if (!cfg.has("email_domains")) {
        cfg.set("email_domains", ["*"]);
    }
    return serializeOauth2ProxyConfig(cfg);
}
