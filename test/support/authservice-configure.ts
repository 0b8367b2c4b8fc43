/**
 * Both steps of the authservice rewrite at once, for the suites that hold every value:
 * `rewriteAuthservice` (the plan's step) and `bindEntraIds` (the component's), with
 * every problem of the settings and of the ids reported together.
 */
import {
    AuthFlavour,
    AuthserviceSettings,
    ConfiguredAuthservice,
    EntraIds,
    authserviceSettingsProblems,
    bindEntraIds,
    entraIdProblems,
    rewriteAuthservice,
} from "../../manifests/authservice";
import { KubeObject, formatProblems } from "../../manifests/types";

/** Every value of the rewrite at once. */
export interface EntraAuthSettings extends AuthserviceSettings, EntraIds {
    /** Put on the pod template, e.g. a checksum of the secret values, so a rotation rolls the pods. */
    readonly podAnnotations: Readonly<Record<string, string>>;
}

export function configureAuthservice(handed: readonly KubeObject[], flavour: AuthFlavour, settings: EntraAuthSettings): ConfiguredAuthservice {
    const problems = [...entraIdProblems(settings, flavour), ...authserviceSettingsProblems(settings, flavour)];
    if (problems.length > 0) {
        throw new Error(formatProblems("invalid Entra authservice settings", problems));
    }
    const rewritten = rewriteAuthservice(handed, flavour, settings);
    return { objects: bindEntraIds(rewritten, settings, settings, settings.podAnnotations), secret: rewritten.secret, credential: rewritten.credential };
}
