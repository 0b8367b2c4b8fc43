import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { loadAll } from "js-yaml";
import { TlsConfig } from "../config";
import { ACME_ISSUER, SELF_SIGNING_ISSUER, TLS_SECRET_NAME, isEdgeObject } from "../manifests/edge";
import { EdgePlanInput, planEdge } from "../manifests/edge-plan";
import { isRecord } from "../manifests/kube";
import { list, rec } from "./assertions";
import { KubeObject } from "../manifests/types";
import { MOCK, Mocks, RecordedResource, installMocks } from "./mocks";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

// Mocks first: the component's modules must see them when they load.
let mocks: Mocks;
let edge: typeof import("../components/istio-gateway");

before(async () => {
    mocks = await installMocks();
    edge = await import("../components/istio-gateway");
});

const GROUP = "kubernetes:yaml/v2:ConfigGroup";
const HOSTNAME = "kf-dev.westeurope.cloudapp.azure.com";
const IP_NAME = "kf-dev-ip5678";
const IP_RG = "kf-dev-edge1234";
const AZ = "service.beta.kubernetes.io";
const ISSUERS: Record<string, TlsConfig> = {
    "self-signed": { issuer: "self-signed" },
    letsencrypt: { issuer: "letsencrypt", email: "ops@example.org" },
};

interface Run {
    readonly component: import("../components/istio-gateway").IstioGateway;
    readonly provider: RecordedResource;
    readonly after: RecordedResource;
    readonly role: RecordedResource;
    /** The component's groups by name suffix, with their parsed documents. */
    readonly groups: ReadonlyMap<string, { record: RecordedResource; objects: KubeObject[] }>;
}

/** Stands in for the cluster identity's Network Contributor role assignment. */
class RoleAssignment extends pulumi.CustomResource {
    constructor(name: string) {
        super("azure-native:authorization:RoleAssignment", name, {});
    }
}

/** Prerequisites standing in for the provider, the platform and the role assignment. */
async function prerequisites(): Promise<{ provider: k8s.Provider; after: pulumi.Resource; role: pulumi.Resource }> {
    const provider = new k8s.Provider("p", { kubeconfig: "x" });
    const after = new k8s.core.v1.ConfigMap("platform-ready", { metadata: { name: "x", namespace: "kubeflow" } }, { provider });
    const role = new RoleAssignment("network-role");
    await mocks.settle();
    return { provider, after, role };
}

async function run(handed: KubeObject[], tls: TlsConfig): Promise<Run> {
    mocks.reset();
    const pre = await prerequisites();
    const component = new edge.IstioGateway("edge", {
        plan: planEdge({ handed, hostname: HOSTNAME, tls }),
        // Outputs, as the program passes them (the public endpoint's results).
        publicIp: pulumi.output(MOCK.ipAddress),
        publicIpName: pulumi.output(IP_NAME),
        publicIpResourceGroup: pulumi.output(IP_RG),
        provider: pre.provider,
        after: [pre.after],
        networkRole: pre.role,
    });
    await mocks.settle();
    const groups = new Map<string, { record: RecordedResource; objects: KubeObject[] }>();
    for (const record of mocks.ofType(GROUP)) {
        const text = record.inputs.yaml;
        assert.equal(typeof text, "string", `${record.name}: yaml input is known text`);
        const objects = loadAll(text as string).map((d) => {
            assert.ok(isRecord(d), `${record.name}: each document is an object`);
            return d as KubeObject;
        });
        groups.set(record.name.replace(/^edge-/, ""), { record, objects });
    }
    return {
        component,
        provider: mocks.one("pulumi:providers:kubernetes"),
        after: mocks.one("kubernetes:core/v1:ConfigMap", "platform-ready"),
        role: mocks.one("azure-native:authorization:RoleAssignment"),
        groups,
    };
}

function only(objects: readonly KubeObject[], kind: string): KubeObject {
    const found = objects.filter((o) => o.kind === kind);
    assert.equal(found.length, 1, `exactly one ${kind}`);
    return found[0];
}

function server(gateway: KubeObject, port: number): Record<string, unknown> {
    const servers = list(rec(gateway.spec, "spec").servers, "servers").map((s) => rec(s, "server"));
    const found = servers.filter((s) => rec(s.port, "port").number === port);
    assert.equal(found.length, 1, `exactly one server on port ${port}`);
    return found[0];
}

const renders = availableRenders();

