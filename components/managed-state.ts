import * as pulumi from "@pulumi/pulumi";
import * as dbformysql from "@pulumi/azure-native/dbformysql";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as random from "@pulumi/random";
import { mysqlSkuTier } from "../config";
import type { StateNetwork } from "../azure/network";
import { MANAGED_DATABASES, mysqlHost } from "../manifests/transforms/managed-state";

export interface ManagedStateArgs {
    readonly location: string;
    /** The network's range and its subnets (azure/network.ts). */
    readonly network: StateNetwork;
    /** Availability zones of the stack; with zones the storage account is zone-redundant. */
    readonly zones: readonly string[];
    readonly mysqlServerName: string;
    /** The administrator's login. */
    readonly mysqlAdminUser: string;
    readonly mysqlSku: string;
    readonly mysqlStorageGb: number;
    readonly backupRetentionDays: number;
    readonly geoRedundantBackup: boolean;
    /** A standby with automatic failover (zone-redundant when the stack has zones). */
    readonly highAvailability: boolean;
    readonly storageAccountName: string;
    /** The Blob container the artifacts go to. */
    readonly containerName: string;
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/** What every part of the state is created in. */
interface Scope {
    readonly name: string;
    readonly group: resources.ResourceGroup;
    readonly vnet: network.VirtualNetwork;
    readonly args: ManagedStateArgs;
    readonly tags: Record<string, string>;
}

/**
 * Kubeflow's state in Azure services, in a resource group and network of their own that
 * no change of the cluster touches: the virtual network the cluster's nodes join, an Azure
 * Database for MySQL flexible server reachable only from it (private access: a delegated
 * subnet and a private DNS zone), and a storage account reachable only through a private
 * endpoint, with a container for the pipelines' artifacts. Nothing here depends on the
 * cluster; the cluster depends on the nodes' subnet.
 */
export class ManagedState extends pulumi.ComponentResource {
    public readonly resourceGroupName: pulumi.Output<string>;
    /** The network the state and the cluster's nodes share (peer a hub with it). */
    public readonly networkId: pulumi.Output<string>;
    public readonly mysqlServerName: pulumi.Output<string>;
    /** The subnet the cluster's node pools join. */
    public readonly nodeSubnetId: pulumi.Output<string>;
    /** The server's host name, known before it exists. */
    public readonly mysqlHost: string;
    public readonly mysqlAdminUser: string;
    /** The administrator's password: a Pulumi secret. */
    public readonly mysqlAdminPassword: pulumi.Output<string>;
    /** The passwords of the pipelines' and Katib's own accounts (manifests/transforms/managed-state.ts makes them): Pulumi secrets. */
    public readonly kfpPassword: pulumi.Output<string>;
    public readonly katibPassword: pulumi.Output<string>;
    public readonly storageAccountName: pulumi.Output<string>;
    /** A shared key of the storage account, for the object store's gateway: a Pulumi secret. */
    public readonly storageKey: pulumi.Output<string>;
    /** Everything the Kubernetes side needs to exist before pods connect. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: ManagedStateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:azure:ManagedState", name, {}, opts);
        const kept = { parent: this, protect: args.protect };
        const tags = { ...args.tags };

        const group = new resources.ResourceGroup(`${name}-rg`, { location: args.location, tags }, kept);
        const { vnet, nodes, mysqlSubnet, endpoints } = this.network(name, group, args, tags);
        const scope: Scope = { name, group, vnet, args, tags };
        const mysql = this.mysql(scope, mysqlSubnet);
        const blob = this.blobStorage(scope, endpoints);

        this.resourceGroupName = group.name;
        this.networkId = vnet.id;
        this.mysqlServerName = mysql.server.name;
        this.nodeSubnetId = nodes.id;
        this.mysqlHost = mysqlHost(args.mysqlServerName);
        this.mysqlAdminUser = args.mysqlAdminUser;
        this.mysqlAdminPassword = mysql.password;
        this.kfpPassword = this.password(`${name}-mysql-kfp-password`);
        this.katibPassword = this.password(`${name}-mysql-katib-password`);
        this.storageAccountName = blob.account.name;
        this.storageKey = blob.key;
        this.ready = [...mysql.ready, ...blob.ready];
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            networkId: this.networkId,
            nodeSubnetId: this.nodeSubnetId,
            mysqlServerName: this.mysqlServerName,
            storageAccountName: this.storageAccountName,
        });
    }

    /**
     * One virtual network, three subnets: the nodes', the server's (delegated to MySQL
     * flexible servers, which want a subnet of their own) and the private endpoints'.
     * Subnets are resources of their own, created one after the other: a network takes one
     * subnet change at a time, and inline subnets would be removed by the next update of
     * the network (azure-native's VirtualNetwork docs).
     */
    private network(name: string, group: resources.ResourceGroup, args: ManagedStateArgs, tags: Record<string, string>) {
        const vnet = new network.VirtualNetwork(
            `${name}-vnet`,
            {
                resourceGroupName: group.name,
                location: args.location,
                addressSpace: { addressPrefixes: [args.network.addressSpace] },
                tags,
            },
            { parent: this, protect: args.protect, ignoreChanges: ["subnets"] },
        );
        const nodes = new network.Subnet(
            `${name}-nodes`,
            { resourceGroupName: group.name, virtualNetworkName: vnet.name, addressPrefix: args.network.nodes },
            { parent: this },
        );
        const mysqlSubnet = new network.Subnet(
            `${name}-mysql`,
            {
                resourceGroupName: group.name,
                virtualNetworkName: vnet.name,
                addressPrefix: args.network.mysql,
                delegations: [{ name: "mysql-flexible-servers", serviceName: "Microsoft.DBforMySQL/flexibleServers" }],
            },
            { parent: this, dependsOn: [nodes] },
        );
        const endpoints = new network.Subnet(
            `${name}-endpoints`,
            {
                resourceGroupName: group.name,
                virtualNetworkName: vnet.name,
                addressPrefix: args.network.endpoints,
                privateEndpointNetworkPolicies: network.VirtualNetworkPrivateEndpointNetworkPolicies.Disabled,
            },
            { parent: this, dependsOn: [mysqlSubnet] },
        );
        return { vnet, nodes, mysqlSubnet, endpoints };
    }

