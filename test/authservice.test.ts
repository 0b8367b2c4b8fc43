import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { istioMatch } from "./support/istio-authz";
import {
    AZURE_CLI_APP_ID,
    AuthFlavour,
    CONFIG_CHECKSUM_ANNOTATION,
    GUNICORN_FIELD_LIMIT,
    OAUTH2_PROXY_EXTENSION_PROVIDER,
    TOKEN_EXCHANGE_AUDIENCE,
    allowSessionRefresh,
    automationAudience,
    entraLogoutUrl,
    defaultUserIdClaim,
    isAuthserviceObject,
    issuerUrl,
    mitigateLargeTokens,
    parseOauth2ProxyConfig,
    redirectUri,
    serializeOauth2ProxyConfig,
    serviceAccountSubject,
    sessionCookieName,
    supportsWorkloadIdentity,
} from "../manifests/authservice";
import { EntraAuthSettings, configureAuthservice } from "./support/authservice-configure";
import { effectiveSettings, meshExtensionProviders, validateAuthObjects } from "./support/authservice-readback";
import * as yaml from "js-yaml";
import { isRecord } from "../manifests/kube";
import { KubeObject, objectKey } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const TENANT = "00000000-0000-0000-0000-00000000cafe";
const CLIENT = "0c1f7a52-3e5b-4d8c-9a61-5b2f8d3e4c10";
const HOST = "kf.westeurope.cloudapp.azure.com";
const SETTINGS: EntraAuthSettings = {
    tenantId: TENANT,
    clientId: CLIENT,
    hostname: HOST,
    secretName: "authservice-entra",
    podAnnotations: { "kubeflow-azure/secret-checksum": "0123abcd" },
    userIdClaim: "preferred_username",
};
/** The settings with the flavour's default user claim (oidc-authservice can read email only). */
function settingsFor(flavour: AuthFlavour): EntraAuthSettings {
    return { ...SETTINGS, userIdClaim: defaultUserIdClaim(flavour) };
}
/** An AKS issuer URL as the cluster reports it (Microsoft, "Create an OpenID Connect provider on AKS"): with a trailing slash. */
const CLUSTER_ISSUER = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-00000000cafe/3f2c1e0a-9b8d-4c7e-a6f5-1d2e3c4b5a69/";

/** Istio's string match for principals: exact, `*`, `prefix*` or `*suffix` (security.istio.io AuthorizationPolicy, "Source"). */
const matches = istioMatch;

interface GatewayRequest {
    readonly principal?: string;
    readonly path: string;
    readonly authorization: boolean;
    /** The claims of the validated token, as the JWT filter leaves them for RBAC. */
    readonly claims?: Readonly<Record<string, string>>;
}

/**
 * A `when` condition as Istio 1.22 to 1.28 evaluates it (pilot/pkg/security/authz/model
 * model.go `rule.principal`, matcher/string.go, matcher/metadata.go): `values` ORed, AND
 * not any of `notValues`; an absent claim or header matches no value (`*` is the regex
 * `.+`) and so always satisfies `notValues`.
 */
function conditionHolds(c: { key: string; values?: string[]; notValues?: string[] }, req: GatewayRequest): boolean {
    const claim = /^request\.auth\.claims\[([^\]]+)\]$/.exec(c.key);
    assert.ok(claim || c.key === "request.headers[authorization]", `condition ${c.key} not modelled`);
    const value = claim ? req.claims?.[claim[1]] : req.authorization ? "Bearer x" : undefined;
    return (!c.values || c.values.some((v) => matches(v, value))) && (!c.notValues || !c.notValues.some((v) => matches(v, value)));
}

/**
 * What the gateway's policies do with a request, as Istio evaluates them (CUSTOM, then
 * DENY, then ALLOW; "Authorization Policy" concepts): only the fields the releases use.
 */
function istioVerdict(policies: readonly KubeObject[], req: GatewayRequest): "custom" | "deny" | "allow" | "no-allow" {
    const ruleMatches = (rule: Record<string, unknown>): boolean => {
        const from = (Array.isArray(rule.from) ? rule.from : []) as Array<{ source: Record<string, string[]> }>;
        const to = (Array.isArray(rule.to) ? rule.to : []) as Array<{ operation: Record<string, string[]> }>;
        const when = (Array.isArray(rule.when) ? rule.when : []) as Array<{ key: string; values?: string[]; notValues?: string[] }>;
        const fromOk =
            from.length === 0 ||
            from.some(
                ({ source }) =>
                    (!source.requestPrincipals || source.requestPrincipals.some((p) => matches(p, req.principal))) &&
                    (!source.notRequestPrincipals || !source.notRequestPrincipals.some((p) => matches(p, req.principal))),
            );
        const toOk =
            to.length === 0 ||
            to.some(
                ({ operation }) =>
                    (!operation.paths || operation.paths.some((p) => matches(p, req.path))) &&
                    (!operation.notPaths || !operation.notPaths.some((p) => matches(p, req.path))),
            );
        const whenOk = when.every((c) => conditionHolds(c, req));
        return fromOk && toOk && whenOk;
    };
    const gateway = policies.filter((p) => {
        const selector = (p.spec as Record<string, unknown>).selector;
        return selector === undefined || JSON.stringify(selector).includes("istio-ingressgateway");
    });
    const applies = (action: string): boolean =>
        gateway.some((p) => {
            const spec = p.spec as { action?: string; rules?: Array<Record<string, unknown>> };
            return (spec.action ?? "ALLOW") === action && (spec.rules ?? []).some(ruleMatches);
        });
    if (applies("CUSTOM")) {
        return "custom";
    }
    if (applies("DENY")) {
        return "deny";
    }
    return applies("ALLOW") ? "allow" : "no-allow";
}