describe("IstioGateway on the upstream renders", { skip: skipWithoutRenders() }, () => {
    for (const release of renders) {
        for (const [issuerName, tls] of Object.entries(ISSUERS)) {
            describe(`${release}, ${issuerName}`, () => {
                let r: Run;
                before(async () => {
                    const handed = loadRender(release).filter(isEdgeObject);
                    r = await run(handed, tls);
                });

                it("registers the component with the type token and three groups parented to it", () => {
                    const component = mocks.one("kubeflow-azure:kubeflow:IstioGateway");
                    assert.deepEqual([...r.groups.keys()].sort(), ["certificate", "gateway", "service"]);
                    for (const { record } of r.groups.values()) {
                        assert.equal(record.parent, component.urn, `${record.name} is a child of the component`);
                    }
                    assert.equal(r.component.certificateSecretName, TLS_SECRET_NAME);
                    assert.equal(r.component.ready.length, 3);
                });

                it("applies exactly one gateway, one ingress Service and one certificate in all", () => {
                    const all = [...r.groups.values()].flatMap((g) => g.objects);
                    assert.equal(all.filter((o) => o.kind === "Gateway").length, 1);
                    assert.equal(all.filter((o) => o.kind === "Service").length, 1);
                    assert.equal(all.filter((o) => o.kind === "Certificate").length, 1);
                    assert.equal(all.filter((o) => o.kind === "ClusterIssuer").length, issuerName === "letsencrypt" ? 1 : 0);
                });

                it("gateway: port 80 redirects to HTTPS, port 443 SIMPLE TLS >= 1.2 from the certificate's secret", () => {
                    const g = r.groups.get("gateway");
                    assert.ok(g);
                    assert.deepEqual(g.objects.map((o) => o.kind).sort(), ["EnvoyFilter", "Gateway"]);
                    const gateway = only(g.objects, "Gateway");
                    assert.equal(gateway.metadata.namespace, "kubeflow");
                    assert.equal(gateway.metadata.name, "kubeflow-gateway");
                    assert.deepEqual(rec(gateway.spec, "spec").selector, { istio: "ingressgateway" });
                    const http = server(gateway, 80);
                    assert.equal(rec(http.tls, "port 80 tls").httpsRedirect, true);
                    const https = server(gateway, 443);
                    assert.equal(rec(https.port, "port").protocol, "HTTPS");
                    assert.deepEqual(https.hosts, [HOSTNAME]);
                    const tlsSettings = rec(https.tls, "port 443 tls");
                    assert.equal(tlsSettings.mode, "SIMPLE");
                    assert.equal(tlsSettings.credentialName, TLS_SECRET_NAME);
                    assert.equal(tlsSettings.minProtocolVersion, "TLSV1_2");
                });

                it("sends Strict-Transport-Security on the gateway's HTTPS answers only, from the gateway's own pods", () => {
                    const g = r.groups.get("gateway");
                    assert.ok(g);
                    const filter = only(g.objects, "EnvoyFilter");
                    assert.equal(filter.metadata.namespace, "istio-system");
                    const spec = rec(filter.spec, "spec");
                    assert.deepEqual(rec(spec.workloadSelector, "workloadSelector").labels, rec(only(g.objects, "Gateway").spec, "spec").selector);
                    assert.deepEqual(spec.configPatches, [
                        {
                            applyTo: "ROUTE_CONFIGURATION",
                            match: { context: "GATEWAY", routeConfiguration: { portNumber: 443, gateway: "kubeflow/kubeflow-gateway" } },
                            patch: {
                                operation: "MERGE",
                                value: {
                                    response_headers_to_add: [
                                        {
                                            header: { key: "strict-transport-security", value: "max-age=31536000" },
                                            append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
                                        },
                                    ],
                                },
                            },
                        },
                    ]);
                });

                it("service: LoadBalancer on the named static IP and its resource group, ports 80 and 443", () => {
                    const g = r.groups.get("service");
                    assert.ok(g);
                    assert.equal(g.objects.length, 1);
                    const service = only(g.objects, "Service");
                    assert.equal(service.metadata.namespace, "istio-system");
                    assert.equal(service.metadata.name, "istio-ingressgateway");
                    const spec = rec(service.spec, "spec");
                    assert.equal(spec.type, "LoadBalancer");
                    const annotations = service.metadata.annotations ?? {};
                    assert.equal(annotations[`${AZ}/azure-pip-name`], IP_NAME);
                    assert.equal(annotations[`${AZ}/azure-load-balancer-resource-group`], IP_RG);
                    const ports = list(spec.ports, "ports").map((p) => rec(p, "port").port);
                    assert.ok(ports.includes(80) && ports.includes(443), `ports ${ports.join(", ")}`);
                });

                it("certificate: the hostname, the IP when self-signed, the issuer of the setting", () => {
                    const g = r.groups.get("certificate");
                    assert.ok(g);
                    const certificate = only(g.objects, "Certificate");
                    assert.equal(certificate.metadata.namespace, "istio-system");
                    const spec = rec(certificate.spec, "spec");
                    assert.equal(spec.secretName, TLS_SECRET_NAME);
                    assert.deepEqual(spec.dnsNames, [HOSTNAME]);
                    const issuerRef = rec(spec.issuerRef, "issuerRef");
                    if (issuerName === "self-signed") {
                        assert.deepEqual(spec.ipAddresses, [MOCK.ipAddress]);
                        assert.equal(issuerRef.name, SELF_SIGNING_ISSUER);
                        assert.equal(g.objects.length, 1, "no ClusterIssuer for self-signed");
                    } else {
                        assert.equal(spec.ipAddresses, undefined);
                        assert.equal(issuerRef.name, ACME_ISSUER);
                        const issuer = only(g.objects, "ClusterIssuer");
                        assert.equal(issuer.metadata.name, ACME_ISSUER);
                        assert.equal(rec(rec(issuer.spec, "spec").acme, "acme").email, "ops@example.org");
                        assert.equal(g.objects.length, 2);
                    }
                });

                it("every group waits on the platform; the Service also on the Network Contributor role", () => {
                    for (const [suffix, { record }] of r.groups) {
                        assert.ok(record.dependencies.includes(r.after.urn), `${suffix} waits on the platform`);
                        assert.equal(
                            record.dependencies.includes(r.role.urn),
                            suffix === "service",
                            `${suffix} ${suffix === "service" ? "waits" : "does not wait"} on the role`,
                        );
                    }
                });

                it("every group uses the cluster provider, never the default one", () => {
                    for (const [suffix, { record }] of r.groups) {
                        // A yaml/v2 group is a remote component; the SDK still sends the explicit
                        // provider reference in `provider` (and in the `providers` map).
                        const ref = record.provider;
                        assert.ok(ref.startsWith(`${r.provider.urn}::`), `${suffix} uses ${ref || "the default provider"}`);
                    }
                });
            });
        }
    }
});

