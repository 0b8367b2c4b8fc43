import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import { GPU_POOL_LABEL, GPU_TAINT, SPOT_TAINT, taintText } from "../manifests/compute";
import { entraKubeconfig } from "../manifests/kubeconfig";

/** Built-in role "Network Contributor": lets the cluster bind the static public IP. */
export const NETWORK_CONTRIBUTOR_ROLE_ID = "4d97b98b-1d4f-4787-a291-c67834d212e7";
/** Built-in role "Azure Kubernetes Service RBAC Cluster Admin" (Microsoft's Azure built-in roles list): every data-plane action. */
export const AKS_RBAC_CLUSTER_ADMIN_ROLE_ID = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

export interface AksNodePool {
    /** VM size. */
    readonly vmSize: string;
    readonly minCount: number;
    readonly maxCount: number;
    /** Spot VMs: cheap, evictable, tainted by AKS. */
    readonly spot: boolean;
}

export interface AksMaintenanceWindow {
    /** Day of the week, e.g. Saturday. */
    readonly day: string;
    /** HH:MM. */
    readonly startTime: string;
    readonly durationHours: number;
    /** +HH:MM or -HH:MM. */
    readonly utcOffset: string;
}

export interface AksClusterArgs {
    /** Azure region. */
    readonly location: string;
    /** Kubernetes version, major.minor[.patch]; patches are applied automatically. */
    readonly kubernetesVersion: string;
    /** The system pool (fixed size), which also runs the Kubeflow platform. */
    readonly systemPool: { readonly vmSize: string; readonly count: number };
    /** The autoscaling user pool (notebooks, pipeline steps, training). */
    readonly userPool: AksNodePool;
    /** An optional N-series pool scaling from its minCount, tainted with GPU_TAINT (manifests/compute.ts). */
    readonly gpuPool?: AksNodePool;
    /** API server allow-list; empty: open to the internet (authenticated). */
    readonly authorizedIpRanges: readonly string[];
    /** Availability zones for the node pools; empty: regional. */
    readonly zones: readonly string[];
    /** Entra tenant of the cluster's Entra integration. */
    readonly tenantId: pulumi.Input<string>;
    /** Subscription the role definitions live in. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Resource id of the group holding the public IP; the cluster identity gets Network Contributor on it. */
    readonly publicIpResourceGroupId: pulumi.Input<string>;
    /** Name of the group AKS creates for the nodes. */
    readonly nodeResourceGroup: string;
    /**
     * A subnet of the stack's own network for every node pool (managed state: the nodes
     * reach the database's private address). Unset: AKS makes a network of its own in the
     * node resource group. AKS cannot move a pool to another subnet: a change replaces the pools.
     */
    readonly nodeSubnetId?: pulumi.Input<string>;
    /** Entra groups given "Azure Kubernetes Service RBAC Cluster Admin". */
    readonly adminGroupIds: readonly string[];
    /** Object id of the identity running pulumi: it gets the same role, so the provider can apply. */
    readonly deployerObjectId: pulumi.Input<string>;
    /** Local accounts on: the admin kubeconfig; off: Entra credentials through kubelogin. */
    readonly localAccounts: boolean;
    /** AKS pricing tier: Standard carries the uptime SLA. */
    readonly tier: "Free" | "Standard";
    /** When the auto-upgrade channels may act. */
    readonly maintenanceWindow: AksMaintenanceWindow;
    /** Protect the cluster and its group against deletion. */
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The AKS cluster and the one Kubernetes provider every Kubernetes resource of the
 * program uses. The control plane runs as a user-assigned identity created first, so
 * its role on the public IP's group can be granted independently of the cluster.
 *
 * Only the system pool is inline: AKS refuses structural pool changes through the
 * cluster PUT, and an inline change puts every pool into Scaling (pulumi-azure-native
 * #4264). The user and GPU pools are AgentPool resources whose AKS name carries a digest
 * of their structural settings (VM size, spot, zones): a change AKS cannot apply in
 * place creates the new pool before the old one is deleted, so workloads always have
 * somewhere to go.
 */
export class AksCluster extends pulumi.ComponentResource {
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's OIDC issuer (workload identity federation). */
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    /** Kubeconfig (admin's with local accounts, else Entra through kubelogin): a Pulumi secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The explicit provider for every Kubernetes resource; nothing uses the ambient kubeconfig. */
    public readonly provider: k8s.Provider;
    /** The control plane identity's Network Contributor grant; the LoadBalancer Service waits on it. */
    public readonly networkRole: authorization.RoleAssignment;
    /** The node pools besides the system pool; Kubernetes objects that need them wait on them. */
    public readonly pools: containerservice.AgentPool[];

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:azure:AksCluster", name, {}, opts);
        const child = { parent: this };
        const protect = { parent: this, protect: args.protect };
        const zones = args.zones.length > 0 ? [...args.zones] : undefined;

        const group = new resources.ResourceGroup(
            `${name}-rg`,
            {
                location: args.location,
                tags: { ...args.tags },
            },
            protect,
        );

        const identity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            {
                resourceGroupName: group.name,
                location: args.location,
                tags: { ...args.tags },
            },
            child,
        );

        this.networkRole = new authorization.RoleAssignment(
            `${name}-network-contributor`,
            {
                principalId: identity.principalId,
                principalType: authorization.PrincipalType.ServicePrincipal,
                roleDefinitionId: roleDefinition(args.subscriptionId, NETWORK_CONTRIBUTOR_ROLE_ID),
                scope: args.publicIpResourceGroupId,
                description: "AKS control plane binds the Kubeflow ingress to its static public IP",
            },
            child,
        );

        // In the stack's own network, the control plane's identity manages the nodes' subnet
        // (Microsoft's "Configure Azure CNI Overlay networking in AKS" and "Use a managed
        // identity in AKS": Network Contributor on the subnet, granted before the cluster).
        const subnetRole = args.nodeSubnetId
            ? new authorization.RoleAssignment(
                  `${name}-subnet-role`,
                  {
                      principalId: identity.principalId,
                      principalType: authorization.PrincipalType.ServicePrincipal,
                      roleDefinitionId: roleDefinition(args.subscriptionId, NETWORK_CONTRIBUTOR_ROLE_ID),
                      scope: args.nodeSubnetId,
                      description: "AKS control plane manages the node pools' subnet in the Kubeflow state network",
                  },
                  child,
              )
            : undefined;
        const subnet = args.nodeSubnetId ? { vnetSubnetID: args.nodeSubnetId } : {};

        const cluster = new containerservice.ManagedCluster(
            `${name}-aks`,
            {
                resourceGroupName: group.name,
                location: args.location,
                dnsPrefix: name,
                kubernetesVersion: args.kubernetesVersion,
                // AKS would derive MC_<group>_<cluster>_<location>, which passes its 80-character
                // limit for auto-named groups in long-named regions.
                nodeResourceGroup: args.nodeResourceGroup,
                identity: {
                    type: containerservice.ResourceIdentityType.UserAssigned,
                    userAssignedIdentities: [identity.id],
                },
                enableRBAC: true,
                aadProfile: { managed: true, enableAzureRBAC: true, tenantID: args.tenantId },
                disableLocalAccounts: !args.localAccounts,
                oidcIssuerProfile: { enabled: true },
                securityProfile: { workloadIdentity: { enabled: true } },
                sku: {
                    name: containerservice.ManagedClusterSKUName.Base,
                    tier: args.tier === "Standard" ? containerservice.ManagedClusterSKUTier.Standard : containerservice.ManagedClusterSKUTier.Free,
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
                // Always sent: an empty list clears ranges set before, where leaving the
                // profile out would keep them.
                apiServerAccessProfile: { authorizedIPRanges: [...args.authorizedIpRanges] },
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
                        ...subnet,
                    },
                ],
                tags: { ...args.tags },
            },
            { ...protect, dependsOn: subnetRole ? [subnetRole] : [] },
        );

