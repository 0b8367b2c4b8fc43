/**
 * The entry point of the rewrite: checks the settings and the hand-over, runs the
 * flavour's rewrite and makes sure no trace of dex remains.
 */
import { KubeObject, Problem, formatProblems, objectKey } from "../types";
import { configureOauth2Proxy } from "./oauth2-proxy";
import { configureOidcAuthservice } from "./oidc-authservice";
import { isAuthserviceObject } from "./selection";
import { AuthFlavour, ConfiguredAuthservice, EntraAuthSettings, supportedUserIdClaims } from "./settings";
import { isGuid, isHostName } from "../validators";


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
    if (!isGuid(s.tenantId)) {
        problems.push({ where: "tenantId", value: s.tenantId, rule: "must be a tenant GUID" });
    }
    if (!isGuid(s.clientId)) {
        problems.push({ where: "clientId", value: s.clientId, rule: "must be an application (client) GUID" });
    }
    if (!isHostName(s.hostname)) {
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
