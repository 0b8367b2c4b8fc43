/**
 * Wires the components into one dependency graph. index.ts calls this with the
 * validated configuration; tests call it under mocks with any configuration.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { Config, clientSecretEndDate } from "./config";
import { AksCluster } from "./components/aks-cluster";
import { Authservice, checkAuthservice } from "./components/authservice";
import { EntraApp, EntraAppCredential } from "./components/entra-app";
import { IstioGateway, checkEdge } from "./components/istio-gateway";
import { KubeflowPlatform } from "./components/kubeflow";
import { PublicEndpoint } from "./components/public-endpoint";
import { RenderedRelease } from "./components/release-source";
import { allowSessionRefresh, isAuthserviceObject, issuerUrl, mitigateLargeTokens, redirectUri } from "./manifests/authservice";
import { isEdgeObject } from "./manifests/edge";
import { planPlatform } from "./manifests/platform";
import { CREDENTIALS_OWNER, prepareRelease, validateRequired } from "./manifests/transforms";
import { StackOutputValues } from "./outputs";

export interface Deployment {
    readonly outputs: StackOutputValues;
    readonly endpoint: PublicEndpoint;
    readonly entraApp: EntraApp;
    readonly cluster: AksCluster;
    readonly platform: KubeflowPlatform;
    readonly authservice: Authservice;
    readonly gateway: IstioGateway;
}

export function deploy(cfg: Config, rendered: RenderedRelease): Deployment {
    const release = rendered.release;
    // All pure work first: a render that lacks what the program needs, or that would
    // keep dex or a default credential, fails here, before any resource is registered.
    validateRequired(rendered.objects, release, rendered.origin);
    const flavour = release.authservice;
    const prepared = prepareRelease(rendered.objects, {
        owners: {
            authservice: (o) => isAuthserviceObject(o, flavour),
            edge: isEdgeObject,
        },
    });
    const handed = (owner: string) => prepared.handedOver.get(owner) ?? [];
    const platformPlan = planPlatform(allowSessionRefresh(mitigateLargeTokens(prepared.objects), flavour));
    const authCredential = checkAuthservice({ flavour, handed: handed("authservice"), hostname: cfg.hostname, userIdClaim: cfg.userIdClaim });
    // Decided by the release's authservice image; a secret's end date is checked here, before any resource.
    const secretEndDate = authCredential.kind === "client-secret" ? clientSecretEndDate(cfg.clientSecret, new Date()) : undefined;
    // The address's outputs are not known yet: the check takes them as pending.
    checkEdge({ handed: handed("edge"), hostname: cfg.hostname, tls: cfg.tls, publicIp: pulumi.output(""), publicIpName: pulumi.output(""), publicIpResourceGroup: pulumi.output("") });

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

    // The app never waits on the cluster; only its federated credential needs the
    // cluster's OIDC issuer.
    const credential: EntraAppCredential = authCredential.kind === "client-secret"
        ? { kind: "client-secret", endDate: secretEndDate as string, rotation: cfg.clientSecret.rotation }
        : { kind: "workload-identity", issuer: cluster.oidcIssuerUrl, subject: authCredential.subject };
    const entraApp = new EntraApp(`${cfg.name}-entra`, {
        displayName: `Kubeflow ${cfg.name} (${cfg.hostname})`,
        redirectUris: [redirectUri(release.authservice, cfg.hostname)],
        homepageUrl: kubeflowUrl,
        owners: cfg.owners,
        allowedGroupIds: cfg.allowedGroupIds,
        credential,
        protect: cfg.protect,
    });

    const platform = new KubeflowPlatform(`${cfg.name}-kubeflow`, {
        plan: platformPlan,
        credentials: handed(CREDENTIALS_OWNER),
        provider: cluster.provider,
        protect: cfg.protect,
    });

    const authservice = new Authservice(`${cfg.name}-auth`, {
        flavour,
        handed: handed("authservice"),
        hostname: cfg.hostname,
        tenantId,
        clientId: entraApp.clientId,
        clientSecret: entraApp.clientSecret,
        userIdClaim: cfg.userIdClaim,
        provider: cluster.provider,
        after: platform.ready,
        acmeChallengeExempt: cfg.tls.issuer === "letsencrypt",
    });

    const gateway = new IstioGateway(`${cfg.name}-edge`, {
        handed: handed("edge"),
        hostname: cfg.hostname,
        publicIp: endpoint.ipAddress,
        publicIpName: endpoint.publicIpName,
        publicIpResourceGroup: endpoint.resourceGroupName,
        tls: cfg.tls,
        provider: cluster.provider,
        after: platform.ready,
        networkRole: cluster.networkRole,
    });

    return {
        endpoint,
        entraApp,
        cluster,
        platform,
        authservice,
        gateway,
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