        const poolArgs = (pool: AksNodePool, taints: string[], labels: Record<string, string>): containerservice.AgentPoolArgs => ({
            resourceGroupName: group.name,
            resourceName: cluster.name,
            mode: containerservice.AgentPoolMode.User,
            vmSize: pool.vmSize,
            enableAutoScaling: true,
            minCount: pool.minCount,
            maxCount: pool.maxCount,
            count: pool.minCount,
            osType: containerservice.OSType.Linux,
            osSKU: containerservice.OSSKU.AzureLinux,
            orchestratorVersion: args.kubernetesVersion,
            availabilityZones: zones,
            type: containerservice.AgentPoolType.VirtualMachineScaleSets,
            nodeLabels: labels,
            ...subnet,
            ...(pool.spot
                ? {
                      scaleSetPriority: containerservice.ScaleSetPriority.Spot,
                      scaleSetEvictionPolicy: containerservice.ScaleSetEvictionPolicy.Delete,
                      spotMaxPrice: -1,
                      // AKS adds this taint to spot pools itself; declaring it keeps the diff quiet.
                      nodeTaints: [...taints, taintText(SPOT_TAINT)],
                  }
                : { nodeTaints: taints.length > 0 ? taints : undefined }),
        });
        // The autoscaler owns the node count.
        const poolOpts = { parent: this, ignoreChanges: ["count"] };
        this.pools = [
            new containerservice.AgentPool(
                `${name}-user`,
                {
                    ...poolArgs(args.userPool, [], {}),
                    agentPoolName: poolName("user", args.userPool, args.zones, []),
                },
                poolOpts,
            ),
        ];
        if (args.gpuPool) {
            this.pools.push(
                new containerservice.AgentPool(
                    `${name}-gpu`,
                    {
                        ...poolArgs(args.gpuPool, [taintText(GPU_TAINT)], { [GPU_POOL_LABEL.key]: GPU_POOL_LABEL.value }),
                        agentPoolName: poolName("gpu", args.gpuPool, args.zones, [taintText(GPU_TAINT)]),
                    },
                    poolOpts,
                ),
            );
        }