describe("IstioGateway rejects invalid input before registering anything", () => {
    const handed: KubeObject[] = [
        {
            apiVersion: "networking.istio.io/v1beta1",
            kind: "Gateway",
            metadata: { name: "kubeflow-gateway", namespace: "kubeflow" },
            spec: { selector: { istio: "ingressgateway" }, servers: [] },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "istio-ingressgateway", namespace: "istio-system" },
            spec: { selector: { istio: "ingressgateway" }, ports: [{ port: 15021 }, { port: 80 }, { port: 443 }] },
        },
    ];

    async function attempt(args: Partial<EdgePlanInput>): Promise<Error> {
        mocks.reset();
        const pre = await prerequisites();
        mocks.reset();
        let thrown: unknown;
        try {
            new edge.IstioGateway("edge", {
                plan: planEdge({ handed, hostname: HOSTNAME, tls: { issuer: "self-signed" }, ...args }),
                publicIp: pulumi.output(MOCK.ipAddress),
                publicIpName: args.publicIpName ?? pulumi.output(IP_NAME),
                publicIpResourceGroup: pulumi.output(IP_RG),
                provider: pre.provider,
                after: [pre.after],
                networkRole: pre.role,
            });
        } catch (err) {
            thrown = err;
        }
        await mocks.settle();
        assert.ok(thrown instanceof Error, "the constructor throws");
        assert.deepEqual(
            mocks.resources.map((x) => `${x.type} ${x.name}`),
            [],
            "nothing is registered",
        );
        return thrown;
    }

    it("letsencrypt without an e-mail", async () => {
        const err = await attempt({ tls: { issuer: "letsencrypt" } });
        assert.match(err.message, /edge\.acmeEmail/);
        assert.match(err.message, /required with issuer 'letsencrypt'/);
    });

    it("every problem in one message: bad hostname, bad e-mail, a plain bad IP name", async () => {
        const err = await attempt({ hostname: "Not A Host", tls: { issuer: "letsencrypt", email: "nobody" }, publicIpName: "-bad-" });
        assert.match(err.message, /edge\.hostname/);
        assert.match(err.message, /edge\.acmeEmail.*must be an e-mail address/);
        assert.match(err.message, /edge\.publicIpName/);
    });

    it("a hand-over without the gateway", async () => {
        const err = await attempt({ handed: handed.filter((o) => o.kind !== "Gateway") });
        assert.match(err.message, /handed Gateway: 0 found/);
    });
});
