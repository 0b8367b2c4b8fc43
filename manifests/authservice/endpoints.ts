/**
 * Entra's endpoints and the site's own auth URLs, computed from the tenant and the
 * host only, so the app registration and the authservice cannot disagree on them.
 */
import { parseOauth2ProxyConfig } from "./cfg";
import { configMapData } from "./objects";
import { isOauth2ProxyConfigMap } from "./selection";
import {
    AuthFlavour,
    ENTRA_LOGIN_HOST,
    KUBEFLOW_OAUTH2_PROXY_COOKIE,
    OAUTH2_PROXY_CFG_KEY,
    OAUTH2_PROXY_DEFAULT_COOKIE,
    OIDC_AUTHSERVICE_CALLBACK,
    OIDC_AUTHSERVICE_COOKIE,
    OIDC_AUTHSERVICE_DEFAULT_PREFIX,
} from "./settings";
import { KubeObject } from "../types";

export function issuerUrl(tenantId: string): string {
    return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

export function jwksUri(tenantId: string): string {
    return `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;
}

export function authorizeUrl(tenantId: string): string {
    return `https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/authorize`;
}

/** The oauth2-proxy route that ends its session (oauthproxy.go SignOut, v7.6.0 through v7.14.3). */
export const OAUTH2_PROXY_SIGN_OUT = "/oauth2/sign_out";

/**
 * Where Entra sends the browser after signing it out. Entra follows
 * post_logout_redirect_uri only when it "match[es] one of the redirect URIs registered for
 * your application" (Microsoft identity platform, "OpenID Connect on the Microsoft
 * identity platform", Send a sign-out request): the app registers it too.
 * - oauth2-proxy: its own sign-out, which clears its cookie and redirects to `/` (no
 *   `rd`), where the ended Entra session asks for a new sign-in. So oauth2-proxy never
 *   redirects to another host, and its redirect allow-list (`whitelist_domains`) stays
 *   empty: with Entra's host there, `/oauth2/sign_out?rd=` and `/oauth2/start?rd=` would
 *   send a browser anywhere on login.microsoftonline.com, whose authorize endpoint
 *   forwards to any app's redirect URI (oauth2-proxy pkg/app/redirect/validator.go
 *   IsValidRedirect: any path on a listed host, v7.6.0 through v7.14.3).
 * - oidc-authservice (v1.7/v1.8): the home page; its logout already ended the session
 *   (a POST, server.go logout at arrikto e236439).
 */
export function postLogoutRedirectUri(flavour: AuthFlavour, hostname: string): string {
    return flavour === "oauth2-proxy" ? `https://${hostname}${OAUTH2_PROXY_SIGN_OUT}` : `https://${hostname}/`;
}

/**
 * Entra's end-session endpoint, which clears the user's session from the browser, with
 * the way back to the site. `tenant` is the tenant id, or `common` (the form Microsoft's
 * sign-out example uses) where the id is not known before deployment.
 */
export function entraLogoutUrl(tenant: string, hostname: string, flavour: AuthFlavour): string {
    return `https://${ENTRA_LOGIN_HOST}/${tenant}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(postLogoutRedirectUri(flavour, hostname))}`;
}

/**
 * The URL the dashboard's "Log out" opens on oauth2-proxy releases (logout-button.js from
 * v1.9: `window.top.location.href = this.logoutUrl`): Entra's sign-out first, which comes
 * back to oauth2-proxy's (postLogoutRedirectUri). oidc-authservice keeps the release's
 * `/authservice/logout`: its answer names AFTER_LOGOUT_URL.
 */
export function dashboardLogoutUrl(tenant: string, hostname: string): string {
    return entraLogoutUrl(tenant, hostname, "oauth2-proxy");
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