    /** A private DNS zone linked to the network, so names in it resolve from the nodes. */
    private privateZone({ group, vnet, tags }: Scope, name: string, zoneName: string) {
        const zone = new privatedns.PrivateZone(
            `${name}-zone`,
            { resourceGroupName: group.name, privateZoneName: zoneName, location: "global", tags },
            { parent: this },
        );
        const link = new privatedns.VirtualNetworkLink(
            `${name}-zone-link`,
            {
                resourceGroupName: group.name,
                privateZoneName: zone.name,
                location: "global",
                virtualNetwork: { id: vnet.id },
                registrationEnabled: false,
                tags,
            },
            { parent: this },
        );
        return { zone, link };
    }

    /**
     * The flexible server with private access only: MySQL 8.0 (what every component of
     * the releases speaks), automated backups, and the four databases. The administrator
     * is the one account the components share (see the README's managed-state section).
     * TLS is not required: ml-metadata's server and Katib's DB manager cannot speak it
     * (manifests/transforms/managed-state.ts), and the connection never leaves the network.
     */
    private mysql(scope: Scope, subnet: network.Subnet) {
        const { name, group, args, tags } = scope;
        // Azure's names for a flexible server's private zone must end in .mysql.database.azure.com.
        const { zone, link } = this.privateZone(scope, `${name}-mysql`, `${args.mysqlServerName}.private.mysql.database.azure.com`);
        const password = this.password(`${name}-mysql-password`);
        const tier = mysqlSkuTier(args.mysqlSku);
        if (tier === undefined) {
            throw new Error(`state.mysqlSku ${args.mysqlSku}: no MySQL flexible server tier has this size (config.ts checks it first)`);
        }
        const server = new dbformysql.Server(
            `${name}-mysql`,
            {
                resourceGroupName: group.name,
                location: args.location,
                serverName: args.mysqlServerName,
                version: dbformysql.ServerVersion.ServerVersion_8_0_21,
                administratorLogin: args.mysqlAdminUser,
                administratorLoginPassword: password,
                sku: { name: args.mysqlSku, tier },
                storage: { storageSizeGB: args.mysqlStorageGb, autoGrow: dbformysql.EnableStatusEnum.Enabled },
                backup: {
                    backupRetentionDays: args.backupRetentionDays,
                    geoRedundantBackup: args.geoRedundantBackup ? dbformysql.EnableStatusEnum.Enabled : dbformysql.EnableStatusEnum.Disabled,
                },
                // Zone-redundant only where the stack has zones; Azure sets it at creation only.
                highAvailability: {
                    mode: !args.highAvailability
                        ? dbformysql.HighAvailabilityMode.Disabled
                        : args.zones.length > 0
                          ? dbformysql.HighAvailabilityMode.ZoneRedundant
                          : dbformysql.HighAvailabilityMode.SameZone,
                },
                network: {
                    delegatedSubnetResourceId: subnet.id,
                    privateDnsZoneResourceId: zone.id,
                    publicNetworkAccess: dbformysql.EnableStatusEnum.Disabled,
                },
                tags,
            },
            { parent: this, protect: args.protect, dependsOn: [link], additionalSecretOutputs: ["administratorLoginPassword"] },
        );
        const transport = new dbformysql.Configuration(
            `${name}-mysql-require-secure-transport`,
            { resourceGroupName: group.name, serverName: server.name, configurationName: "require_secure_transport", value: "OFF", source: "user-override" },
            { parent: this },
        );
        // One database at a time: a server takes one such operation at a time.
        const databases: dbformysql.Database[] = [];
        for (const database of MANAGED_DATABASES) {
            databases.push(
                new dbformysql.Database(
                    `${name}-db-${database}`,
                    { resourceGroupName: group.name, serverName: server.name, databaseName: database, charset: "utf8mb4", collation: "utf8mb4_0900_ai_ci" },
                    { parent: this, protect: args.protect, dependsOn: [transport, ...databases.slice(-1)] },
                ),
            );
        }
        return { server, password, ready: [server, transport, ...databases] as pulumi.Resource[] };
    }

