/**
 * The vocabulary of the authservice rewrite: flavours, the user claim, the settings
 * and results of the rewrite and its bind step, and the names both flavours' files share.
 */
import { KubeObject } from "../types";

export type AuthFlavour = "oauth2-proxy" | "oidc-authservice";

/**
 * The token claim that names the user, on both sides: the authservice's session and
 * the gateway's `kubeflow-userid`. Entra puts `email` in a token only for accounts with
 * a mail attribute; `preferred_username` (the UPN of members, the home address of
 * guests) is in every v2 ID and access token (Microsoft identity platform,
 * "ID token claims reference" and "Access token claims reference").
 */
export type UserIdClaim = "preferred_username" | "email" | "oid";
/**
 * `oid`, the user's object id, is in every v2 ID token (with the `profile` scope the
 * authservice asks for) and access token, and never changes or passes to another user;
 * `preferred_username` and `email` can be reassigned (Microsoft identity platform, claims
 * references: "Migrate away from using email claims for user identification or
 * authorization"). Profiles then name users by object id, resolved at deploy time from
 * the UPNs in the configuration (components/profiles.ts).
 */
export const USER_ID_CLAIMS: readonly UserIdClaim[] = ["preferred_username", "email", "oid"];

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

/** What the rewrite needs that is known before any resource exists: checked and applied once, in the plan. */
export interface AuthserviceSettings {
    /** Public host name the site is served on (no scheme, no path). */
    readonly hostname: string;
    /** Name of the Secret the component creates beside the workload (see `secret.keys`). */
    readonly secretName: string;
    /** oauth2-proxy `email_domains`; unset keeps the release's list (every domain). */
    readonly emailDomains?: readonly string[];
    /** The claim that names the user; one of supportedUserIdClaims(flavour). */
    readonly userIdClaim: UserIdClaim;
}

/** The values that exist only once the Entra app and the cluster do: Outputs, bound when they resolve. */
export interface EntraIds {
    /** Directory (tenant) id of the Entra tenant. */
    readonly tenantId: string;
    /** Application (client) id of the Entra app registration. */
    readonly clientId: string;
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

/**
 * Where the bind step puts the Entra ids in the rewritten objects (object keys, see
 * `objectKey`): besides these, every RequestAuthentication gets its JWT rules there.
 */
export type AuthBinding =
    | { readonly flavour: "oauth2-proxy"; readonly workload: string; readonly config: string; readonly serviceAccount?: string }
    | { readonly flavour: "oidc-authservice"; readonly workload: string; readonly parameters: string };

/** The flavour's rewrite before the Entra ids: everything but them, and where they go. */
export interface RewrittenAuthservice extends ConfiguredAuthservice {
    readonly binding: AuthBinding;
}

/** The user id header every Kubeflow web app reads. */
export const USERID_HEADER = "kubeflow-userid";
/** The audience AKS workload identity's projected token carries, and the federated credential must list. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/** The host of Entra's endpoints, the sign-out one included. */
export const ENTRA_LOGIN_HOST = "login.microsoftonline.com";
/**
 * The Azure CLI's public client id: pre-authorised on the app, so `az account
 * get-access-token` gets the KFP SDK a user's token, and the one client besides the app
 * itself whose delegated tokens the gateway accepts (token-kinds.ts).
 */
export const AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
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
export const OAUTH2_PROXY_SCOPES = ["openid", "profile", "email", "offline_access"];
// The seed guide's scopes; the arrikto image adds `openid` itself.
export const OIDC_AUTHSERVICE_SCOPES = ["profile", "email"];
// Shorter than the one-hour Entra ID token lifetime, with margin for lifetime
// policies and clock skew: the gateway rejects an expired ID token outright.
export const OAUTH2_PROXY_COOKIE_REFRESH = "30m";
// oauth2-proxy's own default, used when the release names no cookie.
export const OAUTH2_PROXY_DEFAULT_COOKIE = "_oauth2_proxy";
// The cookie name of the Kubeflow oauth2-proxy config in every supported release.
export const KUBEFLOW_OAUTH2_PROXY_COOKIE = "oauth2_proxy_kubeflow";
// Compiled into the arrikto image (userSessionCookie); not configurable.
export const OIDC_AUTHSERVICE_COOKIE = "authservice_session";
// Compiled into the arrikto image: the callback is served at <AUTHSERVICE_URL_PREFIX>oidc/callback.
export const OIDC_AUTHSERVICE_CALLBACK = "oidc/callback";
// The release default of AUTHSERVICE_URL_PREFIX in 1.7 and 1.8.
export const OIDC_AUTHSERVICE_DEFAULT_PREFIX = "/authservice/";

export const OAUTH2_PROXY_CFG_KEY = "oauth2_proxy.cfg";
export const OAUTH2_PROXY_SECRET_KEYS = { clientId: "client-id", clientSecret: "client-secret", cookieSecret: "cookie-secret" } as const;
export const OIDC_AUTHSERVICE_SECRET_KEYS = { clientId: "CLIENT_ID", clientSecret: "CLIENT_SECRET" } as const;
export const OAUTH2_PROXY_CREDENTIAL_ENV = {
    OAUTH2_PROXY_CLIENT_ID: OAUTH2_PROXY_SECRET_KEYS.clientId,
    OAUTH2_PROXY_CLIENT_SECRET: OAUTH2_PROXY_SECRET_KEYS.clientSecret,
    OAUTH2_PROXY_COOKIE_SECRET: OAUTH2_PROXY_SECRET_KEYS.cookieSecret,
} as const;