        // The auto-upgrade channels act only inside these windows (Microsoft's "Use planned
        // maintenance": the two schedules have these fixed names).
        for (const [configName, suffix] of [
            ["aksManagedAutoUpgradeSchedule", "upgrade-window"],
            ["aksManagedNodeOSUpgradeSchedule", "node-os-window"],
        ] as const) {
            new containerservice.MaintenanceConfiguration(
                `${name}-${suffix}`,
                {
                    resourceGroupName: group.name,
                    resourceName: cluster.name,
                    configName,
                    maintenanceWindow: {
                        schedule: { weekly: { dayOfWeek: args.maintenanceWindow.day, intervalWeeks: 1 } },
                        durationHours: args.maintenanceWindow.durationHours,
                        startTime: args.maintenanceWindow.startTime,
                        utcOffset: args.maintenanceWindow.utcOffset,
                    },
                },
                child,
            );
        }

        // With Azure RBAC for Kubernetes, nobody holds a data-plane role until one is
        // assigned: the admin groups, and the deploying identity so the provider can apply.
        const clusterAdmin = roleDefinition(args.subscriptionId, AKS_RBAC_CLUSTER_ADMIN_ROLE_ID);
        for (const groupId of args.adminGroupIds) {
            new authorization.RoleAssignment(
                `${name}-admin-${groupId}`,
                {
                    principalId: groupId,
                    principalType: authorization.PrincipalType.Group,
                    roleDefinitionId: clusterAdmin,
                    scope: cluster.id,
                    description: "Kubeflow cluster administrators",
                },
                child,
            );
        }
        const deployerRole = new authorization.RoleAssignment(
            `${name}-admin-deployer`,
            {
                // The deploying identity may be a user or a service principal; Azure resolves the type.
                principalId: args.deployerObjectId,
                roleDefinitionId: clusterAdmin,
                scope: cluster.id,
                description: "The identity running pulumi applies the Kubeflow objects",
            },
            child,
        );

        if (args.localAccounts) {
            const credentials = containerservice.listManagedClusterAdminCredentialsOutput(
                {
                    resourceGroupName: group.name,
                    resourceName: cluster.name,
                },
                child,
            );
            this.kubeconfig = pulumi.secret(credentials.kubeconfigs.apply((kcs) => decodeKubeconfig(kcs, name, "admin")));
        } else {
            const credentials = containerservice.listManagedClusterUserCredentialsOutput(
                {
                    resourceGroupName: group.name,
                    resourceName: cluster.name,
                },
                child,
            );
            // Waits on the deployer's role: the provider's first call must not meet Forbidden.
            this.kubeconfig = pulumi.secret(
                pulumi.all([credentials.kubeconfigs, deployerRole.id]).apply(([kcs]) => entraKubeconfig(decodeKubeconfig(kcs, name, "user"))),
            );
        }

        // No deleteUnreachable: with it, any spell of an unreachable API server (an
        // authorized-range change, a wrong network) silently drops every Kubernetes resource
        // from the state (pulumi-kubernetes #1485, #1013). A deliberate teardown of a cluster
        // that is already gone sets PULUMI_K8S_DELETE_UNREACHABLE=true for that one run.
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                enableServerSideApply: true,
                // A ConfigMap's or Secret's new data is an update, not a delete and a
                // create that leaves running pods without it for a moment (diff.go
                // forceNewProperties); their readers roll through the digest on their pod
                // templates (manifests/upgrades/config-rollout.ts).
                enableConfigMapMutable: true,
                enableSecretMutable: true,
            },
            { parent: this, dependsOn: [deployerRole] },
        );

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

function roleDefinition(subscriptionId: pulumi.Input<string>, roleId: string): pulumi.Output<string> {
    return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

function decodeKubeconfig(kcs: readonly { value?: string }[] | undefined, cluster: string, kind: string): string {
    const value = kcs?.[0]?.value;
    if (!value) {
        throw new Error(`AKS returned no ${kind} kubeconfig for cluster ${cluster}`);
    }
    return Buffer.from(value, "base64").toString("utf8");
}

/**
 * The pool's AKS name: its role and a digest of what AKS cannot change in place. Linux
 * pool names are at most 12 lower-case alphanumerics starting with a letter (Microsoft's
 * "Create node pools": naming rules).
 */
export function poolName(role: string, pool: AksNodePool, zones: readonly string[], taints: readonly string[]): string {
    const structural = JSON.stringify({ vmSize: pool.vmSize.toLowerCase(), spot: pool.spot, zones: [...zones].sort(), taints: [...taints].sort() });
    return `${role}${createHash("sha256")
        .update(structural)
        .digest("hex")
        .slice(0, 12 - role.length)}`;
}
