/**
 * The oidc-authservice rewrite (Kubeflow 1.7/1.8, arrikto image): its parameters
 * ConfigMap pointed at Entra, its credentials from the component's Secret.
 */
import { KubeObject, Problem, formatProblems, objectKey } from "../types";
import { authorizeUrl, automationAudience, entraLogoutUrl, issuerUrl, redirectUri } from "./endpoints";
import { withoutDexPaths } from "./gateway-rules";
import { byKey, configMapData, setConfigMapData } from "./objects";
import { isOidcAuthserviceParameters, namesDex } from "./selection";
import {
    AuthBinding,
    AuthserviceSettings,
    EntraIds,
    OIDC_AUTHSERVICE_DEFAULT_PREFIX,
    OIDC_AUTHSERVICE_SCOPES,
    OIDC_AUTHSERVICE_SECRET_KEYS,
    RewrittenAuthservice,
    USERID_HEADER,
} from "./settings";
import { annotatePodTemplate, theWorkload } from "./workload";

/** Everything of the rewrite but the Entra ids (see `bindOidcAuthservice`); problems of the hand-over all at once. */
export function rewriteOidcAuthservice(objects: KubeObject[], s: AuthserviceSettings): RewrittenAuthservice {
    const problems: Problem[] = [];
    const { workload: sts, container } = theWorkload(objects, "StatefulSet", "oidc-authservice", "authservice StatefulSet", problems);
    const ns = sts?.metadata.namespace ?? "";
    const paramNames = (container?.envFrom ?? []).map((e) => e.configMapRef?.name).filter((n): n is string => n !== undefined);
    const params = objects.filter((o) => o.kind === "ConfigMap" && paramNames.includes(o.metadata.name) && o.metadata.namespace === ns);
    for (const name of paramNames) {
        if (!params.some((p) => p.metadata.name === name)) {
            problems.push({
                where: "oidc-authservice",
                value: `ConfigMap ${ns}/${name}`,
                rule: "every ConfigMap the StatefulSet's envFrom reads must be handed over",
            });
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
    // The credentials come from the component's Secret; the tenant's endpoints from the bind step.
    for (const key of ["CLIENT_ID", "CLIENT_SECRET", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", ...TENANT_KEYS]) {
        delete data[key];
    }
    Object.assign(data, {
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
    return {
        objects: [sts, ...params, ...objects.filter((o) => o.kind === "AuthorizationPolicy").map(withoutDexPaths)],
        secret: { name: s.secretName, namespace: ns, keys: { ...OIDC_AUTHSERVICE_SECRET_KEYS } },
        // The arrikto image has no other way to authenticate to the token endpoint.
        credential: { kind: "client-secret" },
        binding: { flavour: "oidc-authservice", workload: objectKey(sts), parameters: objectKey(main) },
    };
}

// The parameters that name the tenant.
const TENANT_KEYS = ["OIDC_PROVIDER", "OIDC_AUTH_URL", "AFTER_LOGOUT_URL"] as const;

/**
 * Puts the tenant's endpoints into objects rewritten by `rewriteOidcAuthservice`
 * (edited in place), then the digest of the parameters on the pods. The client id
 * reaches the image through the component's Secret.
 */
export function bindOidcAuthservice(
    objects: KubeObject[],
    binding: Extract<AuthBinding, { flavour: "oidc-authservice" }>,
    ids: EntraIds,
    s: AuthserviceSettings,
    podAnnotations: Readonly<Record<string, string>>,
): void {
    const parameters = byKey(objects, binding.parameters);
    const tenant: Record<(typeof TENANT_KEYS)[number], string> = {
        OIDC_PROVIDER: issuerUrl(ids.tenantId),
        OIDC_AUTH_URL: authorizeUrl(ids.tenantId),
        // The logout handler answers {"afterLogoutURL": AFTER_LOGOUT_URL}, which the
        // dashboard's logout button opens (arrikto e236439 server.go logout; kubeflow
        // centraldashboard logout-button.js v1.7.0/v1.8.0 _postLogout): Entra's sign-out.
        AFTER_LOGOUT_URL: entraLogoutUrl(ids.tenantId, s.hostname, "oidc-authservice"),
    };
    setConfigMapData(parameters, { ...configMapData(parameters), ...tenant });
    annotatePodTemplate(
        byKey(objects, binding.workload),
        podAnnotations,
        objects.filter((o) => o.kind === "ConfigMap"),
    );
}
