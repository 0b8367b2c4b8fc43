/**
 * Which Entra tokens the gateway accepts: a person's, through a client we know. The
 * RequestAuthentication checks issuer, signature and audience only, and every app of the
 * tenant shares the issuer: any service principal gets a client-credentials token for
 * `api://<clientId>/.default` (app-only), and any client a user consented to gets a
 * delegated one. This DENY policy, beside the RequestAuthentication on the gateway,
 * refuses both while browser sessions (oauth2-proxy's ID token) and the cluster's
 * service-account tokens for automation pass.
 *
 * Entra, read in the Microsoft identity platform's claims references
 * (learn.microsoft.com/entra/identity-platform/access-token-claims-reference,
 * id-token-claims-reference, optional-claims-reference):
 * - v2 access tokens carry `azp`, the client's application id; v2 ID tokens carry no
 *   `azp`, `scp` or `idtyp`;
 * - `scp` is "only included for user tokens";
 * - `idtyp`, an optional claim of the resource's access tokens, is `app` in app-only
 *   tokens, "the most accurate way ... to determine if a token is an app token or an
 *   app+user token" (the app registration asks for it: components/entra-app.ts).
 *
 * Istio, read in istio/istio at 1.22.1, 1.26.1 and 1.28.0 (the oauth2-proxy releases'
 * Istio; pilot/pkg/security/authz/model/model.go `rule.principal`, generator.go
 * `requestClaimGenerator`, matcher/string.go, matcher/metadata.go): `values: ["*"]`
 * becomes the regex `.+`, so an absent claim never matches it; `notValues` is the
 * negation, so an absent claim always matches it; `values` and `notValues` of one
 * condition, and the conditions of one rule, are ANDed; the rules of a policy are ORed.
 * Every rule therefore names the claim it needs as present, and ID tokens and
 * service-account tokens (no `azp`, another issuer) match none. The JWT filter runs
 * before RBAC (listener_builder.go), so the claims of oauth2-proxy's injected token are
 * there. Pure: no Pulumi.
 */
import { KubeObject } from "../types";
import { issuerUrl } from "./endpoints";
import { AZURE_CLI_APP_ID, EntraIds } from "./settings";

export const TOKEN_KINDS_POLICY = "entra-user-tokens-only";

const claim = (name: string): string => `request.auth.claims[${name}]`;

/** The DENY rules, one per kind of token refused; `ids` of this deployment's app. */
export function tokenKindRules(ids: Pick<EntraIds, "tenantId" | "clientId">): Record<string, unknown>[] {
    const fromEntra = { key: claim("iss"), values: [issuerUrl(ids.tenantId)] };
    return [
        // App-only, as Entra marks it.
        { when: [fromEntra, { key: claim("idtyp"), values: ["app"] }] },
        // App-only without relying on the optional claim: an access token (azp) without scopes.
        { when: [fromEntra, { key: claim("azp"), values: ["*"] }, { key: claim("scp"), notValues: ["*"] }] },
        // A delegated token of a client other than the Azure CLI or this app.
        { when: [fromEntra, { key: claim("azp"), values: ["*"], notValues: [AZURE_CLI_APP_ID, ids.clientId] }] },
    ];
}

/**
 * The policy, beside the gateway's RequestAuthentication (same namespace and workload
 * selector), with its rules empty until `bindTokenKinds` fills them from the ids.
 */
export function tokenKindsPolicy(requestAuthentication: KubeObject, apiVersion: string): KubeObject {
    const spec = (requestAuthentication.spec ?? {}) as Record<string, unknown>;
    return {
        apiVersion,
        kind: "AuthorizationPolicy",
        metadata: { name: TOKEN_KINDS_POLICY, namespace: requestAuthentication.metadata.namespace },
        spec: {
            ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
            action: "DENY",
            rules: [],
        },
    };
}

/** Fills the rules of the policy among `objects` (edited in place); throws when it is missing. */
export function bindTokenKinds(objects: KubeObject[], ids: Pick<EntraIds, "tenantId" | "clientId">): void {
    const policy = objects.find((o) => o.kind === "AuthorizationPolicy" && o.metadata.name === TOKEN_KINDS_POLICY);
    if (!policy) {
        throw new Error(`oauth2-proxy: no AuthorizationPolicy ${TOKEN_KINDS_POLICY} to fill: app-only tokens would pass the gateway`);
    }
    policy.spec = { ...(policy.spec as Record<string, unknown>), rules: tokenKindRules(ids) };
}
