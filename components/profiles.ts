import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as k8s from "@pulumi/kubernetes";
import { versionAliases } from "./version-aliases";
import { toYamlText } from "../manifests/parse";
import { ProfilesPlan } from "../manifests/profiles";

export interface ProfilesArgs {
    /** The Profiles and the objects in their namespaces (manifests/profiles.ts planProfiles). */
    readonly plan: ProfilesPlan;
    /** The cluster's provider; nothing here uses another. */
    readonly provider: k8s.Provider;
    /** The platform's resources: the Profile CRD and a Ready profile controller come first. */
    readonly after: readonly pulumi.Resource[];
}

/**
 * Fixed prefix of the group's children (`profiles:<namespace>/<name>`): a child's
 * identity then depends neither on the stack's name nor on this component's.
 */
export const PROFILES_RESOURCE_PREFIX = "profiles";

/**
 * The configured Kubeflow Profiles, their contributors and PodDefaults, in one yaml/v2
 * group applied once the platform is up: the profile controller then makes each
 * namespace, and the objects inside wait on their Profile (depends-on). The group is
 * text of values known at preview, so a preview shows every binding that changes.
 */
export class Profiles extends pulumi.ComponentResource {
    /** The group, or undefined when no profile is configured. */
    public readonly group?: k8s.yaml.v2.ConfigGroup;

    constructor(name: string, args: ProfilesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:kubeflow:Profiles", name, {}, opts);
        if (args.plan.objects.length > 0) {
            this.group = new k8s.yaml.v2.ConfigGroup(
                `${name}-objects`,
                {
                    yaml: this.yamlOf(args.plan),
                    resourcePrefix: PROFILES_RESOURCE_PREFIX,
                },
                { parent: this, provider: args.provider, dependsOn: [...args.after], transforms: [versionAliases] },
            );
        }
        this.registerOutputs({});
    }

    /**
     * The group's text. With `userIdClaim: oid`, each configured user principal name is
     * looked up in Entra (azuread getUser, an invoke: answered in preview too, so the
     * text stays known and the preview shows every binding) and the objects name the
     * object ids.
     */
    private yamlOf(plan: ProfilesPlan): pulumi.Input<string> {
        const resolve = plan.byObjectId;
        if (!resolve) {
            return toYamlText(plan.objects);
        }
        const ids = resolve.userPrincipalNames.map((upn) => azuread.getUserOutput({ userPrincipalName: upn }, { parent: this }).objectId);
        return pulumi.all(ids).apply((resolved) => toYamlText(resolve.objectsFor(new Map(resolve.userPrincipalNames.map((upn, i) => [upn, resolved[i]])))));
    }
}
