/**
 * The entry points of the rewrite, in two steps: `rewriteAuthservice` does all the work
 * the known settings allow (once, in the plan), `bindEntraIds` puts in the ids that are
 * outputs (in the component, when they resolve). Each step's checks are exported for
 * callers that hold every value at once (the suites report both steps' problems together).
 */
import { KubeObject, Problem, formatProblems, objectKey } from "../types";
import { bindOauth2Proxy, rewriteOauth2Proxy } from "./oauth2-proxy";
import { bindOidcAuthservice, rewriteOidcAuthservice } from "./oidc-authservice";
import { isAuthserviceObject } from "./selection";
import { AuthFlavour, AuthserviceSettings, EntraIds, RewrittenAuthservice, supportedUserIdClaims } from "./settings";
import { isGuid, isHostName } from "../validators";

/**
 * Rewrites the handed-over objects for Entra ID, all but the ids. Returns what to
 * deploy (no Secret), the Secret the workload now reads, and where the ids go. Every
 * bad setting and every missing or unexpected object is reported at once.
 */
export function rewriteAuthservice(handed: readonly KubeObject[], flavour: AuthFlavour, settings: AuthserviceSettings): RewrittenAuthservice {
    throwProblems(authserviceSettingsProblems(settings, flavour));
    return rewriteChecked(handed, flavour, settings);
}

/**
 * A copy of the rewritten objects with the Entra ids in place and the digest of the
 * configuration on the pod template. Refuses ids that are no ids.
 */
export function bindEntraIds(
    rewritten: RewrittenAuthservice,
    ids: EntraIds,
    settings: AuthserviceSettings,
    podAnnotations: Readonly<Record<string, string>>,
): KubeObject[] {
    throwProblems(entraIdProblems(ids, rewritten.binding.flavour));
    return bindChecked(rewritten, ids, settings, podAnnotations);
}

function rewriteChecked(handed: readonly KubeObject[], flavour: AuthFlavour, settings: AuthserviceSettings): RewrittenAuthservice {
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
    const result = flavour === "oauth2-proxy" ? rewriteOauth2Proxy(objects, settings) : rewriteOidcAuthservice(objects, settings);
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

function bindChecked(
    rewritten: RewrittenAuthservice,
    ids: EntraIds,
    settings: AuthserviceSettings,
    podAnnotations: Readonly<Record<string, string>>,
): KubeObject[] {
    const objects = structuredClone(rewritten.objects);
    const binding = rewritten.binding;
    if (binding.flavour === "oauth2-proxy") {
        bindOauth2Proxy(objects, binding, ids, settings, podAnnotations);
    } else {
        bindOidcAuthservice(objects, binding, ids, settings, podAnnotations);
    }
    return objects;
}

function throwProblems(problems: readonly Problem[]): void {
    if (problems.length > 0) {
        throw new Error(formatProblems("invalid Entra authservice settings", problems));
    }
}

/** The problems of the ids the bind step receives. */
export function entraIdProblems(ids: EntraIds, flavour: AuthFlavour): Problem[] {
    const problems: Problem[] = [];
    if (!isGuid(ids.tenantId)) {
        problems.push({ where: "tenantId", value: ids.tenantId, rule: "must be a tenant GUID" });
    }
    if (!isGuid(ids.clientId)) {
        problems.push({ where: "clientId", value: ids.clientId, rule: "must be an application (client) GUID" });
    }
    if (ids.clusterIssuer !== undefined && flavour === "oidc-authservice") {
        problems.push({
            where: "clusterIssuer",
            value: ids.clusterIssuer,
            rule: "oidc-authservice has no gateway RequestAuthentication to trust it with; its own TokenReview authenticator accepts service account tokens",
        });
    } else if (ids.clusterIssuer !== undefined && !/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(ids.clusterIssuer)) {
        problems.push({ where: "clusterIssuer", value: ids.clusterIssuer, rule: "must be an https URL without query or fragment (the cluster's OIDC issuer)" });
    }
    return problems;
}

/** The problems of the settings the rewrite receives. */
export function authserviceSettingsProblems(s: AuthserviceSettings, flavour: AuthFlavour): Problem[] {
    const problems: Problem[] = [];
    if (!isHostName(s.hostname)) {
        problems.push({ where: "hostname", value: s.hostname, rule: "must be a lower-case DNS name without scheme, port or path" });
    }
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s.secretName) || s.secretName.length > 253) {
        problems.push({ where: "secretName", value: s.secretName, rule: "must be a Kubernetes object name" });
    }
    if (!supportedUserIdClaims(flavour).includes(s.userIdClaim)) {
        problems.push({
            where: "userIdClaim",
            value: JSON.stringify(s.userIdClaim),
            rule: `${flavour} can name the user by ${supportedUserIdClaims(flavour).join(" or ")} only`,
        });
    }
    for (const d of s.emailDomains ?? []) {
        if (d === "" || /[\s"]/.test(d)) {
            problems.push({ where: "emailDomains", value: JSON.stringify(d), rule: "must be a domain or *" });
        }
    }
    return problems;
}