/** The oauth2-proxy releases whose image redeems codes with the pods' service account token. */
const SECRETLESS = new Set(["26.03", "v1.11.0"]);

function flavourOf(release: string): AuthFlavour {
    return release === "v1.7.0" || release === "v1.8.1" ? "oidc-authservice" : "oauth2-proxy";
}

function containersOf(o: KubeObject): Array<Record<string, unknown>> {
    const spec = o.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } };
    return spec.template.spec.containers;
}

function envOf(o: KubeObject): Array<{ name: string; value?: string; valueFrom?: Record<string, unknown> }> {
    return containersOf(o).flatMap((c) =>
        Array.isArray(c.env) ? (c.env as Array<{ name: string; value?: string; valueFrom?: Record<string, unknown> }>) : [],
    );
}

/** Every string value in an object, with its path. */
function strings(value: unknown, path = ""): Array<[string, string]> {
    if (typeof value === "string") {
        return [[path, value]];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
    }
    return isRecord(value) ? Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`)) : [];
}

/** The credential values the release ships (decoded from its Secrets), which must not survive anywhere. */
function releaseCredentials(objs: readonly KubeObject[]): string[] {
    return objs
        .filter((o) => o.kind === "Secret" && isRecord(o.data))
        .flatMap((o) => Object.values(o.data as Record<string, string>).map((v) => Buffer.from(v, "base64").toString("utf8")))
        .filter((v) => v.length >= 8);
}

describe("Entra endpoints", () => {
    it("issuer and redirect URIs are absolute https URLs on the tenant and host", () => {
        assert.equal(issuerUrl(TENANT), `https://login.microsoftonline.com/${TENANT}/v2.0`);
        assert.equal(redirectUri("oauth2-proxy", HOST), `https://${HOST}/oauth2/callback`);
        // The arrikto image serves its callback at <AUTHSERVICE_URL_PREFIX>oidc/callback (not the v1.1 guide's /login/oidc).
        assert.equal(redirectUri("oidc-authservice", HOST), `https://${HOST}/authservice/oidc/callback`);
    });

    it("session cookie names", () => {
        assert.equal(sessionCookieName("oauth2-proxy"), "oauth2_proxy_kubeflow");
        assert.equal(sessionCookieName("oidc-authservice"), "authservice_session");
    });
});

