import * as pulumi from "@pulumi/pulumi";
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
                    yaml: toYamlText(args.plan.objects),
                    resourcePrefix: PROFILES_RESOURCE_PREFIX,
                },
                { parent: this, provider: args.provider, dependsOn: [...args.after], transforms: [versionAliases] },
            );
        }
        this.registerOutputs({});
    }
}
