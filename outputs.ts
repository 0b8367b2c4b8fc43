/**
 * The stack's output contract: names and types. A consumer stack imports this module
 * to read this stack through a StackReference with the right types.
 */
import * as pulumi from "@pulumi/pulumi";

export interface StackOutputs {
    /** `https://<hostname>/`: where users sign in. */
    kubeflowUrl: string;
    /** Public host name of the deployment. */
    hostname: string;
    /** The static public IP the ingress gateway is bound to. */
    ingressIp: string;
    /** Resource group of the cluster. */
    resourceGroupName: string;
    /** AKS cluster name. */
    clusterName: string;
    /** Kubeconfig of the cluster (secret): the admin's with local accounts, else Entra credentials through kubelogin. */
    kubeconfig: string;
    /** Client id of the Entra application the authservice signs in with. */
    oidcClientId: string;
    /** `https://login.microsoftonline.com/<tenant>/v2.0`. */
    oidcIssuerUrl: string;
    /** Entra tenant id. */
    tenantId: string;
    /** Kubeflow release deployed, e.g. 26.03. */
    kubeflowRelease: string;
    /** The cluster's OIDC issuer, for workload identity federation. */
    clusterOidcIssuerUrl: string;
    /** Who signs the site's certificate: `self-signed` (clients must trust kubeflow-ca.crt) or `letsencrypt`. */
    tlsIssuer: "self-signed" | "letsencrypt";
    /** Where Kubeflow's databases and artifacts live: `in-cluster` (volumes of the cluster) or `managed` (Azure Database for MySQL and Blob Storage). */
    state: "in-cluster" | "managed";
    /** With managed state, the range of the network the state and the cluster's nodes share (to plan peerings); empty with in-cluster state. */
    stateAddressSpace: string;
    /** With managed state, the resource group of the state (the MySQL server, the storage account, the network); empty with in-cluster state. */
    stateResourceGroupName: string;
    /** With managed state, the resource id of the network the state and the cluster's nodes share; empty with in-cluster state. */
    stateNetworkId: string;
    /** With managed state, the MySQL flexible server's name (restores, `az mysql flexible-server ...`); empty with in-cluster state. */
    stateMysqlServerName: string;
    /** With managed state, the storage account holding the artifacts' container; empty with in-cluster state. */
    stateStorageAccountName: string;
}

export const OUTPUT_NAMES = [
    "kubeflowUrl",
    "hostname",
    "ingressIp",
    "resourceGroupName",
    "clusterName",
    "kubeconfig",
    "oidcClientId",
    "oidcIssuerUrl",
    "tenantId",
    "kubeflowRelease",
    "clusterOidcIssuerUrl",
    "tlsIssuer",
    "state",
    "stateAddressSpace",
    "stateResourceGroupName",
    "stateNetworkId",
    "stateMysqlServerName",
    "stateStorageAccountName",
] as const satisfies readonly (keyof StackOutputs)[];

/** Outputs that are Pulumi secrets. */
export const SECRET_OUTPUTS: readonly (keyof StackOutputs)[] = ["kubeconfig"];

export type StackOutputValues = { readonly [K in keyof StackOutputs]: pulumi.Output<StackOutputs[K]> };

/** Reads every output of a kubeflow-azure stack through a StackReference, typed. */
export function readStack(ref: pulumi.StackReference): StackOutputValues {
    const read = <K extends keyof StackOutputs>(key: K): pulumi.Output<StackOutputs[K]> => ref.requireOutput(key) as pulumi.Output<StackOutputs[K]>;
    return {
        kubeflowUrl: read("kubeflowUrl"),
        hostname: read("hostname"),
        ingressIp: read("ingressIp"),
        resourceGroupName: read("resourceGroupName"),
        clusterName: read("clusterName"),
        kubeconfig: pulumi.secret(read("kubeconfig")),
        oidcClientId: read("oidcClientId"),
        oidcIssuerUrl: read("oidcIssuerUrl"),
        tenantId: read("tenantId"),
        kubeflowRelease: read("kubeflowRelease"),
        clusterOidcIssuerUrl: read("clusterOidcIssuerUrl"),
        tlsIssuer: read("tlsIssuer"),
        state: read("state"),
        stateAddressSpace: read("stateAddressSpace"),
        stateResourceGroupName: read("stateResourceGroupName"),
        stateNetworkId: read("stateNetworkId"),
        stateMysqlServerName: read("stateMysqlServerName"),
        stateStorageAccountName: read("stateStorageAccountName"),
    };
}