describe("configureAuthservice on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        const flavour = flavourOf(release);
        describe(`${release} (${flavour})`, () => {
            const render = loadRender(release);
            const handed = render.filter((o) => isAuthserviceObject(o, flavour));
            const settings = settingsFor(flavour);
            const result = configureAuthservice(handed, flavour, settings);
            const eff = effectiveSettings(result.objects, flavour);
            const keys = handed.map(objectKey).sort();
            const secretless = SECRETLESS.has(release);

            it("selects exactly the release's authservice objects", () => {
                const expected =
                    flavour === "oauth2-proxy"
                        ? [
                              "/ConfigMap:oauth2-proxy/oauth2-proxy-hk55gm96k4",
                              "/ConfigMap:oauth2-proxy/oauth2-proxy-parameters-74659b6648",
                              "/Secret:oauth2-proxy/oauth2-proxy-h675gf55ht",
                              "apps/Deployment:oauth2-proxy/oauth2-proxy",
                              "security.istio.io/AuthorizationPolicy:istio-system/istio-ingressgateway-oauth2-proxy",
                              "security.istio.io/AuthorizationPolicy:istio-system/istio-ingressgateway-require-jwt",
                              "security.istio.io/RequestAuthentication:istio-system/dex-jwt",
                          ]
                        : [
                              "/ConfigMap:istio-system/oidc-authservice-parameters",
                              "/Secret:istio-system/oidc-authservice-client",
                              `apps/StatefulSet:istio-system/${release === "v1.7.0" ? "authservice" : "oidc-authservice"}`,
                          ];
                assert.deepEqual(keys, expected.sort());
            });

            it("leaves no object outside the selection that trusts or exempts dex for the authservice", () => {
                const rest = render.filter((o) => !isAuthserviceObject(o, flavour) && o.metadata.namespace !== "auth");
                const dexy = rest.filter((o) => /dex\.auth\.svc|"\/dex\/|"\^\/dex\//.test(JSON.stringify(o)));
                assert.deepEqual(dexy.map(objectKey), []);
            });

            it("uses the Entra issuer with OIDC discovery, and no dex endpoint", () => {
                assert.equal(eff.issuer, issuerUrl(TENANT));
                assert.equal(eff.discovery, true);
                for (const url of Object.values(eff.endpoints)) {
                    assert.match(url, new RegExp(`^https://login\\.microsoftonline\\.com/${TENANT}/`));
                }
                if (flavour === "oauth2-proxy") {
                    assert.deepEqual(eff.endpoints, {});
                } else {
                    assert.equal(eff.endpoints.OIDC_AUTH_URL, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`);
                }
            });

            it("asks for openid, profile and email, never groups, and no prompt=none", () => {
                for (const s of ["openid", "profile", "email"]) {
                    assert.ok(eff.scopes.includes(s), `scope ${s} in ${eff.scopes.join(" ")}`);
                }
                assert.ok(!eff.scopes.includes("groups"));
                assert.notEqual(eff.prompt, "none");
                if (flavour === "oidc-authservice") {
                    assert.deepEqual(eff.scopes, ["openid", "profile", "email"]);
                }
            });

            it("redirects to exactly redirectUri()", () => {
                assert.equal(eff.redirectUrl, redirectUri(flavour, HOST));
            });

            it("names the user in kubeflow-userid by the one configured claim, on the authservice and the gateway alike, without prefix", () => {
                assert.equal(eff.userIdHeader, "kubeflow-userid");
                assert.equal(eff.userIdClaim, settings.userIdClaim);
                assert.equal(eff.userIdPrefix, "");
                assert.equal(settings.userIdClaim, flavour === "oauth2-proxy" ? "preferred_username" : "email");
                if (flavour === "oauth2-proxy") {
                    // The session's user (oidc_email_claim) and the gateway's header come from the same claim.
                    const cfg = parseOauth2ProxyConfig(
                        (
                            result.objects.find((o) => o.kind === "ConfigMap" && isRecord(o.data) && "oauth2_proxy.cfg" in o.data)?.data as Record<
                                string,
                                string
                            >
                        )["oauth2_proxy.cfg"],
                    );
                    assert.equal(cfg.get("oidc_email_claim"), settings.userIdClaim);
                    assert.deepEqual(
                        eff.gatewayJwtRules.flatMap((r) => r.outputClaimToHeaders),
                        [{ header: "kubeflow-userid", claim: settings.userIdClaim }],
                    );
                    const withEmail = effectiveSettings(configureAuthservice(handed, flavour, { ...settings, userIdClaim: "email" }).objects, flavour);
                    assert.equal(withEmail.userIdClaim, "email");
                    assert.deepEqual(
                        withEmail.gatewayJwtRules.flatMap((r) => r.outputClaimToHeaders),
                        [{ header: "kubeflow-userid", claim: "email" }],
                    );
                }
            });

            it("reads every credential from the component's Secret", () => {
                assert.equal(result.secret.name, SETTINGS.secretName);
                const ns = result.objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")?.metadata.namespace;
                assert.equal(result.secret.namespace, ns);
                const read = { clientId: eff.credentials.clientId, clientSecret: eff.credentials.clientSecret, cookieSecret: eff.credentials.cookieSecret };
                for (const [name, key] of Object.entries(result.secret.keys)) {
                    const c = read[name as keyof typeof read];
                    assert.equal(c?.from, "secret", `${name}: ${JSON.stringify(c)}`);
                    if (c?.from === "secret") {
                        assert.equal(c.ref.secret, SETTINGS.secretName);
                        // envFrom reads the whole Secret; a keyed reference must name the advertised key.
                        assert.equal(c.ref.key ?? key, key);
                    }
                }
                const expected =
                    flavour === "oidc-authservice"
                        ? { clientId: "CLIENT_ID", clientSecret: "CLIENT_SECRET" }
                        : secretless
                          ? { clientId: "client-id", cookieSecret: "cookie-secret" }
                          : { clientId: "client-id", clientSecret: "client-secret", cookieSecret: "cookie-secret" };
                assert.deepEqual(result.secret.keys, expected);
            });

            it(secretless ? "redeems with the pods' service account token: no client secret anywhere" : "authenticates to Entra with the client secret", () => {
                if (!secretless) {
                    assert.deepEqual(result.credential, { kind: "client-secret" });
                    assert.equal(eff.federatedTokenAuth, false);
                    assert.equal(eff.credentials.clientSecret.from, "secret");
                    return;
                }
                // oauth2-proxy providers/ms_entra_id.go (v7.13.0, v7.14.3): entra-id with federated token auth.
                assert.equal(eff.provider, "entra-id");
                assert.equal(eff.federatedTokenAuth, true);
                assert.deepEqual(eff.credentials.clientSecret, { from: "missing" });
                assert.ok(!envOf(result.objects.find((o) => o.kind === "Deployment") as KubeObject).some((e) => e.name === "OAUTH2_PROXY_CLIENT_SECRET"));
                const sa = result.objects.find((o) => o.kind === "ServiceAccount");
                assert.ok(sa, "a service account for workload identity");
                assert.equal(sa.metadata.annotations?.["azure.workload.identity/client-id"], CLIENT);
                assert.equal(eff.serviceAccountName, sa.metadata.name);
                assert.equal(eff.podLabels["azure.workload.identity/use"], "true");
                assert.deepEqual(result.credential, { kind: "workload-identity", subject: serviceAccountSubject("oauth2-proxy", sa.metadata.name) });
                assert.equal(serviceAccountSubject("oauth2-proxy", sa.metadata.name), `system:serviceaccount:oauth2-proxy:${sa.metadata.name}`);
            });

            it("deploys no Secret and no credential literal", () => {
                assert.deepEqual(result.objects.filter((o) => o.kind === "Secret").map(objectKey), []);
                const secrets = releaseCredentials(render);
                assert.ok(secrets.length > 0, "the release ships default credentials to look for");
                for (const [path, value] of strings(result.objects)) {
                    for (const secret of secrets) {
                        assert.ok(!value.includes(secret), `release credential at ${path}`);
                    }
                }
                for (const o of result.objects.filter((x) => x.kind === "ConfigMap")) {
                    for (const key of Object.keys(o.data as Record<string, string>)) {
                        assert.doesNotMatch(key, /secret|client_id/i, `${objectKey(o)} ${key}`);
                    }
                    const cfg = (o.data as Record<string, string>)["oauth2_proxy.cfg"];
                    if (cfg !== undefined) {
                        const keysInCfg = [...parseOauth2ProxyConfig(cfg).keys()];
                        assert.deepEqual(
                            keysInCfg.filter((k) => /client_id|client_secret|cookie_secret/.test(k)),
                            [],
                        );
                    }
                }
                for (const e of result.objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet").flatMap(envOf)) {
                    if (/CLIENT_ID|CLIENT_SECRET|COOKIE_SECRET/.test(e.name)) {
                        assert.equal(e.value, undefined, `${e.name} is a literal`);
                        assert.ok(isRecord(e.valueFrom?.secretKeyRef), `${e.name} reads a Secret`);
                    }
                }
            });

            it("puts the given pod annotations and a config checksum on the pod template", () => {
                assert.equal(eff.podAnnotations["kubeflow-azure/secret-checksum"], "0123abcd");
                assert.match(eff.podAnnotations[CONFIG_CHECKSUM_ANNOTATION] ?? "", /^[0-9a-f]{32}$/);
                const other = configureAuthservice(handed, flavour, { ...settings, hostname: "kf2.westeurope.cloudapp.azure.com" });
                assert.notEqual(
                    effectiveSettings(other.objects, flavour).podAnnotations[CONFIG_CHECKSUM_ANNOTATION],
                    eff.podAnnotations[CONFIG_CHECKSUM_ANNOTATION],
                );
            });

            it("leaves nothing of dex in the returned objects", () => {
                assert.ok(!JSON.stringify(result.objects).toLowerCase().includes("dex"));
                assert.deepEqual(
                    eff.skipAuthRoutes.filter((r) => r.includes("dex")),
                    [],
                );
                assert.deepEqual(
                    eff.exemptPaths.filter((p) => p.includes("dex")),
                    [],
                );
            });

            it("returns objects that match their schemas", async () => {
                await validateAuthObjects(result.objects);
            });

            it("does not change the handed objects", () => {
                assert.deepEqual(
                    handed,
                    render.filter((o) => isAuthserviceObject(o, flavour)),
                );
            });

            if (flavour === "oauth2-proxy") {
                it("sets secure cookies and keeps the release's cookie name, expiry and api routes", () => {
                    const release = effectiveSettings(handed, flavour);
                    assert.equal(release.cookieSecure, false, "the release serves plain HTTP by default");
                    assert.equal(eff.cookieSecure, true);
                    assert.equal(eff.cookieName, release.cookieName);
                    assert.equal(eff.cookieName, sessionCookieName(flavour, handed));
                    assert.equal(eff.cookieExpire, release.cookieExpire);
                    assert.deepEqual(eff.apiRoutes, release.apiRoutes);
                    assert.ok(eff.apiRoutes.length > 0);
                    // Entra ID tokens live an hour; the gateway rejects an expired one, so the session refreshes sooner.
                    assert.ok(eff.scopes.includes("offline_access"));
                    assert.match(eff.cookieRefresh ?? "", /^([1-5]?\d)m$/);
                });

                it("verifies Entra's TLS and does not need the unverified-email override", () => {
                    assert.equal(eff.tlsVerify, true);
                    assert.equal(eff.allowUnverifiedEmail, false);
                });

                it("keeps no oauth2-proxy bearer settings: bearer requests never reach it (the CUSTOM policy skips them)", () => {
                    assert.equal(effectiveSettings(handed, flavour).bearerTokens.enabled, true, "the release turns them on");
                    assert.equal(eff.bearerTokens.enabled, false);
                    assert.deepEqual(eff.bearerTokens.extraIssuers, []);
                    const custom = result.objects.find((o) => o.kind === "AuthorizationPolicy" && (o.spec as Record<string, unknown>).action === "CUSTOM");
                    assert.ok(custom);
                    assert.match(JSON.stringify(custom.spec), /"key":"request\.headers\[authorization\]","notValues":\["\*"\]/);
                    assert.equal(((custom.spec as Record<string, unknown>).provider as Record<string, unknown>).name, OAUTH2_PROXY_EXTENSION_PROVIDER);
                });

                it("has the gateway trust the Entra issuer for this app, forward the token and map the user claim", () => {
                    assert.deepEqual(eff.gatewayJwtRules, [
                        {
                            issuer: issuerUrl(TENANT),
                            jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
                            audiences: [CLIENT, `api://${CLIENT}`],
                            forwardOriginalToken: true,
                            outputClaimToHeaders: [{ header: "kubeflow-userid", claim: "preferred_username" }],
                        },
                    ]);
                    const ra = result.objects.find((o) => o.kind === "RequestAuthentication");
                    assert.equal(ra?.metadata.namespace, "istio-system");
                    assert.deepEqual((ra?.spec as Record<string, unknown>).selector, { matchLabels: { app: "istio-ingressgateway" } });
                });

                it("has the gateway trust the cluster's service account issuer (upstream istio-m2m) for the site's audience, mapping sub to kubeflow-userid", () => {
                    const withCluster = configureAuthservice(handed, flavour, { ...settings, clusterIssuer: CLUSTER_ISSUER });
                    const rules = effectiveSettings(withCluster.objects, flavour).gatewayJwtRules;
                    assert.deepEqual(
                        rules.map((r) => r.issuer),
                        [issuerUrl(TENANT), CLUSTER_ISSUER],
                    );
                    assert.deepEqual(rules[1], {
                        issuer: CLUSTER_ISSUER,
                        // AKS serves the keys under the issuer URL, which ends in "/".
                        jwksUri: `${CLUSTER_ISSUER}openid/v1/jwks`,
                        audiences: [`https://${HOST}`],
                        forwardOriginalToken: true,
                        outputClaimToHeaders: [{ header: "kubeflow-userid", claim: "sub" }],
                    });
                    assert.equal(automationAudience(HOST), `https://${HOST}`);
                    // The user claim of the people is untouched by the service account rule.
                    assert.deepEqual(rules[0].outputClaimToHeaders, [{ header: "kubeflow-userid", claim: "preferred_username" }]);
                    const ra = withCluster.objects.find((o) => o.kind === "RequestAuthentication");
                    const jwtRules = (ra?.spec as { jwtRules: Array<Record<string, unknown>> }).jwtRules;
                    assert.deepEqual(jwtRules[1].fromHeaders, [{ name: "Authorization", prefix: "Bearer " }]);
                });

                /**
                 * The gateway's policies with the cluster's issuer trusted: the release's other
                 * gateway policies (the ALLOW-all one) stay with the platform.
                 */
                const gatewayPolicies = (): KubeObject[] => [
                    ...render.filter((o) => o.kind === "AuthorizationPolicy" && o.metadata.namespace === "istio-system" && !isAuthserviceObject(o, flavour)),
                    ...configureAuthservice(handed, flavour, { ...settings, clusterIssuer: CLUSTER_ISSUER }).objects.filter(
                        (o) => o.kind === "AuthorizationPolicy",
                    ),
                ];

                it("lets a service account token through the release's AuthorizationPolicies, to the same paths as an Entra token", () => {
                    const policies = gatewayPolicies();
                    const robot = {
                        principal: `${CLUSTER_ISSUER}/${serviceAccountSubject("team-a", "ci")}`,
                        path: "/pipeline/apis/v2beta1/runs",
                        authorization: true,
                    };
                    const person = { ...robot, principal: `${issuerUrl(TENANT)}/some-oid` };
                    const nobody = { ...robot, principal: undefined, authorization: false };
                    assert.deepEqual(istioVerdict(policies, robot), "allow");
                    assert.deepEqual(istioVerdict(policies, person), "allow");
                    // Without a principal the request goes to oauth2-proxy (CUSTOM) or is denied: the check can fail.
                    assert.notEqual(istioVerdict(policies, nobody), "allow");
                });

                it("refuses app-only tokens and other clients' tokens at the gateway; ID tokens, Azure CLI tokens and service account tokens pass", () => {
                    const policies = gatewayPolicies();
                    const entra = issuerUrl(TENANT);
                    const at = (claims: Record<string, string>): GatewayRequest => ({
                        principal: `${claims.iss}/${claims.sub}`,
                        path: "/ml_metadata/ml_metadata.MetadataStoreService/GetContexts",
                        authorization: true,
                        claims,
                    });
                    const FOREIGN = "9d3c2b1a-0000-4000-8000-0123456789ab";
                    const verdicts = {
                        // oauth2-proxy's injected ID token: no azp, scp or idtyp.
                        idToken: at({ iss: entra, sub: "u", aud: CLIENT, oid: "u", preferred_username: "ada@contoso.com" }),
                        // KFP SDK: az account get-access-token --resource api://<clientId>.
                        cliToken: at({ iss: entra, sub: "u", aud: CLIENT, azp: AZURE_CLI_APP_ID, scp: "user_impersonation" }),
                        // The app's own delegated token.
                        ownDelegated: at({ iss: entra, sub: "u", aud: CLIENT, azp: CLIENT, scp: "user_impersonation" }),
                        serviceAccount: at({ iss: CLUSTER_ISSUER, sub: serviceAccountSubject("team-a", "ci"), aud: `https://${HOST}` }),
                        // Client credentials of any service principal of the tenant.
                        appOnly: at({ iss: entra, sub: FOREIGN, aud: CLIENT, azp: FOREIGN, idtyp: "app", roles: "x" }),
                        // The same without the optional claim (an app registration edited by hand).
                        appOnlyNoIdtyp: at({ iss: entra, sub: FOREIGN, aud: CLIENT, azp: FOREIGN }),
                        // The app's own client credentials.
                        ownAppOnly: at({ iss: entra, sub: "sp", aud: CLIENT, azp: CLIENT, idtyp: "app" }),
                        // A delegated token of another client a user consented to.
                        otherClient: at({ iss: entra, sub: "u", aud: CLIENT, azp: FOREIGN, scp: "user_impersonation" }),
                    };
                    assert.deepEqual(Object.fromEntries(Object.entries(verdicts).map(([k, req]) => [k, istioVerdict(policies, req)])), {
                        idToken: "allow",
                        cliToken: "allow",
                        ownDelegated: "allow",
                        serviceAccount: "allow",
                        appOnly: "deny",
                        appOnlyNoIdtyp: "deny",
                        ownAppOnly: "deny",
                        otherClient: "deny",
                    });
                });

                it("redirects to no other host (no whitelist_domains), and its cookies are Secure and SameSite=Lax", () => {
                    const cfgMap = result.objects.find((o) => o.kind === "ConfigMap" && isRecord(o.data) && "oauth2_proxy.cfg" in o.data);
                    const cfg = parseOauth2ProxyConfig((cfgMap?.data as Record<string, string>)["oauth2_proxy.cfg"]);
                    assert.equal(cfg.get("whitelist_domains"), undefined);
                    assert.equal(cfg.get("cookie_secure"), true);
                    assert.equal(cfg.get("cookie_samesite"), "lax");
                });

                it("keeps requiring a JWT everywhere but the oauth2 routes", () => {
                    assert.deepEqual(eff.exemptPaths, ["/oauth2/*"]);
                    const deny = result.objects.find((o) => o.kind === "AuthorizationPolicy" && (o.spec as Record<string, unknown>).action === "DENY");
                    assert.ok(deny, "the require-jwt policy is deployed");
                    assert.match(JSON.stringify(deny.spec), /"notRequestPrincipals":\["\*"\]/);
                });
            } else {
                it("skips authentication only under the authservice's own prefix", () => {
                    assert.deepEqual(eff.skipAuthRoutes, ["/authservice/"]);
                });

                it("after logout sends the browser to Entra's sign-out, which returns to the host, and reviews service account tokens for the site's audience", () => {
                    const p = result.objects.find((o) => o.kind === "ConfigMap" && isRecord(o.data) && "OIDC_PROVIDER" in o.data);
                    const data = p?.data as Record<string, string>;
                    assert.equal(data.AFTER_LOGOUT_URL, entraLogoutUrl(TENANT, HOST, "oidc-authservice"));
                    assert.equal(new URL(data.AFTER_LOGOUT_URL).searchParams.get("post_logout_redirect_uri"), `https://${HOST}/`);
                    assert.equal(data.AUDIENCES, `https://${HOST}`);
                });

                it("refuses a cluster issuer: no gateway RequestAuthentication exists to trust it", () => {
                    assert.throws(
                        () => configureAuthservice(handed, flavour, { ...settings, clusterIssuer: CLUSTER_ISSUER }),
                        /clusterIssuer: https:.*TokenReview/,
                    );
                });
            }
        });
    }
});

