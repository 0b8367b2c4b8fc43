import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
    AKS_DEFAULT_RANGES,
    DEFAULT_STATE_ADDRESS_SPACE,
    STATE_PREFIX_MAX,
    STATE_PREFIX_MIN,
    cidrOverlaps,
    cidrWithin,
    stateAddressSpaceRule,
    stateNetwork,
} from "../azure/network";

/** Addresses of a CIDR, as a count. */
const size = (cidr: string): number => 2 ** (32 - Number(cidr.split("/")[1]));

describe("the managed state's network layout", () => {
    it("keeps the default range: nodes in 10.224.0.0/18, the server and the endpoints in the next two /28", () => {
        assert.deepEqual(stateNetwork(DEFAULT_STATE_ADDRESS_SPACE), {
            addressSpace: "10.224.0.0/16",
            nodes: "10.224.0.0/18",
            mysql: "10.224.64.0/28",
            endpoints: "10.224.64.16/28",
        });
        assert.equal(stateAddressSpaceRule(DEFAULT_STATE_ADDRESS_SPACE), undefined);
    });

    it("carves the same layout from every accepted size and private range: disjoint subnets inside it, clear of AKS's ranges", () => {
        const bases = ["10.50.0.0", "172.20.0.0", "192.168.0.0", "10.255.0.0"];
        let checked = 0;
        for (const base of bases) {
            for (let bits = STATE_PREFIX_MIN; bits <= STATE_PREFIX_MAX; bits++) {
                const range = `${base}/${bits}`;
                assert.equal(stateAddressSpaceRule(range), undefined, range);
                const net = stateNetwork(range);
                const subnets = [net.nodes, net.mysql, net.endpoints];
                for (const subnet of subnets) {
                    assert.ok(cidrWithin(subnet, range), `${subnet} in ${range}`);
                    for (const aks of Object.values(AKS_DEFAULT_RANGES)) {
                        assert.ok(!cidrOverlaps(subnet, aks), `${subnet} clear of ${aks}`);
                    }
                }
                for (let i = 0; i < subnets.length; i++) {
                    for (let j = i + 1; j < subnets.length; j++) {
                        assert.ok(!cidrOverlaps(subnets[i], subnets[j]), `${subnets[i]} and ${subnets[j]} in ${range}`);
                    }
                }
                // The nodes get a quarter; the delegated subnet is at least a /29 (Microsoft's
                // private access guidance); each /28 keeps 11 addresses after Azure's five.
                assert.equal(size(net.nodes), size(range) / 4, range);
                assert.ok(size(net.mysql) >= 8 && size(net.endpoints) - 5 >= 1, range);
                checked++;
            }
        }
        assert.equal(checked, bases.length * (STATE_PREFIX_MAX - STATE_PREFIX_MIN + 1));
    });

    it("refuses each kind of bad range, saying the rule and a range that works", () => {
        const cases: [unknown, RegExp][] = [
            ["10.224.0.0", /an IPv4 range written a\.b\.c\.d\/n/],
            [16, /an IPv4 range written a\.b\.c\.d\/n/],
            ["10.300.0.0/16", /an IPv4 range written a\.b\.c\.d\/n/],
            ["10.0.0.0/8", /a \/16 to a \/24/],
            ["10.224.0.0/25", /a \/16 to a \/24/],
            ["10.224.1.0/16", /the first address of the range, 10\.224\.0\.0\/16/],
            ["20.10.0.0/16", /a private range \(RFC 1918/],
            ["100.64.0.0/16", /a private range \(RFC 1918/],
            ["172.30.0.0/16", /clear of 172\.30\.0\.0\/16, which AKS reserves/],
            ["172.31.128.0/20", /clear of 172\.31\.0\.0\/16, which AKS reserves/],
            ["10.244.0.0/16", /clear of 10\.244\.0\.0\/16, the cluster's pod range/],
            ["10.0.128.0/20", /clear of 10\.0\.0\.0\/16, the cluster's Service range/],
        ];
        for (const [value, rule] of cases) {
            const problem = stateAddressSpaceRule(value);
            assert.ok(problem, String(value));
            assert.match(problem, rule, String(value));
            // Each names a range that works: the one meant, or an example.
            assert.match(problem, /10\.224\.0\.0\/16/, String(value));
        }
    });
});
