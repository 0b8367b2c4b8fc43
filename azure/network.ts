/**
 * IPv4 ranges, and the layout of managed state's virtual network. Pure: no Pulumi.
 *
 * The network holds the cluster's nodes, the MySQL server's delegated subnet and the
 * private endpoints. Its range is the user's choice (`state.addressSpace`), because it
 * must not collide with the networks a platform team peers it with; the subnets are
 * carved from it the same way for every range, so a stack's layout follows from one value.
 *
 * Rules, each from Microsoft's documentation:
 * - AKS with Azure CNI Overlay gives pods 10.244.0.0/16 and Services 10.0.0.0/16 when the
 *   cluster names none (aks-cluster.ts names none); the nodes' network must not overlap
 *   either ("Configure Azure CNI Overlay networking in AKS").
 * - AKS clusters cannot use 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 or 192.0.2.0/24
 *   for the Service, pod or cluster virtual network range ("AKS Legacy Container
 *   Networking Interfaces (CNI)", prerequisites).
 * - A MySQL flexible server's delegated subnet is at least a /29 ("Private network access
 *   using virtual network integration for Azure Database for MySQL - Flexible Server").
 * - Azure keeps five addresses of every subnet (the first four and the last).
 */

/** A range written a.b.c.d/n, each octet 0-255, n 0-32. */
export function isCidr(value: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!m) {
        return false;
    }
    const octets = m.slice(1, 5).map(Number);
    return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
}

function ipv4(value: string): number {
    return value.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function dotted(address: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

function prefixLength(cidr: string): number {
    return Number(cidr.split("/")[1]);
}

/** Whether every address of the IPv4 CIDR `inner` is in `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
    return cidrOverlaps(inner, outer) && prefixLength(inner) >= prefixLength(outer);
}

/** Whether two IPv4 CIDRs share an address. */
export function cidrOverlaps(a: string, b: string): boolean {
    const [addrA, bitsA] = a.split("/");
    const [addrB, bitsB] = b.split("/");
    const bits = Math.min(Number(bitsA), Number(bitsB));
    const size = 2 ** (32 - bits);
    return Math.floor(ipv4(addrA) / size) === Math.floor(ipv4(addrB) / size);
}

/** Whether the CIDR's address is the first of its range (no host bits set). */
function isNetworkAddress(cidr: string): boolean {
    const [address, bits] = cidr.split("/");
    return ipv4(address) % 2 ** (32 - Number(bits)) === 0;
}

/** The managed state's network and its three subnets. */
export interface StateNetwork {
    readonly addressSpace: string;
    /** The cluster's node pools: the first quarter of the range. */
    readonly nodes: string;
    /** The MySQL server's subnet, delegated to flexible servers: the first /28 of the second quarter. */
    readonly mysql: string;
    /** The storage account's private endpoint: the /28 after it. */
    readonly endpoints: string;
}

/** The range of a stack that names none: clear of AKS's pod and Service ranges. */
export const DEFAULT_STATE_ADDRESS_SPACE = "10.224.0.0/16";

/** The largest and smallest ranges the layout takes: a /24's first quarter is a /26, 59 nodes. */
export const STATE_PREFIX_MIN = 16;
export const STATE_PREFIX_MAX = 24;

/** Pod and Service ranges AKS gives a cluster that names none. */
export const AKS_DEFAULT_RANGES = { pods: "10.244.0.0/16", services: "10.0.0.0/16" } as const;

const AKS_FORBIDDEN = ["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"];
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** The subnets of a range `stateAddressSpaceRule` accepts. */
export function stateNetwork(addressSpace: string): StateNetwork {
    const base = ipv4(addressSpace.split("/")[0]);
    const quarterBits = prefixLength(addressSpace) + 2;
    const second = base + 2 ** (32 - quarterBits);
    return {
        addressSpace,
        nodes: `${dotted(base)}/${quarterBits}`,
        mysql: `${dotted(second)}/28`,
        endpoints: `${dotted(second + 16)}/28`,
    };
}

/** What is wrong with a range for the state's network, or undefined when nothing is. */
export function stateAddressSpaceRule(value: unknown): string | undefined {
    const example = `e.g. ${DEFAULT_STATE_ADDRESS_SPACE} or 172.20.0.0/20`;
    if (typeof value !== "string" || !isCidr(value)) {
        return `an IPv4 range written a.b.c.d/n, ${example}`;
    }
    const bits = prefixLength(value);
    if (bits < STATE_PREFIX_MIN || bits > STATE_PREFIX_MAX) {
        return `a /${STATE_PREFIX_MIN} to a /${STATE_PREFIX_MAX}: the nodes get its first quarter and the server and endpoints two /28 after it, ${example}`;
    }
    if (!isNetworkAddress(value)) {
        const [address] = value.split("/");
        const start = dotted(ipv4(address) - (ipv4(address) % 2 ** (32 - bits)));
        return `the first address of the range, ${start}/${bits} (Azure refuses a range with host bits set)`;
    }
    if (!PRIVATE_RANGES.some((range) => cidrWithin(value, range))) {
        return `a private range (RFC 1918: within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), ${example}`;
    }
    const forbidden = AKS_FORBIDDEN.find((range) => cidrOverlaps(value, range));
    if (forbidden) {
        return `a range clear of ${forbidden}, which AKS reserves and refuses in a cluster's network, ${example}`;
    }
    const aks = Object.entries(AKS_DEFAULT_RANGES).find(([, range]) => cidrOverlaps(value, range));
    if (aks) {
        return `a range clear of ${aks[1]}, the cluster's ${aks[0] === "pods" ? "pod" : "Service"} range (AKS's default, which this program keeps), ${example}`;
    }
    return undefined;
}
