/**
 * The release's authservice, rewritten for Microsoft Entra ID. Pure functions over
 * plain objects: `planAuthservice` rewrites the release's objects once, before any
 * resource; the Authservice component binds the Entra ids into them
 * (`bindAuthservice`), deploys them, and creates the credential Secret itself, with
 * Pulumi secret values.
 *
 * Two flavours exist in the supported releases:
 * - oauth2-proxy (Kubeflow >= 1.9): an Istio ext-authz provider; it signs the user in
 *   and hands the ID token to the gateway, whose RequestAuthentication turns the
 *   configured user claim into `kubeflow-userid`.
 * - oidc-authservice (Kubeflow 1.7/1.8, arrikto image): an Envoy ext-authz filter that
 *   keeps its own session and sets `kubeflow-userid` itself.
 */
export {
    AuthBinding,
    AuthCredential,
    AuthFlavour,
    AuthSecretRef,
    AZURE_CLI_APP_ID,
    CONFIG_CHECKSUM_ANNOTATION,
    ConfiguredAuthservice,
    ENTRA_LOGIN_HOST,
    AuthserviceSettings,
    EntraIds,
    OAUTH2_PROXY_EXTENSION_PROVIDER,
    OAUTH2_PROXY_SERVICE_ACCOUNT,
    RewrittenAuthservice,
    TOKEN_EXCHANGE_AUDIENCE,
    USERID_HEADER,
    USER_ID_CLAIMS,
    UserIdClaim,
    WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
    WORKLOAD_IDENTITY_USE_LABEL,
    defaultUserIdClaim,
    supportedUserIdClaims,
} from "./settings";
export {
    OAUTH2_PROXY_SIGN_OUT,
    authorizeUrl,
    automationAudience,
    clusterJwksUri,
    dashboardLogoutUrl,
    entraLogoutUrl,
    issuerUrl,
    jwksUri,
    postLogoutRedirectUri,
    redirectUri,
    sessionCookieName,
} from "./endpoints";
export { isAuthserviceObject } from "./selection";
export { TOKEN_KINDS_POLICY, tokenKindRules } from "./token-kinds";
export { authserviceSettingsProblems, bindEntraIds, entraIdProblems, rewriteAuthservice } from "./configure";
export { ACME_EXEMPT_ANNOTATION, AuthPlan, AuthPlanInput, bindAuthservice, planAuthservice } from "./plan";
export { serviceAccountSubject, supportsWorkloadIdentity } from "./oauth2-proxy";
export { GUNICORN_FIELD_LIMIT, mitigateLargeTokens } from "./large-tokens";
export { MESH_CONFIG_NAME, MESH_CONFIG_NAMESPACE, allowSessionRefresh } from "./session-refresh";
export { CfgScalar, CfgValue, parseOauth2ProxyConfig, serializeOauth2ProxyConfig } from "./cfg";
