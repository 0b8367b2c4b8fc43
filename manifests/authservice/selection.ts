/**
 * Which release objects the Authservice component owns: everything that names dex or
 * holds an authservice credential.
 */
import { isRecord } from "../kube";
import { KubeObject } from "../types";
import { configMapData, hasKeys, podContainers, secretKeys } from "./objects";
import { AuthFlavour, OAUTH2_PROXY_CFG_KEY, OAUTH2_PROXY_SECRET_KEYS, OIDC_AUTHSERVICE_SECRET_KEYS } from "./settings";

/**
 * The release objects the Authservice component owns for this flavour: those
 * `rewriteAuthservice` rewrites or replaces. Every one of them names dex or holds
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

export function isOauth2ProxyConfigMap(o: KubeObject): boolean {
    return o.kind === "ConfigMap" && OAUTH2_PROXY_CFG_KEY in configMapData(o);
}

function isOauth2ProxyParameters(o: KubeObject): boolean {
    const data = configMapData(o);
    return o.kind === "ConfigMap" && ("EXTRA_JWT_ISSUERS" in data || "ALLOW_SELF_SIGNED_ISSUER" in data);
}

export function isOidcAuthserviceParameters(o: KubeObject): boolean {
    return o.kind === "ConfigMap" && "OIDC_PROVIDER" in configMapData(o);
}

const DEX_PATH = /^\/dex(\/|\*|$)/;
const DEX_URL = /\/\/dex[.:/]|\/dex(\/|$)/;

function trustsDex(o: KubeObject): boolean {
    const rules = isRecord(o.spec) && Array.isArray(o.spec.jwtRules) ? o.spec.jwtRules : [];
    return rules.some((r) => isRecord(r) && typeof r.issuer === "string" && DEX_URL.test(r.issuer));
}

/** Whether a value names dex: a path under /dex or a URL of the dex service. */
export function namesDex(value: unknown): boolean {
    if (typeof value === "string") {
        return DEX_PATH.test(value) || DEX_URL.test(value) || /^\^\/dex\//.test(value);
    }
    if (Array.isArray(value)) {
        return value.some(namesDex);
    }
    return isRecord(value) && Object.values(value).some(namesDex);
}
