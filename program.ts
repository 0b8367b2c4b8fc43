/**
 * Wires the components into one dependency graph. index.ts calls this with the
 * validated configuration; tests call it under mocks with any configuration.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { Config, clientSecretEndDate } from "./config";
import * as k8s from "@pulumi/kubernetes";
import { AksCluster } from "./components/aks-cluster";
import { GPU_POOL_LABEL, GPU_TAINT, SPOT_TAINT } from "./manifests/compute";
import { Authservice, checkAuthservice } from "./components/authservice";
import { EntraApp, EntraAppCredential } from "./components/entra-app";
import { IstioGateway, checkEdge } from "./components/istio-gateway";
import { KubeflowPlatform } from "./components/kubeflow";
import { Profiles } from "./components/profiles";
import { PublicEndpoint } from "./components/public-endpoint";
import { RenderedRelease } from "./components/release-source";
import { allowSessionRefresh, isAuthserviceObject, issuerUrl, mitigateLargeTokens, postLogoutRedirectUri, redirectUri } from "./manifests/authservice";
import { isEdgeObject } from "./manifests/edge";
import { devicePluginDaemonSet } from "./manifests/gpu";
import { planPlatform } from "./manifests/platform";
import { planProfiles } from "./manifests/profiles";
import { CREDENTIALS_OWNER, prepareRelease, validateRequired } from "./manifests/transforms";
import { dropExampleProfile, exampleUserProblems } from "./manifests/transforms/example-profile";
import { setRegistrationFlow } from "./manifests/transforms/registration-flow";
import { setDashboardLogout } from "./manifests/transforms/dashboard-logout";
import { formatProblems } from "./manifests/types";
import { StackOutputValues } from "./outputs";

export interface Deployment {
    readonly outputs: StackOutputValues;
    readonly endpoint: PublicEndpoint;
    readonly entraApp: EntraApp;
    readonly cluster: AksCluster;
    readonly platform: KubeflowPlatform;
    readonly authservice: Authservice;
    readonly gateway: IstioGateway;
    readonly profiles: Profiles;
}

export function deploy(cfg: Config, rendered: RenderedRelease): Deployment {
    const release = rendered.release;
    // All pure work first: a render that lacks what the program needs, or that would
    // keep dex or a default credential, fails here, before any resource is registered.
    validateRequired(rendered.objects, release, rendered.origin);
    const flavour = release.authservice;
    // The configured profiles replace the release's example one; the dashboard's flag
    // is set before the hand-over, so whichever component deploys the dashboard has it.
    // "Log out" ends the Entra session too. The dashboard is a platform object, built
    // before any Output exists: an unconfigured tenant id signs out through `common`.
    const released = setDashboardLogout(
        setRegistrationFlow(dropExampleProfile(rendered.objects), cfg.selfService),
        flavour,
        cfg.tenantId ?? "common",
        cfg.hostname,
    );
    const prepared = prepareRelease(released, {
        owners: {
            authservice: (o) => isAuthserviceObject(o, flavour),
            edge: isEdgeObject,
        },
    });
    const handed = (owner: string) => prepared.handedOver.get(owner) ?? [];
    const platformPlan = planPlatform(allowSessionRefresh(mitigateLargeTokens(prepared.objects), flavour));
    const deployed = [...prepared.objects, ...[...prepared.handedOver.values()].flat()];
    const exampleUser = exampleUserProblems(deployed);
    if (exampleUser.length > 0) {
        throw new Error(formatProblems(`${exampleUser.length} deployed object(s) name the release's example user`, exampleUser));
    }
    const profilesPlan = planProfiles(cfg.profiles, deployed, { gpu: cfg.gpuPool !== undefined, gpuSpot: cfg.gpuPool?.spot ?? false, spot: cfg.userPool.spot });
    const authCredential = checkAuthservice({ flavour, handed: handed("authservice"), hostname: cfg.hostname, userIdClaim: cfg.userIdClaim });
    // Decided by the release's authservice image; a secret's end date is checked here, before any resource.
    const clientSecret = authCredential.kind === "client-secret"
        ? { kind: "client-secret" as const, endDate: clientSecretEndDate(cfg.clientSecret, new Date()), rotation: cfg.clientSecret.rotation }
        : undefined;
    // The address's outputs are not known yet: the check takes them as pending.
    checkEdge({ handed: handed("edge"), hostname: cfg.hostname, tls: cfg.tls, publicIp: pulumi.output(""), publicIpName: pulumi.output(""), publicIpResourceGroup: pulumi.output("") });

    // No release tag: a tag change PUTs the whole cluster, and a release bump must not.
    const tags = { "kubeflow-azure-stack": cfg.stack, "kubeflow-azure-name": cfg.name };
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
        gpuPool: cfg.gpuPool,
        authorizedIpRanges: cfg.authorizedIpRanges,
        zones: cfg.zones,
        tenantId,
        subscriptionId: client.subscriptionId,
        publicIpResourceGroupId: endpoint.resourceGroupId,
        nodeResourceGroup: cfg.nodeResourceGroup,
        adminGroupIds: cfg.adminGroupIds,
        deployerObjectId: cfg.deployerObjectId ?? client.objectId,
        localAccounts: cfg.localAccounts,
        tier: cfg.protect ? "Standard" : "Free",
        maintenanceWindow: cfg.maintenanceWindow,
        protect: cfg.protect,
        tags,
    });

    if (cfg.gpuPool) {
        // Makes nvidia.com/gpu schedulable on the GPU pool's nodes.
        new k8s.apps.v1.DaemonSet(`${cfg.name}-nvidia-device-plugin`,
            devicePluginDaemonSet({ nodeLabel: GPU_POOL_LABEL, taints: cfg.gpuPool.spot ? [GPU_TAINT, SPOT_TAINT] : [GPU_TAINT] }) as unknown as k8s.types.input.apps.v1.DaemonSet,
            { provider: cluster.provider, parent: cluster });
    }

    // The app never waits on the cluster; only its federated credential needs the
    // cluster's OIDC issuer.
    const credential: EntraAppCredential = authCredential.kind === "workload-identity"
        ? { kind: "workload-identity", issuer: cluster.oidcIssuerUrl, subject: authCredential.subject }
        : clientSecretCredential(clientSecret);
    const entraApp = new EntraApp(`${cfg.name}-entra`, {
        displayName: `Kubeflow ${cfg.name} (${cfg.hostname})`,
        // The callback, and the home page Entra's sign-out returns to (it must be registered).
        redirectUris: [redirectUri(release.authservice, cfg.hostname), postLogoutRedirectUri(cfg.hostname)],
        homepageUrl: kubeflowUrl,
        owners: cfg.owners,
        deployerObjectId: cfg.deployerObjectId,
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
        // Automation tokens: the gateway trusts the cluster's own issuer (oauth2-proxy releases).
        ...(flavour === "oauth2-proxy" ? { clusterIssuer: cluster.oidcIssuerUrl } : {}),
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

    const profiles = new Profiles(`${cfg.name}-profiles`, {
        plan: profilesPlan,
        provider: cluster.provider,
        after: platform.ready,
    });

    return {
        profiles,
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

/** The client-secret credential decided before any resource (an end date is validated there). */
function clientSecretCredential(secret: EntraAppCredential | undefined): EntraAppCredential {
    if (!secret) {
        throw new Error("the release's authservice needs a client secret, but none was planned");
    }
    return secret;
}