    /** A MySQL password: letters and digits only (it travels in DSNs, SQL and command lines), 32 of them, a Pulumi secret. */
    private password(name: string): pulumi.Output<string> {
        return pulumi.secret(new random.RandomPassword(name, { length: 32, special: false, minUpper: 2, minLower: 2, minNumeric: 2 }, { parent: this }).result);
    }

    /**
     * The storage account for the artifacts: no public network access (a private endpoint
     * in the network, with its private DNS zone), no anonymous blob access, TLS 1.2, blob
     * versioning and soft delete for blobs and containers for the backup retention. Shared
     * key access stays on: SeaweedFS's Azure client signs with the account key.
     */
    private blobStorage(scope: Scope, subnet: network.Subnet) {
        const { name, group, args, tags } = scope;
        const zoned = args.zones.length > 0;
        const sku = args.geoRedundantBackup
            ? zoned
                ? storage.SkuName.Standard_GZRS
                : storage.SkuName.Standard_GRS
            : zoned
              ? storage.SkuName.Standard_ZRS
              : storage.SkuName.Standard_LRS;
        const account = new storage.StorageAccount(
            `${name}-artifacts`,
            {
                resourceGroupName: group.name,
                location: args.location,
                accountName: args.storageAccountName,
                kind: storage.Kind.StorageV2,
                sku: { name: sku },
                accessTier: storage.AccessTier.Hot,
                allowBlobPublicAccess: false,
                allowSharedKeyAccess: true,
                allowCrossTenantReplication: false,
                publicNetworkAccess: storage.PublicNetworkAccess.Disabled,
                networkRuleSet: { defaultAction: storage.DefaultAction.Deny, bypass: storage.Bypass.None },
                minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
                enableHttpsTrafficOnly: true,
                tags,
            },
            { parent: this, protect: args.protect },
        );
        const retention = { enabled: true, days: args.backupRetentionDays };
        const blobService = new storage.BlobServiceProperties(
            `${name}-artifacts-blob`,
            {
                resourceGroupName: group.name,
                accountName: account.name,
                blobServicesName: "default",
                isVersioningEnabled: true,
                deleteRetentionPolicy: retention,
                containerDeleteRetentionPolicy: retention,
            },
            { parent: this },
        );
        const container = new storage.BlobContainer(
            `${name}-artifacts-container`,
            { resourceGroupName: group.name, accountName: account.name, containerName: args.containerName, publicAccess: storage.PublicAccess.None },
            { parent: this, protect: args.protect, dependsOn: [blobService] },
        );
        const { zone, link } = this.privateZone(scope, `${name}-blob`, "privatelink.blob.core.windows.net");
        const endpoint = new network.PrivateEndpoint(
            `${name}-blob-endpoint`,
            {
                resourceGroupName: group.name,
                location: args.location,
                subnet: { id: subnet.id },
                privateLinkServiceConnections: [{ name: "blob", privateLinkServiceId: account.id, groupIds: ["blob"] }],
                tags,
            },
            { parent: this },
        );
        const zoneGroup = new network.PrivateDnsZoneGroup(
            `${name}-blob-endpoint-dns`,
            {
                resourceGroupName: group.name,
                privateEndpointName: endpoint.name,
                privateDnsZoneGroupName: "default",
                privateDnsZoneConfigs: [{ name: "blob", privateDnsZoneId: zone.id }],
            },
            { parent: this, dependsOn: [link] },
        );
        const keys = storage.listStorageAccountKeysOutput({ resourceGroupName: group.name, accountName: account.name }, { parent: this });
        const key = pulumi.secret(
            keys.keys.apply((k) => {
                const value = k[0]?.value;
                if (!value) {
                    throw new Error(`storage account ${args.storageAccountName} returned no key`);
                }
                return value;
            }),
        );
        return { account, key, ready: [container, zoneGroup] as pulumi.Resource[] };
    }
}
