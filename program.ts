/**
 * Wires the components into one dependency graph. index.ts calls this with the
 * validated configuration; tests call it under mocks with any configuration.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { Config } from "./config";
import { AksCluster } from "./components/aks-cluster";
import { EntraApp } from "./components/entra-app";
import { PublicEndpoint } from "./components/public-endpoint";
import { issuerUrl, redirectUri } from "./manifests/authservice";
import { findRelease } from "./manifests/catalog";
import { StackOutputValues } from "./outputs";

export interface Deployment {
    readonly outputs: StackOutputValues;
    readonly endpoint: PublicEndpoint;
    readonly entraApp: EntraApp;
    readonly cluster: AksCluster;
}

export function deploy(cfg: Config): Deployment {
    const release = findRelease(cfg.kubeflowRelease);
    if (!release) {
        // config.ts has already refused this; kept so the types need no assertion.
        throw new Error(`unknown Kubeflow release ${cfg.kubeflowRelease}`);
    }
    const tags = { "kubeflow-azure-stack": cfg.stack, "kubeflow-azure-name": cfg.name, "kubeflow-release": release.id };
    const client = authorization.getClientConfigOutput();
    const tenantId: pulumi.Output<string> = cfg.tenantId ? pulumi.output(cfg.tenantId) : client.tenantId;
    const kubeflowUrl = `https://${cfg.hostname}/`;

    // The address is known from config, so the app registration, the certificate and the
    // authservice never wait on the cluster to learn it.
    const endpoint = new PublicEndpoint(`${cfg.name}-endpoint`, {
        location: cfg.location,
        dnsLabel: cfg.dnsLabel,
        zones: cfg.zones,
        tags,
        protect: cfg.protect,
    });

    const entraApp = new EntraApp(`${cfg.name}-entra`, {
        displayName: `Kubeflow ${cfg.name} (${cfg.hostname})`,
        redirectUris: [redirectUri(release.authservice, cfg.hostname)],
        homepageUrl: kubeflowUrl,
        owners: [client.objectId],
        allowedGroupIds: cfg.allowedGroupIds,
        secretValidityDays: cfg.clientSecret.validityDays,
        secretRotation: cfg.clientSecret.rotation,
        protect: cfg.protect,
    });

    const cluster = new AksCluster(`${cfg.name}-cluster`, {
        location: cfg.location,
        kubernetesVersion: cfg.kubernetesVersion,
        systemPool: cfg.systemPool,
        userPool: cfg.userPool,
        authorizedIpRanges: cfg.authorizedIpRanges,
        zones: cfg.zones,
        tenantId,
        subscriptionId: client.subscriptionId,
        publicIpResourceGroupId: endpoint.resourceGroupId,
        protect: cfg.protect,
        tags,
    });

    return {
        endpoint,
        entraApp,
        cluster,
        outputs: {
            kubeflowUrl: pulumi.output(kubeflowUrl),
            hostname: pulumi.output(cfg.hostname),
            ingressIp: endpoint.ipAddress,
            resourceGroupName: cluster.resourceGroupName,
            clusterName: cluster.clusterName,
            kubeconfig: cluster.kubeconfig,
            oidcClientId: entraApp.clientId,
            oidcIssuerUrl: tenantId.apply(issuerUrl),
            tenantId,
            kubeflowRelease: pulumi.output(release.id),
            clusterOidcIssuerUrl: cluster.oidcIssuerUrl,
        },
    };
}