describe("allowSessionRefresh on the real renders", { skip: skipWithoutRenders() }, () => {
    const mesh = (objects: readonly KubeObject[]): unknown => {
        const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.namespace === "istio-system" && o.metadata.name === "istio");
        return yaml.load((cm?.data as Record<string, string>).mesh, { schema: yaml.JSON_SCHEMA });
    };
    for (const release of availableRenders()) {
        const flavour = flavourOf(release);
        it(`${release}: ${flavour === "oauth2-proxy" ? "lets the refreshed session cookie reach the browser on an allowed check, and changes nothing else" : "changes nothing (no ext-authz provider in the mesh)"}`, () => {
            const render = loadRender(release);
            const out = allowSessionRefresh(render, flavour);
            assert.equal(out.length, render.length);
            const changed = out.filter((o, i) => o !== render[i]);
            if (flavour === "oidc-authservice") {
                assert.deepEqual(changed, []);
                return;
            }
            assert.deepEqual(changed.map(objectKey), ["/ConfigMap:istio-system/istio"]);
            const before = meshExtensionProviders(render).find((p) => p.name === OAUTH2_PROXY_EXTENSION_PROVIDER);
            const after = meshExtensionProviders(out).find((p) => p.name === OAUTH2_PROXY_EXTENSION_PROVIDER);
            const onAllow = (p: Record<string, unknown> | undefined): unknown =>
                (p?.envoyExtAuthzHttp as Record<string, unknown> | undefined)?.headersToDownstreamOnAllow;
            assert.equal(onAllow(before), undefined, "the release drops Set-Cookie on allow");
            assert.deepEqual(onAllow(after), ["set-cookie"]);
            // Everything else in the mesh config stays as the release ships it.
            const expected = structuredClone(mesh(render)) as { extensionProviders: Array<{ name: string; envoyExtAuthzHttp: Record<string, unknown> }> };
            const provider = expected.extensionProviders.find((p) => p.name === OAUTH2_PROXY_EXTENSION_PROVIDER);
            assert.ok(provider);
            provider.envoyExtAuthzHttp.headersToDownstreamOnAllow = ["set-cookie"];
            assert.deepEqual(mesh(out), expected);
            const cm = out.find((o) => o.metadata.name === "istio" && o.kind === "ConfigMap") as KubeObject;
            const original = render.find((o) => o.metadata.name === "istio" && o.kind === "ConfigMap") as KubeObject;
            assert.deepEqual({ ...cm, data: undefined }, { ...original, data: undefined });
            assert.deepEqual(Object.keys(cm.data as object), Object.keys(original.data as object));
            assert.deepEqual(
                allowSessionRefresh(out, flavour).map((o) => JSON.stringify(o)),
                out.map((o) => JSON.stringify(o)),
                "idempotent",
            );
        });
    }

    it("refuses an oauth2-proxy render whose mesh config has no oauth2-proxy provider", () => {
        const render = loadRender(availableRenders().find((r) => flavourOf(r) === "oauth2-proxy") as string).filter(
            (o) => !(o.kind === "ConfigMap" && o.metadata.name === "istio"),
        );
        assert.throws(() => allowSessionRefresh(render, "oauth2-proxy"), /istio-system\/istio .*oauth2-proxy/);
    });
});

