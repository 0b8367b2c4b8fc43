/**
 * Wires the components into one dependency graph. index.ts calls this with the
 * validated configuration; tests call it under mocks with any configuration.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { Config } from "./config";
import * as k8s from "@pulumi/kubernetes";
import { AksCluster } from "./components/aks-cluster";
import { ArtifactMigrationCopy } from "./components/artifact-migration";
import { GPU_POOL_LABEL, GPU_TAINT, SPOT_TAINT } from "./manifests/compute";
import { Authservice } from "./components/authservice";
import { EntraApp, EntraAppCredential } from "./components/entra-app";
import { IstioGateway } from "./components/istio-gateway";
import { KubeflowPlatform, PlatformSecret } from "./components/kubeflow";
import { ManagedState } from "./components/managed-state";
import { Profiles } from "./components/profiles";
import { PublicEndpoint } from "./components/public-endpoint";
import { RenderedRelease } from "./components/release-source";
import { issuerUrl, postLogoutRedirectUri, redirectUri } from "./manifests/authservice";
import { devicePluginDaemonSet } from "./manifests/gpu";
import { ARTIFACT_CONTAINER, StateValue } from "./manifests/transforms/managed-state";
import { StatePlan, authserviceName, planDeployment } from "./plan";
import { StateMode } from "./config";
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
    /** Managed state's Azure services, or undefined with in-cluster state. */
    readonly state?: ManagedState;
}

export interface DeployOptions {
    /** The release the stack runs now (components/deployed-release.ts), undefined on a first deploy. */
    readonly deployedRelease?: string;
    /** Where the stack keeps its state now (its last `state` output), undefined on a first deploy. */
    readonly deployedState?: StateMode;
    /** With managed state deployed, its network's range. */
    readonly deployedStateAddressSpace?: string;
}

