import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import { SystemPool, UserPool } from "../config";

/** Built-in role "Network Contributor": lets the cluster bind the static public IP. */
export const NETWORK_CONTRIBUTOR_ROLE_ID = "4d97b98b-1d4f-4787-a291-c67834d212e7";

export interface AksClusterArgs {
    /** Azure region. */
    readonly location: string;
    /** Kubernetes version, major.minor[.patch]; patches are applied automatically. */
    readonly kubernetesVersion: string;
    readonly systemPool: SystemPool;
    readonly userPool: UserPool;
    /** API server allow-list; empty: open to the internet (authenticated). */
    readonly authorizedIpRanges: readonly string[];
    /** Availability zones for the node pools; empty: regional. */
    readonly zones: readonly string[];
    /** Entra tenant of the cluster's Entra integration. */
    readonly tenantId: pulumi.Input<string>;
    /** Subscription the role definition lives in. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Resource id of the group holding the public IP; the cluster identity gets Network Contributor on it. */
    readonly publicIpResourceGroupId: pulumi.Input<string>;
    /** Production settings: Standard (SLA) tier and protected resources. */
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The AKS cluster and the one Kubernetes provider every Kubernetes resource of the
 * program uses. The control plane runs as a user-assigned identity created first, so
 * its role on the public IP's group can be granted independently of the cluster.
 */
export class AksCluster extends pulumi.ComponentResource {
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's OIDC issuer (workload identity federation). */
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    /** Admin kubeconfig: a Pulumi secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The explicit provider for every Kubernetes resource; nothing uses the ambient kubeconfig. */
    public readonly provider: k8s.Provider;
    /** The control plane identity's Network Contributor grant; the LoadBalancer Service waits on it. */
    public readonly networkRole: authorization.RoleAssignment;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:azure:AksCluster", name, {}, opts);
        const child = { parent: this };
        const protect = { parent: this, protect: args.protect };
        const zones = args.zones.length > 0 ? [...args.zones] : undefined;

        const group = new resources.ResourceGroup(`${name}-rg`, {
            location: args.location,
            tags: { ...args.tags },
        }, protect);

        const identity = new managedidentity.UserAssignedIdentity(`${name}-identity`, {
            resourceGroupName: group.name,
            location: args.location,
            tags: { ...args.tags },
        }, child);

        this.networkRole = new authorization.RoleAssignment(`${name}-network-contributor`, {
            principalId: identity.principalId,
            principalType: authorization.PrincipalType.ServicePrincipal,
            roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE_ID}`,
            scope: args.publicIpResourceGroupId,
            description: "AKS control plane binds the Kubeflow ingress to its static public IP",
        }, child);

        const spot = args.userPool.spot;
        const cluster = new containerservice.ManagedCluster(`${name}-aks`, {
            resourceGroupName: group.name,
            location: args.location,
            dnsPrefix: name,
            kubernetesVersion: args.kubernetesVersion,
            identity: {
                type: containerservice.ResourceIdentityType.UserAssigned,
                userAssignedIdentities: [identity.id],
            },
            enableRBAC: true,
            aadProfile: { managed: true, enableAzureRBAC: true, tenantID: args.tenantId },
            oidcIssuerProfile: { enabled: true },
            securityProfile: { workloadIdentity: { enabled: true } },
            sku: {
                name: containerservice.ManagedClusterSKUName.Base,
                tier: args.protect ? containerservice.ManagedClusterSKUTier.Standard : containerservice.ManagedClusterSKUTier.Free,
            },
            autoUpgradeProfile: {
                upgradeChannel: containerservice.UpgradeChannel.Patch,
                nodeOSUpgradeChannel: containerservice.NodeOSUpgradeChannel.NodeImage,
            },
            networkProfile: {
                networkPlugin: containerservice.NetworkPlugin.Azure,
                networkPluginMode: containerservice.NetworkPluginMode.Overlay,
                // Kubeflow ships NetworkPolicies; Cilium enforces them.
                networkDataplane: containerservice.NetworkDataplane.Cilium,
                networkPolicy: containerservice.NetworkPolicy.Cilium,
                loadBalancerSku: containerservice.LoadBalancerSku.Standard,
                outboundType: containerservice.OutboundType.LoadBalancer,
            },
            apiServerAccessProfile: args.authorizedIpRanges.length > 0
                ? { authorizedIPRanges: [...args.authorizedIpRanges] }
                : undefined,
            agentPoolProfiles: [
                {
                    name: "system",
                    mode: containerservice.AgentPoolMode.System,
                    vmSize: args.systemPool.vmSize,
                    count: args.systemPool.count,
                    osType: containerservice.OSType.Linux,
                    osSKU: containerservice.OSSKU.AzureLinux,
                    orchestratorVersion: args.kubernetesVersion,
                    availabilityZones: zones,
                    type: containerservice.AgentPoolType.VirtualMachineScaleSets,
                },
                {
                    name: "user",
                    mode: containerservice.AgentPoolMode.User,
                    vmSize: args.userPool.vmSize,
                    enableAutoScaling: true,
                    minCount: args.userPool.minCount,
                    maxCount: args.userPool.maxCount,
                    count: Math.max(args.userPool.minCount, 1),
                    osType: containerservice.OSType.Linux,
                    osSKU: containerservice.OSSKU.AzureLinux,
                    orchestratorVersion: args.kubernetesVersion,
                    availabilityZones: zones,
                    type: containerservice.AgentPoolType.VirtualMachineScaleSets,
                    ...(spot ? {
                        scaleSetPriority: containerservice.ScaleSetPriority.Spot,
                        scaleSetEvictionPolicy: containerservice.ScaleSetEvictionPolicy.Delete,
                        spotMaxPrice: -1,
                        // AKS adds this taint to spot pools itself; declaring it keeps the diff quiet.
                        nodeTaints: ["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
                    } : {}),
                },
            ],
            tags: { ...args.tags },
        }, {
            ...protect,
            // The autoscaler owns the user pool's node count.
            ignoreChanges: ["agentPoolProfiles[1].count"],
        });

        const credentials = containerservice.listManagedClusterAdminCredentialsOutput({
            resourceGroupName: group.name,
            resourceName: cluster.name,
        }, child);
        this.kubeconfig = pulumi.secret(credentials.kubeconfigs.apply((kcs) => {
            const value = kcs[0]?.value;
            if (!value) {
                throw new Error(`AKS returned no admin kubeconfig for cluster ${name}`);
            }
            return Buffer.from(value, "base64").toString("utf8");
        }));

        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: this.kubeconfig,
            enableServerSideApply: true,
            // After the cluster is gone (teardown), drop its objects from state instead of failing.
            deleteUnreachable: true,
        }, child);

        this.resourceGroupName = group.name;
        this.clusterName = cluster.name;
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            clusterName: this.clusterName,
            oidcIssuerUrl: this.oidcIssuerUrl,
            kubeconfig: this.kubeconfig,
        });
    }
}