describe("mitigateLargeTokens on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        it(`${release}: raises gunicorn's header limit and keeps the cookie from metadata-grpc`, () => {
            const render = loadRender(release);
            const out = mitigateLargeTokens(render);
            assert.equal(out.length, render.length);
            const webApps = out.filter((o) => o.kind === "Deployment" && containersOf(o).some((c) => /-web-app$/.test(String(c.name))));
            assert.ok(webApps.length >= 4, webApps.map(objectKey).join(", "));
            for (const o of webApps) {
                const args = envOf(o).find((e) => e.name === "GUNICORN_CMD_ARGS")?.value ?? "";
                assert.match(args, new RegExp(`--limit-request-field_size ${GUNICORN_FIELD_LIMIT}`), objectKey(o));
                assert.equal(args.match(/limit-request-field/g)?.length, 1, `one flag in ${objectKey(o)}: ${args}`);
            }
            const vs = out.find((o) => o.kind === "VirtualService" && o.metadata.name === "metadata-grpc");
            assert.ok(vs, "metadata-grpc route present");
            for (const route of (vs.spec as { http: Array<{ headers?: { request?: { remove?: string[] } } }> }).http) {
                assert.deepEqual(route.headers?.request?.remove, ["Cookie"]);
            }
            assert.deepEqual(mitigateLargeTokens(out), out, "idempotent");
            const untouched = render.filter((o) => !(o.kind === "Deployment" || o.kind === "VirtualService"));
            assert.ok(
                untouched.every((o) => out.includes(o)),
                "other objects are returned as they are",
            );
        });
    }
});