export function deploy(cfg: Config, rendered: RenderedRelease, options: DeployOptions = {}): Deployment {
    // All pure work first, once: every problem is reported before any resource is registered.
    const plan = planDeployment(cfg, rendered, {
        deployedRelease: options.deployedRelease,
        deployedState: options.deployedState,
        deployedStateAddressSpace: options.deployedStateAddressSpace,
    });
    const release = plan.release;
    const flavour = release.authservice;

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

    // Managed state first: the cluster's nodes join its network; nothing of it waits on the cluster.
    const state =
        cfg.state.mode === "managed"
            ? new ManagedState(`${cfg.name}-state`, {
                  location: cfg.location,
                  network: cfg.state.network,
                  zones: cfg.zones,
                  mysqlServerName: cfg.state.mysqlServerName,
                  mysqlAdminUser: cfg.state.mysqlAdminUser,
                  mysqlSku: cfg.state.mysqlSku,
                  mysqlStorageGb: cfg.state.mysqlStorageGb,
                  backupRetentionDays: cfg.state.backupRetentionDays,
                  geoRedundantBackup: cfg.state.geoRedundantBackup,
                  highAvailability: cfg.state.highAvailability,
                  storageAccountName: cfg.state.storageAccountName,
                  containerName: ARTIFACT_CONTAINER,
                  protect: cfg.protect,
                  tags,
              })
            : undefined;

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
        nodeSubnetId: state?.nodeSubnetId,
        adminGroupIds: cfg.adminGroupIds,
        deployerObjectId: cfg.deployerObjectId ?? client.objectId,
        localAccounts: cfg.localAccounts,
        tier: cfg.clusterTier,
        maintenanceWindow: cfg.maintenanceWindow,
        protect: cfg.protect,
        tags,
    });

    if (cfg.gpuPool) {
        // Makes nvidia.com/gpu schedulable on the GPU pool's nodes.
        new k8s.apps.v1.DaemonSet(
            `${cfg.name}-nvidia-device-plugin`,
            devicePluginDaemonSet({
                nodeLabel: GPU_POOL_LABEL,
                taints: cfg.gpuPool.spot ? [GPU_TAINT, SPOT_TAINT] : [GPU_TAINT],
            }) as unknown as k8s.types.input.apps.v1.DaemonSet,
            { provider: cluster.provider, parent: cluster },
        );
    }

    // The app never waits on the cluster; only its federated credential needs the
    // cluster's OIDC issuer.
    const credential: EntraAppCredential =
        plan.credentials.kind === "workload-identity"
            ? { kind: "workload-identity", issuer: cluster.oidcIssuerUrl, subject: plan.credentials.subject }
            : plan.credentials;
    const entraApp = new EntraApp(`${cfg.name}-entra`, {
        displayName: `Kubeflow ${cfg.name} (${cfg.hostname})`,
        // The callback, and the home page Entra's sign-out returns to (it must be registered).
        redirectUris: [redirectUri(release.authservice, cfg.hostname), postLogoutRedirectUri(release.authservice, cfg.hostname)],
        homepageUrl: kubeflowUrl,
        owners: cfg.owners,
        deployerObjectId: cfg.deployerObjectId,
        allowedGroupIds: cfg.allowedGroupIds,
        credential,
        protect: cfg.protect,
    });

    const platform = new KubeflowPlatform(`${cfg.name}-kubeflow`, {
        plan: plan.platform,
        credentials: plan.platformCredentials,
        externalSecrets: stateSecrets(plan.state, state),
        setupJobs: plan.state.mode === "managed" ? plan.state.setup : [],
        stateReady: state?.ready,
        provider: cluster.provider,
    });

    const authservice = new Authservice(authserviceName(cfg), {
        plan: plan.auth,
        tenantId,
        clientId: entraApp.clientId,
        clientSecret: entraApp.clientSecret,
        // Automation tokens: the gateway trusts the cluster's own issuer (oauth2-proxy releases).
        ...(flavour === "oauth2-proxy" ? { clusterIssuer: cluster.oidcIssuerUrl } : {}),
        provider: cluster.provider,
        after: platform.ready,
    });

    const gateway = new IstioGateway(`${cfg.name}-edge`, {
        plan: plan.edge,
        publicIp: endpoint.ipAddress,
        publicIpName: endpoint.publicIpName,
        publicIpResourceGroup: endpoint.resourceGroupName,
        provider: cluster.provider,
        after: platform.ready,
        networkRole: cluster.networkRole,
    });

    const profiles = new Profiles(`${cfg.name}-profiles`, {
        plan: plan.profiles,
        provider: cluster.provider,
        after: platform.ready,
    });

    if (plan.artifacts) {
        // From MinIO to SeaweedFS: the artifacts are copied before the engine deletes MinIO.
        new ArtifactMigrationCopy(`${cfg.name}-artifacts`, { plan: plan.artifacts, provider: cluster.provider, after: platform.ready });
    }

    return {
        profiles,
        ...(state ? { state } : {}),
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
            tlsIssuer: pulumi.output(cfg.tls.issuer),
            state: pulumi.output(cfg.state.mode),
            stateAddressSpace: pulumi.output(cfg.state.mode === "managed" ? cfg.state.network.addressSpace : ""),
            stateResourceGroupName: state?.resourceGroupName ?? pulumi.output(""),
            stateNetworkId: state?.networkId ?? pulumi.output(""),
            stateMysqlServerName: state?.mysqlServerName ?? pulumi.output(""),
            stateStorageAccountName: state?.storageAccountName ?? pulumi.output(""),
        },
    };
}

/** The managed state's Secrets with their values from the Azure services (Pulumi secrets where they are secret). */
function stateSecrets(plan: StatePlan, state: ManagedState | undefined): PlatformSecret[] {
    if (plan.mode !== "managed" || !state) {
        return [];
    }
    const value = (v: StateValue): pulumi.Input<string> => {
        if (typeof v === "object") {
            return v.literal;
        }
        switch (v) {
            case "mysql-admin-user":
                return state.mysqlAdminUser;
            case "mysql-admin-password":
                return state.mysqlAdminPassword;
            case "kfp-password":
                return state.kfpPassword;
            case "katib-password":
                return state.katibPassword;
            case "storage-account":
                return state.storageAccountName;
            case "storage-key":
                return state.storageKey;
        }
    };
    return plan.secrets.map((s) => ({ object: s.object, values: Object.fromEntries(Object.entries(s.values).map(([k, v]) => [k, value(v)])) }));
}
