import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { secretValues } from "../manifests/kube";
import { toYamlText } from "../manifests/parse";
import { PlatformPlan } from "../manifests/platform";
import { defaultCredentials } from "../manifests/transforms";
import { KubeObject } from "../manifests/types";
import { needsVersionAliases } from "../manifests/api-versions";
import { versionAliases } from "./version-aliases";
import { retainCustomResourceDefinitions } from "./retain-crds";
import { retainedWhenDropped } from "../manifests/upgrades/retained";

export interface KubeflowPlatformArgs {
    /** The release's objects after the transforms, in phases (manifests/platform.ts planPlatform). */
    readonly plan: PlatformPlan;
    /** Secrets that carried upstream default credentials; their values are regenerated. */
    readonly credentials: readonly KubeObject[];
    /** The cluster's provider; nothing here uses another. */
    readonly provider: k8s.Provider;
    /** Secrets whose values come from other components (managed state's database password and storage key). */
    readonly externalSecrets?: readonly PlatformSecret[];
    /** What the external secrets' values need to exist first (the managed state's server, databases and endpoints). */
    readonly stateReady?: readonly pulumi.Resource[];
    /** Jobs that must complete before the release's workloads start (managed state's MySQL accounts); they run after the external secrets. */
    readonly setupJobs?: readonly KubeObject[];
}

/** A Secret of the release (without data) and the values the platform gives it. */
export interface PlatformSecret {
    readonly object: KubeObject;
    readonly values: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * Applies a Kubeflow release in one pass, in the order computed from its objects:
 * one yaml/v2 ConfigGroup per phase, each waiting on the one before (a group is done
 * when its Deployments are Ready). Phases are passed as JSON text, not nested inputs:
 * the SDK serialises nested inputs property by property, which for 600+ objects costs
 * tens of seconds and a gigabyte; a string costs nothing. The groups hold only values
 * known at preview, so a preview shows every object and every change; the regenerated
 * credentials and the data volumes are small resources of their own.
 */
export class KubeflowPlatform extends pulumi.ComponentResource {
    /** The phase groups in order. */
    public readonly phases: k8s.yaml.v2.ConfigGroup[];
    /** Everything the platform creates; other components wait on it. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: KubeflowPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:kubeflow:KubeflowPlatform", name, {}, opts);
        const provider = args.provider;

        const { phases, volumes } = args.plan;

        this.phases = [];
        const early: pulumi.Resource[] = [];
        phases.forEach((phase, i) => {
            const group: k8s.yaml.v2.ConfigGroup = new k8s.yaml.v2.ConfigGroup(
                `${name}-phase-${i}`,
                {
                    yaml: toYamlText(phase.objects),
                    // A child is named `<resourcePrefix>:<namespace>/<name>` and the prefix
                    // defaults to the group's name (pulumi-kubernetes v4.32.0
                    // provider/pkg/provider/yaml/v2/configgroup.go and yaml.go register()).
                    // Objects change phase between releases; with the phase in their names an
                    // upgrade would create each moved object under a new URN (AlreadyExists)
                    // and delete the old one. One prefix for every phase keeps the identity:
                    // the groups share one type chain, so the URN depends only on the object.
                    resourcePrefix: name,
                },
                {
                    parent: this,
                    provider,
                    dependsOn: i === 0 ? [] : [this.phases[i - 1], ...early],
                    // An object whose apiVersion changes between releases keeps its URN
                    // through aliases; a CRD stays on the cluster when a release drops it.
                    // The engine calls a group's transforms for each child, so a group gets
                    // only those it needs.
                    transforms: [
                        ...(needsVersionAliases(phase.objects) ? [versionAliases] : []),
                        ...(phase.objects.some(retainedWhenDropped) ? [retainCustomResourceDefinitions] : []),
                    ],
                },
            );
            this.phases.push(group);
            if (i === 0) {
                // Namespaces and CRDs exist now: the credentials and volumes can follow, and
                // every later phase waits for them.
                early.push(...this.credentialSecrets(name, args.credentials, provider, group));
                // The pods that read these start only once the services behind them exist.
                const external = this.externalSecrets(name, args.externalSecrets ?? [], provider, [group, ...(args.stateReady ?? [])]);
                early.push(...external);
                // The provider awaits a Job until it has completed; every later phase waits on it.
                early.push(
                    ...(args.setupJobs ?? []).map(
                        (job) =>
                            new k8s.batch.v1.Job(
                                `${name}-setup-${job.metadata.namespace}-${job.metadata.name}`,
                                job as unknown as k8s.types.input.batch.v1.Job,
                                {
                                    parent: this,
                                    provider,
                                    dependsOn: [group, ...external],
                                    // A Job's template cannot change: a new one replaces it under the same name.
                                    deleteBeforeReplace: true,
                                },
                            ),
                    ),
                );
                early.push(
                    ...volumes.map(
                        (pvc) =>
                            new k8s.core.v1.PersistentVolumeClaim(
                                `${name}-pvc-${pvc.metadata.namespace}-${pvc.metadata.name}`,
                                pvc as unknown as k8s.types.input.core.v1.PersistentVolumeClaim,
                                {
                                    parent: this,
                                    provider,
                                    dependsOn: [group],
                                    // Kept whatever `protect` says: a release that drops a
                                    // claim (minio-pvc at v1.11.0) must not delete the data
                                    // in it. Not `protect`: the engine refuses to delete a
                                    // protected resource the program no longer declares,
                                    // retained or not (pulumi v3.259.0
                                    // pkg/resource/deploy/step.go DeleteStep.Apply checks
                                    // protect before retainOnDelete), and the upgrade
                                    // would stop there.
                                    retainOnDelete: true,
                                },
                            ),
                    ),
                );
            }
        });
        this.ready = [...this.phases, ...early];
        this.registerOutputs({});
    }

    /** Secrets whose every value comes from another component: Pulumi secrets, applied apart from the groups. */
    private externalSecrets(name: string, secrets: readonly PlatformSecret[], provider: k8s.Provider, after: pulumi.Resource[]): k8s.core.v1.Secret[] {
        return secrets.map(({ object, values }) => {
            const { data: _data, stringData: _stringData, ...rest } = object;
            return new k8s.core.v1.Secret(
                `${name}-state-${object.metadata.namespace}-${object.metadata.name}`,
                { ...(rest as unknown as k8s.types.input.core.v1.Secret), stringData: pulumi.secret({ ...values }) },
                { parent: this, provider, dependsOn: after },
            );
        });
    }

    /** The credential Secrets with every upstream default value replaced by a random one. */
    private credentialSecrets(name: string, secrets: readonly KubeObject[], provider: k8s.Provider, after: pulumi.Resource): k8s.core.v1.Secret[] {
        return secrets.map((secret) => {
            const id = `${name}-cred-${secret.metadata.namespace}-${secret.metadata.name}`;
            const plan = defaultCredentials([secret])[0];
            const values: Record<string, pulumi.Input<string>> = {};
            for (const [key, value] of secretValues(secret)) {
                values[key] = value;
            }
            for (const key of plan?.generate ?? []) {
                values[key] = new random.RandomPassword(
                    `${id}-${key}`,
                    {
                        length: 32,
                        special: false,
                    },
                    { parent: this },
                ).result;
            }
            const { data: _data, stringData: _stringData, ...rest } = secret;
            return new k8s.core.v1.Secret(
                id,
                {
                    ...(rest as unknown as k8s.types.input.core.v1.Secret),
                    stringData: pulumi.secret(values),
                },
                { parent: this, provider, dependsOn: [after] },
            );
        });
    }
}