describe("mitigateLargeTokens on fixtures", () => {
    const webApp = (env?: Array<{ name: string; value: string }>): KubeObject => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "jupyter-web-app-deployment", namespace: "kubeflow" },
        spec: { selector: {}, template: { spec: { containers: [{ name: "jupyter-web-app", image: "x", ...(env ? { env } : {}) }] } } },
    });
    const args = (o: KubeObject): string | undefined => envOf(o).find((e) => e.name === "GUNICORN_CMD_ARGS")?.value;

    it("keeps other gunicorn arguments and raises a lower limit", () => {
        assert.equal(
            args(mitigateLargeTokens([webApp([{ name: "GUNICORN_CMD_ARGS", value: "--workers 2 --limit-request-field_size 8190" }])])[0]),
            `--workers 2 --limit-request-field_size ${GUNICORN_FIELD_LIMIT}`,
        );
        assert.equal(
            args(mitigateLargeTokens([webApp([{ name: "GUNICORN_CMD_ARGS", value: "--workers 2" }])])[0]),
            `--workers 2 --limit-request-field_size ${GUNICORN_FIELD_LIMIT}`,
        );
        assert.equal(
            args(mitigateLargeTokens([webApp([{ name: "GUNICORN_CMD_ARGS", value: "--limit-request-field_size 65000" }])])[0]),
            "--limit-request-field_size 65000",
        );
        assert.equal(args(mitigateLargeTokens([webApp()])[0]), `--limit-request-field_size ${GUNICORN_FIELD_LIMIT}`);
    });

    it("leaves non-gunicorn workloads alone", () => {
        const ui: KubeObject = { ...webApp(), metadata: { name: "ml-pipeline-ui", namespace: "kubeflow" } };
        (ui.spec as { template: { spec: { containers: Array<{ name: string }> } } }).template.spec.containers[0].name = "ml-pipeline-ui";
        assert.equal(mitigateLargeTokens([ui])[0], ui);
    });
});

