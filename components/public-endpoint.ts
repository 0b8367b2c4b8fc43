import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as resources from "@pulumi/azure-native/resources";

export interface PublicEndpointArgs {
    /** Azure region. */
    readonly location: string;
    /** DNS label: the address becomes `<label>.<location>.cloudapp.azure.com`. */
    readonly dnsLabel: string;
    /** Availability zones for a zone-redundant address; empty for a regional one. */
    readonly zones: readonly string[];
    /** Tags for every Azure resource. */
    readonly tags: Readonly<Record<string, string>>;
    /** Protect the resource group and the address against deletion (production). */
    readonly protect: boolean;
}

/**
 * The static public address of the deployment, created before the cluster so the
 * redirect URI, the certificate and the authservice know it up front. It lives in a
 * resource group of its own: the cluster's identity is granted Network Contributor on
 * this group only, which is all the load balancer needs to bind the address.
 */
export class PublicEndpoint extends pulumi.ComponentResource {
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly resourceGroupId: pulumi.Output<string>;
    public readonly publicIpName: pulumi.Output<string>;
    public readonly ipAddress: pulumi.Output<string>;
    /** The Azure-assigned FQDN of the DNS label. */
    public readonly fqdn: pulumi.Output<string>;

    constructor(name: string, args: PublicEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:azure:PublicEndpoint", name, {}, opts);

        const group = new resources.ResourceGroup(
            `${name}-rg`,
            {
                location: args.location,
                tags: { ...args.tags },
            },
            { parent: this, protect: args.protect },
        );

        const ip = new network.PublicIPAddress(
            `${name}-ip`,
            {
                resourceGroupName: group.name,
                location: args.location,
                sku: { name: network.PublicIPAddressSkuName.Standard, tier: network.PublicIPAddressSkuTier.Regional },
                publicIPAllocationMethod: network.IPAllocationMethod.Static,
                publicIPAddressVersion: network.IPVersion.IPv4,
                dnsSettings: { domainNameLabel: args.dnsLabel },
                zones: args.zones.length > 0 ? [...args.zones] : undefined,
                tags: { ...args.tags },
            },
            {
                parent: this,
                protect: args.protect,
                // A DNS label is held by one address at a time in its region: the old address
                // must release it before a replacement can ask for it.
                deleteBeforeReplace: true,
            },
        );

        this.resourceGroupName = group.name;
        this.resourceGroupId = group.id;
        this.publicIpName = ip.name;
        this.ipAddress = ip.ipAddress.apply((a) => a ?? "");
        this.fqdn = ip.dnsSettings.apply((d) => d?.fqdn ?? "");
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            publicIpName: this.publicIpName,
            ipAddress: this.ipAddress,
            fqdn: this.fqdn,
        });
    }
}
