/**
 * The gateway's side of the sign-in: the RequestAuthentication that trusts Entra (and
 * the cluster's issuer for automation) instead of dex, and AuthorizationPolicies
 * without dex's exempt paths.
 */
import { isRecord } from "../kube";
import { KubeObject } from "../types";
import { automationAudience, clusterJwksUri, issuerUrl, jwksUri } from "./endpoints";
import { namesDex } from "./selection";
import { AuthserviceSettings, EntraIds, USERID_HEADER } from "./settings";

/**
 * The release's RequestAuthentication, renamed and emptied of its dex rule: the bind
 * step fills its JWT rules (`entraJwtRules`) once the ids are known.
 */
export function gatewayRequestAuthentication(ra: KubeObject): KubeObject {
    const spec = isRecord(ra.spec) ? ra.spec : {};
    // A new name: the dex one is not deployed at all, and no trace of dex may remain.
    const name = ra.metadata.name.replace(/dex/gi, "entra");
    return {
        apiVersion: ra.apiVersion,
        kind: ra.kind,
        metadata: { name: name === ra.metadata.name ? `entra-${name}` : name, namespace: ra.metadata.namespace },
        spec: {
            ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
            jwtRules: [],
        },
    };
}

/** The gateway's JWT rules: Entra's tokens for this app, and the cluster's service account tokens when an issuer is given. */
export function entraJwtRules(ids: EntraIds, s: Pick<AuthserviceSettings, "hostname" | "userIdClaim">): Record<string, unknown>[] {
    return [
        {
            issuer: issuerUrl(ids.tenantId),
            jwksUri: jwksUri(ids.tenantId),
            // Every app of the tenant shares the issuer: only tokens meant for this
            // app (ID tokens from oauth2-proxy, API tokens of the KFP SDK) count.
            audiences: [ids.clientId, `api://${ids.clientId}`],
            forwardOriginalToken: true,
            fromHeaders: [{ name: "Authorization", prefix: "Bearer " }],
            // The same claim as oauth2-proxy's oidc_email_claim: both sides agree on who the user is.
            outputClaimToHeaders: [{ header: USERID_HEADER, claim: s.userIdClaim }],
        },
        ...(ids.clusterIssuer !== undefined ? [clusterTokenRule(ids.clusterIssuer, s.hostname)] : []),
    ];
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

export function withoutDexPaths(ap: KubeObject): KubeObject {
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