describe("configureAuthservice on fixtures", () => {
    const oauth2Deployment = (): KubeObject => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "oauth2-proxy", namespace: "oauth2-proxy" },
        spec: {
            selector: { matchLabels: { app: "oauth2-proxy" } },
            template: {
                metadata: { labels: { app: "oauth2-proxy" } },
                spec: {
                    containers: [
                        {
                            name: "oauth2-proxy",
                            image: "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
                            args: ["--config=/etc/oauth2_proxy/oauth2_proxy.cfg"],
                            env: [
                                { name: "OAUTH2_PROXY_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: "old", key: "client-secret" } } },
                                { name: "OAUTH2_PROXY_COOKIE_SECURE", valueFrom: { configMapKeyRef: { name: "params", key: "FORCE_HTTPS" } } },
                            ],
                            volumeMounts: [{ name: "cfg", mountPath: "/etc/oauth2_proxy/oauth2_proxy.cfg", subPath: "oauth2_proxy.cfg" }],
                        },
                    ],
                    volumes: [{ name: "cfg", configMap: { name: "oauth2-proxy-cfg" } }],
                },
            },
        },
    });
    const cfgMap = (cfg: string): KubeObject => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "oauth2-proxy-cfg", namespace: "oauth2-proxy" },
        data: { "oauth2_proxy.cfg": cfg },
    });
    const params: KubeObject = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "params", namespace: "oauth2-proxy" },
        data: { FORCE_HTTPS: "false", EXTRA_JWT_ISSUERS: "" },
    };
    const dexJwt: KubeObject = {
        apiVersion: "security.istio.io/v1beta1",
        kind: "RequestAuthentication",
        metadata: { name: "dex-jwt", namespace: "istio-system" },
        spec: { jwtRules: [{ issuer: "http://dex.auth.svc.cluster.local:5556/dex" }] },
    };
    const releaseCfg =
        'provider = "oidc"\nprompt = "none"\nscope = "openid groups"\nskip_auth_routes = [ "^/dex/", "^/healthz$" ]\nlogin_url = "/dex/auth"\ncookie_secret = "literal"\n';

    it("names every missing object at once", () => {
        assert.throws(
            () => configureAuthservice([oauth2Deployment()], "oauth2-proxy", SETTINGS),
            (err: Error) => {
                assert.match(err.message, /oauth2_proxy\.cfg.*must be handed over/);
                assert.match(err.message, /ConfigMap oauth2-proxy\/oauth2-proxy-cfg/);
                assert.match(err.message, /ConfigMap oauth2-proxy\/params/);
                assert.match(err.message, /RequestAuthentication/);
                return true;
            },
        );
        assert.throws(() => configureAuthservice([], "oauth2-proxy", SETTINGS), /0 Deployment\(s\)/);
        assert.throws(() => configureAuthservice([], "oidc-authservice", settingsFor("oidc-authservice")), /0 StatefulSet\(s\)/);
    });

    it("refuses objects it does not own", () => {
        const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "oauth2-proxy", namespace: "oauth2-proxy" } };
        assert.throws(
            () => configureAuthservice([oauth2Deployment(), cfgMap(releaseCfg), params, dexJwt, svc], "oauth2-proxy", SETTINGS),
            /\/Service:oauth2-proxy\/oauth2-proxy/,
        );
    });

    it("rejects bad settings, naming each", () => {
        assert.throws(
            () => configureAuthservice([], "oauth2-proxy", { ...SETTINGS, tenantId: "contoso", hostname: "https://kf.example.com/", secretName: "Bad_Name" }),
            (err: Error) => /tenantId/.test(err.message) && /hostname/.test(err.message) && /secretName/.test(err.message),
        );
    });

    it("drops dex routes, literal secrets and prompt=none, keeps other routes, and honours email domains", () => {
        const out = configureAuthservice([oauth2Deployment(), cfgMap(releaseCfg), params, dexJwt], "oauth2-proxy", {
            ...SETTINGS,
            emailDomains: ["contoso.com"],
        });
        const eff = effectiveSettings(out.objects, "oauth2-proxy");
        assert.deepEqual(eff.skipAuthRoutes, ["^/healthz$"]);
        assert.equal(eff.prompt, undefined);
        assert.deepEqual(eff.endpoints, {});
        assert.equal(eff.credentials.cookieSecret?.from, "secret");
        assert.equal(eff.cookieName, "oauth2_proxy_kubeflow");
        const cfg = parseOauth2ProxyConfig((out.objects[1].data as Record<string, string>)["oauth2_proxy.cfg"]);
        assert.deepEqual(cfg.get("email_domains"), ["contoso.com"]);
        assert.equal(cfg.has("cookie_secret"), false);
        assert.equal(envOf(out.objects[0]).filter((e) => e.name === "OAUTH2_PROXY_CLIENT_SECRET").length, 1);
    });

    it("the read-back reports a literal credential and the dex endpoints of an unconfigured release", () => {
        const eff = effectiveSettings([oauth2Deployment(), cfgMap(releaseCfg), params], "oauth2-proxy");
        assert.deepEqual(eff.credentials.cookieSecret, { from: "literal", where: "/ConfigMap:oauth2-proxy/oauth2-proxy-cfg oauth2_proxy.cfg" });
        assert.deepEqual(eff.credentials.clientId, { from: "missing" });
        assert.equal(eff.endpoints.login_url, "/dex/auth");
        assert.equal(eff.prompt, "none");
        assert.equal(eff.cookieSecure, false);
    });

    it("refuses an oidc-authservice prefix that would move the callback", () => {
        const sts: KubeObject = {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "authservice", namespace: "istio-system" },
            spec: {
                selector: {},
                serviceName: "authservice",
                template: {
                    spec: {
                        containers: [
                            { name: "authservice", image: "gcr.io/arrikto/kubeflow/oidc-authservice:e236439", envFrom: [{ configMapRef: { name: "p" } }] },
                        ],
                    },
                },
            },
        };
        const p: KubeObject = {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "p", namespace: "istio-system" },
            data: { OIDC_PROVIDER: "x", AUTHSERVICE_URL_PREFIX: "/auth/" },
        };
        assert.throws(() => configureAuthservice([sts, p], "oidc-authservice", settingsFor("oidc-authservice")), /AUTHSERVICE_URL_PREFIX is "\/auth\/"/);
        const missing = { ...p, metadata: { name: "other", namespace: "istio-system" } };
        assert.throws(() => configureAuthservice([sts, missing], "oidc-authservice", settingsFor("oidc-authservice")), /ConfigMap istio-system\/p/);
        // Its userinfo-only claims have no preferred_username.
        assert.throws(() => configureAuthservice([sts, p], "oidc-authservice", SETTINGS), /userIdClaim: "preferred_username".*email only/);
    });

    it("uses workload identity from oauth2-proxy v7.8.0 on, a client secret before", () => {
        assert.equal(supportsWorkloadIdentity("quay.io/oauth2-proxy/oauth2-proxy:v7.14.3"), true);
        assert.equal(supportsWorkloadIdentity("quay.io/oauth2-proxy/oauth2-proxy:v7.8.0"), true);
        assert.equal(supportsWorkloadIdentity("quay.io/oauth2-proxy/oauth2-proxy:v8.0.0"), true);
        assert.equal(supportsWorkloadIdentity("quay.io/oauth2-proxy/oauth2-proxy:v7.7.1"), false);
        assert.equal(supportsWorkloadIdentity("quay.io/oauth2-proxy/oauth2-proxy:v7.6.0"), false);
        assert.equal(supportsWorkloadIdentity("quay.io/oauth2-proxy/oauth2-proxy@sha256:0123"), false, "an unversioned image keeps the secret");
        const secretful = configureAuthservice([oauth2Deployment(), cfgMap(releaseCfg), params, dexJwt], "oauth2-proxy", SETTINGS);
        assert.deepEqual(secretful.credential, { kind: "client-secret" });
        const newer = oauth2Deployment();
        (newer.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image =
            "quay.io/oauth2-proxy/oauth2-proxy:v7.13.0";
        const federated = configureAuthservice([newer, cfgMap(releaseCfg), params, dexJwt], "oauth2-proxy", SETTINGS);
        assert.equal(federated.credential.kind, "workload-identity");
        assert.equal(federated.secret.keys.clientSecret, undefined);
        assert.equal(TOKEN_EXCHANGE_AUDIENCE, "api://AzureADTokenExchange");
    });
});

describe("oauth2_proxy.cfg parsing", () => {
    it("reads strings, booleans, numbers and multi-line lists with comments and trailing commas", () => {
        const cfg = parseOauth2ProxyConfig('# c\na = "x # not a comment"\nb = true\nc = 0\nd = [\n  "p", # one\n  "q",\n]\ne = \'lit\'\n');
        assert.deepEqual(
            [...cfg],
            [
                ["a", "x # not a comment"],
                ["b", true],
                ["c", 0],
                ["d", ["p", "q"]],
                ["e", "lit"],
            ],
        );
        assert.deepEqual([...parseOauth2ProxyConfig(serializeOauth2ProxyConfig(cfg))], [...cfg]);
    });

    it("names the line of what it cannot read", () => {
        assert.throws(() => parseOauth2ProxyConfig('a = "x"\nb = {x = 1}\n'), /line 2/);
        assert.throws(() => parseOauth2ProxyConfig('a = "unterminated\n'), /line 1: unterminated string/);
    });
});
