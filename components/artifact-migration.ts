import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArtifactMigration } from "../manifests/upgrades/artifacts";

export interface ArtifactMigrationArgs {
    readonly plan: ArtifactMigration;
    readonly provider: k8s.Provider;
    /** The newer release's platform, SeaweedFS ready: the copy starts after it. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * The copy of the pipelines' artifacts from the older release's MinIO into SeaweedFS
 * (manifests/upgrades/artifacts.ts), in the update that crosses. One yaml/v2 group: the
 * retired store's Service, the Job's service account, the Job, which the provider awaits
 * until it has completed. The next update, at the same release, no longer declares it
 * and deletes it.
 */
export class ArtifactMigrationCopy extends pulumi.ComponentResource {
    constructor(name: string, args: ArtifactMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:index:ArtifactMigration", name, {}, opts);
        new k8s.yaml.v2.ConfigGroup(
            `${name}-objects`,
            { yaml: args.plan.objects.map((o) => JSON.stringify(o)).join("\n---\n"), resourcePrefix: name },
            { parent: this, provider: args.provider, dependsOn: args.after },
        );
        this.registerOutputs({});
    }
}
