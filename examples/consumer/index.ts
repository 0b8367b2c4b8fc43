/**
 * A second Pulumi program that builds on a kubeflow-azure stack. It reads that stack's
 * outputs through a StackReference, typed by the project's outputs contract (outputs.ts),
 * and deploys a team namespace into the cluster with the stack's kubeconfig.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { readStack } from "../../outputs";

const config = new pulumi.Config();
// `<org>/kubeflow-azure/<stack>`; readStack fails the preview when an output is missing.
const kubeflow = readStack(new pulumi.StackReference(config.require("kubeflowStack")));
const team = config.get("team") ?? "team-a";

// An explicit provider on the referenced cluster: nothing here may fall back to the
// ambient kubeconfig. The kubeconfig stays a secret (readStack marks it so).
const cluster = new k8s.Provider("kubeflow-cluster", {
    kubeconfig: kubeflow.kubeconfig,
    enableServerSideApply: true,
});

const namespace = new k8s.core.v1.Namespace(
    team,
    {
        metadata: {
            name: team,
            labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "kubeflow-azure-consumer" },
        },
    },
    { provider: cluster },
);

export const kubeflowUrl = kubeflow.kubeflowUrl;
export const namespaceName = namespace.metadata.name;
