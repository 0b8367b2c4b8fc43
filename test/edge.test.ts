import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    ACME_CATCH_ALL_DENIAL,
    ACME_CHALLENGE_PREFIX,
    ACME_ISSUER,
    acmeCatchAllDenial,
    EdgeSettings,
    SELF_SIGNING_ISSUER,
    TLS_SECRET_NAME,
    buildAcmeObjects,
    buildCertificate,
    buildGateway,
    buildIngressService,
    caFetchCommand,
    exemptAcmeChallenge,
    isAcmeExemptionTarget,
    isEdgeObject,
    validateEdgeObjects,
    validateEdgeSettings,
} from "../manifests/edge";
import { isRecord } from "../manifests/kube";
import { list, rec } from "./assertions";
import { KubeObject, formatProblems } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const selfSigned: EdgeSettings = {
    hostname: "kf-dev.westeurope.cloudapp.azure.com",
    publicIp: "20.61.1.2",
    publicIpName: "kf-dev-ip",
    publicIpResourceGroup: "kf-dev-edge",
    issuer: "self-signed",
};
const letsencrypt: EdgeSettings = { ...selfSigned, issuer: "letsencrypt", acmeEmail: "ops@example.org" };

const AZ = "service.beta.kubernetes.io";

// Small hand-written stand-ins for the upstream objects (shapes as in the renders).
function fixtureGateway(selector: Record<string, string> = { istio: "ingressgateway" }, apiVersion = "networking.istio.io/v1alpha3"): KubeObject {
    return {
        apiVersion,
        kind: "Gateway",
        metadata: { name: "kubeflow-gateway", namespace: "kubeflow", labels: { team: "x" } },
        spec: { selector, servers: [{ hosts: ["*"], port: { name: "http", number: 80, protocol: "HTTP" } }] },
    };
}

function fixtureService(extraSpec: Record<string, unknown> = {}, ports?: unknown[]): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "istio-ingressgateway", namespace: "istio-system", labels: { app: "istio-ingressgateway", istio: "ingressgateway" } },
        spec: {
            type: "ClusterIP",
            selector: { app: "istio-ingressgateway", istio: "ingressgateway" },
            ports: ports ?? [
                { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021, nodePort: 31021 },
                { name: "http2", port: 80, protocol: "TCP", targetPort: 8080, nodePort: 31080 },
                { name: "https", port: 443, protocol: "TCP", targetPort: 8443, nodePort: 31443 },
                { name: "tcp", port: 31400, protocol: "TCP", targetPort: 31400 },
            ],
            ...extraSpec,
        },
    };
}

function server(gateway: KubeObject, port: number): Record<string, unknown> {
    const servers = list(rec(gateway.spec, "spec").servers, "servers").map((s) => rec(s, "server"));
    const found = servers.filter((s) => rec(s.port, "port").number === port);
    assert.equal(found.length, 1, `exactly one server on port ${port}`);
    return found[0];
}

function assertGatewayProperties(gw: KubeObject, settings: EdgeSettings): void {
    assert.equal(gw.kind, "Gateway");
    assert.equal(gw.metadata.namespace, "kubeflow");
    assert.equal(gw.metadata.name, "kubeflow-gateway");
    const http = server(gw, 80);
    assert.deepEqual(rec(http.port, "port"), { name: "http", number: 80, protocol: "HTTP" });
    assert.equal(rec(http.tls, "port 80 tls").httpsRedirect, true);
    assert.deepEqual(http.hosts, ["*"]);
    const https = server(gw, 443);
    assert.deepEqual(rec(https.port, "port"), { name: "https", number: 443, protocol: "HTTPS" });
    const tls = rec(https.tls, "port 443 tls");
    assert.equal(tls.mode, "SIMPLE");
    assert.equal(tls.credentialName, TLS_SECRET_NAME);
    assert.equal(tls.minProtocolVersion, "TLSV1_2");
    assert.deepEqual(https.hosts, [settings.hostname]);
    assert.equal(list(rec(gw.spec, "spec").servers, "servers").length, 2);
}

function assertServiceProperties(svc: KubeObject, settings: EdgeSettings): void {
    assert.equal(svc.metadata.namespace, "istio-system");
    assert.equal(svc.metadata.name, "istio-ingressgateway");
    const spec = rec(svc.spec, "spec");
    assert.equal(spec.type, "LoadBalancer");
    assert.equal(spec.externalTrafficPolicy, "Cluster");
    for (const field of ["loadBalancerIP", "clusterIP", "clusterIPs", "healthCheckNodePort"]) {
        assert.equal(field in spec, false, `${field} is not set`);
    }
    const ports = list(spec.ports, "ports").map((p) => rec(p, "port"));
    assert.deepEqual(
        ports.map((p) => p.port),
        [15021, 80, 443],
    );
    for (const p of ports) {
        assert.equal("nodePort" in p, false, `port ${String(p.port)} carries no nodePort`);
    }
    const a = svc.metadata.annotations ?? {};
    assert.equal(a[`${AZ}/azure-pip-name`], settings.publicIpName);
    assert.equal(a[`${AZ}/azure-load-balancer-resource-group`], settings.publicIpResourceGroup);
    for (const port of [80, 443]) {
        assert.equal(a[`${AZ}/port_${port}_health-probe_protocol`], "http");
        assert.equal(a[`${AZ}/port_${port}_health-probe_port`], "15021");
        assert.equal(a[`${AZ}/port_${port}_health-probe_request-path`], "/healthz/ready");
    }
    // cloud-provider-azure's port_{port}_no_lb_rule: the status port gets no public rule.
    assert.equal(a[`${AZ}/port_15021_no_lb_rule`], "true");
    assert.equal(a[`${AZ}/port_15021_health-probe_protocol`], undefined);
}

function assertCertificateProperties(cert: KubeObject, settings: EdgeSettings): void {
    assert.equal(cert.apiVersion, "cert-manager.io/v1");
    assert.equal(cert.kind, "Certificate");
    assert.equal(cert.metadata.namespace, "istio-system");
    assert.equal(cert.metadata.name, TLS_SECRET_NAME);
    const spec = rec(cert.spec, "spec");
    assert.equal(spec.secretName, TLS_SECRET_NAME);
    assert.deepEqual(spec.dnsNames, [settings.hostname]);
    assert.equal(spec.commonName, settings.hostname);
    assert.equal(rec(spec.privateKey, "privateKey").rotationPolicy, "Always");
    assert.equal(spec.isCA, undefined, "a server certificate is not a CA (Firefox rejects CA certificates as end entities)");
    const issuer = rec(spec.issuerRef, "issuerRef");
    assert.equal(issuer.kind, "ClusterIssuer");
    if (settings.issuer === "self-signed") {
        assert.equal(issuer.name, SELF_SIGNING_ISSUER);
        assert.deepEqual(spec.ipAddresses, [settings.publicIp]);
    } else {
        assert.equal(issuer.name, ACME_ISSUER);
        assert.equal(spec.ipAddresses, undefined, "ACME issues no IP SANs");
    }
}

/** Istio's path patterns in AuthorizationPolicy: exact, `prefix*`, `*suffix`, `*`. */
function pathMatches(pattern: string, path: string): boolean {
    if (pattern === "*") {
        return true;
    }
    if (pattern.endsWith("*")) {
        return path.startsWith(pattern.slice(0, -1));
    }
    if (pattern.startsWith("*")) {
        return path.endsWith(pattern.slice(1));
    }
    return pattern === path;
}

/** Whether some rule of a policy would match a request for `path` (from/when assumed to match). */
function policyMatchesPath(policy: KubeObject, path: string): boolean {
    const rules = list(rec(policy.spec, "spec").rules ?? [{}], "rules").map((r) => rec(r, "rule"));
    return rules.some((rule) => {
        if (!Array.isArray(rule.to)) {
            return true;
        }
        return rule.to.some((t) => {
            const op = rec(rec(t, "to").operation, "operation");
            const paths = Array.isArray(op.paths) ? (op.paths as string[]) : undefined;
            const notPaths = Array.isArray(op.notPaths) ? (op.notPaths as string[]) : [];
            return (paths === undefined || paths.some((p) => pathMatches(p, path))) && !notPaths.some((p) => pathMatches(p, path));
        });
    });
}

interface SimServer {
    gateway: string;
    hosts: string[];
    httpsRedirect: boolean;
}
interface SimVirtualService {
    gateways: string[];
    hosts: string[];
}

/**
 * A model of how Istio builds the port-80 route table of a gateway pod
 * (pilot/pkg/networking/core/gateway.go, buildGatewayHTTPRouteConfig): virtual hosts
 * keyed by the host common to server and VirtualService, TLS required on a virtual
 * host as soon as any server with httpsRedirect contributes or names it; then Envoy's
 * domain choice (exact name before `*`). Returns whether `host` is redirected.
 */
function redirectedOnPort80(servers: SimServer[], services: SimVirtualService[], host: string): boolean {
    const requireTls = new Map<string, boolean>();
    const intersect = (serverHosts: string[], vsHosts: string[]): string[] => {
        const out: string[] = [];
        for (const s of serverHosts) {
            for (const v of vsHosts) {
                if (s === "*" || s === v) {
                    out.push(v);
                } else if (v === "*") {
                    out.push(s);
                }
            }
        }
        return out;
    };
    for (const s of servers) {
        for (const vs of services.filter((v) => v.gateways.includes(s.gateway))) {
            for (const h of intersect(s.hosts, vs.hosts)) {
                requireTls.set(h, (requireTls.get(h) ?? false) || s.httpsRedirect);
            }
        }
        if (s.httpsRedirect) {
            for (const h of s.hosts) {
                requireTls.set(h, true);
            }
        }
    }
    const chosen = requireTls.has(host) ? host : "*";
    return requireTls.get(chosen) ?? false;
}

/** Port 80 of our gateway plus what istiod derives from cert-manager's solver Ingress (a `*` server and an exact-host route). */
function challengeScenario(gateway: KubeObject, hostname: string): { servers: SimServer[]; services: SimVirtualService[] } {
    const http = server(gateway, 80);
    return {
        servers: [
            { gateway: "kubeflow/kubeflow-gateway", hosts: list(http.hosts, "hosts") as string[], httpsRedirect: rec(http.tls, "tls").httpsRedirect === true },
            { gateway: "istio-system/cm-acme-http-solver-istio-autogenerated-k8s-ingress", hosts: ["*"], httpsRedirect: false },
        ],
        services: [
            { gateways: ["kubeflow/kubeflow-gateway"], hosts: ["*"] },
            { gateways: ["istio-system/cm-acme-http-solver-istio-autogenerated-k8s-ingress"], hosts: [hostname] },
        ],
    };
}

describe("isEdgeObject", () => {
    it("selects the kubeflow gateway, the ingress Service and an ingress certificate only", () => {
        assert.equal(isEdgeObject(fixtureGateway()), true);
        assert.equal(isEdgeObject(fixtureGateway({}, "networking.istio.io/v1")), true);
        assert.equal(isEdgeObject(fixtureService()), true);
        assert.equal(
            isEdgeObject({ apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: TLS_SECRET_NAME, namespace: "istio-system" } }),
            true,
        );
        // Istio's own gateway of the same name in istio-system is not ours.
        assert.equal(isEdgeObject({ ...fixtureGateway(), metadata: { name: "istio-ingressgateway", namespace: "istio-system" } }), false);
        assert.equal(isEdgeObject({ ...fixtureGateway(), metadata: { name: "kubeflow-gateway", namespace: "other" } }), false);
        assert.equal(isEdgeObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "istio-ingressgateway", namespace: "istio-system" } }), false);
        assert.equal(
            isEdgeObject({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "kubeflow-gateway", namespace: "kubeflow" } }),
            false,
        );
    });
});

describe("buildGateway", () => {
    it("serves HTTPS for the hostname and redirects port 80", () => {
        assertGatewayProperties(buildGateway(fixtureGateway(), selfSigned), selfSigned);
    });

    it("keeps the release's apiVersion, labels and selector", () => {
        const gw = buildGateway(fixtureGateway({ app: "istio-ingressgateway", istio: "ingressgateway" }, "networking.istio.io/v1beta1"), selfSigned);
        assert.equal(gw.apiVersion, "networking.istio.io/v1beta1");
        assert.deepEqual(rec(gw.spec, "spec").selector, { app: "istio-ingressgateway", istio: "ingressgateway" });
        assert.deepEqual(gw.metadata.labels, { team: "x" });
    });

    it("falls back to istio: ingressgateway when the release has no selector", () => {
        const upstream = fixtureGateway();
        delete rec(upstream.spec, "spec").selector;
        assert.deepEqual(rec(buildGateway(upstream, selfSigned).spec, "spec").selector, { istio: "ingressgateway" });
    });

    it("refuses any other object", () => {
        assert.throws(() => buildGateway(fixtureService(), selfSigned), /expected Gateway kubeflow\/kubeflow-gateway/);
    });

    it("leaves the ACME challenge unredirected while redirecting everything else", () => {
        const gw = buildGateway(fixtureGateway(), letsencrypt);
        const { servers, services } = challengeScenario(gw, letsencrypt.hostname);
        assert.equal(redirectedOnPort80(servers, services, letsencrypt.hostname), false, "challenge host served over HTTP");
        // Without the solver's route, the hostname is redirected like any other name.
        assert.equal(redirectedOnPort80(servers.slice(0, 1), services.slice(0, 1), letsencrypt.hostname), true);
        assert.equal(redirectedOnPort80(servers, services, "other.example.org"), true);
    });

    it("would redirect the challenge if port 80 named the hostname (why it keeps `*`)", () => {
        const gw = buildGateway(fixtureGateway(), letsencrypt);
        server(gw, 80).hosts = [letsencrypt.hostname];
        const { servers, services } = challengeScenario(gw, letsencrypt.hostname);
        assert.equal(redirectedOnPort80(servers, services, letsencrypt.hostname), true);
    });
});

describe("buildIngressService", () => {
    it("is a LoadBalancer on the named public IP with Istio's readiness probe", () => {
        assertServiceProperties(buildIngressService(fixtureService(), selfSigned), selfSigned);
    });

    it("drops cluster state and the deprecated loadBalancerIP, keeps target ports and selector", () => {
        const svc = buildIngressService(
            fixtureService({ clusterIP: "10.0.0.10", clusterIPs: ["10.0.0.10"], loadBalancerIP: "1.2.3.4", healthCheckNodePort: 32000 }),
            selfSigned,
        );
        const spec = rec(svc.spec, "spec");
        assert.equal(spec.clusterIP, undefined);
        assert.equal(spec.loadBalancerIP, undefined);
        assert.deepEqual(
            list(spec.ports, "ports").map((p) => rec(p, "port").targetPort),
            [15021, 8080, 8443],
        );
        assert.deepEqual(spec.selector, { app: "istio-ingressgateway", istio: "ingressgateway" });
    });

    it("keeps upstream annotations next to the Azure ones", () => {
        const upstream = fixtureService();
        upstream.metadata.annotations = { "example.org/keep": "yes" };
        assert.equal(buildIngressService(upstream, selfSigned).metadata.annotations?.["example.org/keep"], "yes");
    });

    it("names the missing port when the release lacks HTTPS", () => {
        const upstream = fixtureService({}, [
            { name: "status-port", port: 15021 },
            { name: "http2", port: 80 },
        ]);
        assert.throws(() => buildIngressService(upstream, selfSigned), /has no port 443/);
    });
});

describe("buildCertificate", () => {
    it("self-signed: hostname and IP from the self-signing ClusterIssuer", () => {
        const cert = buildCertificate(selfSigned);
        assertCertificateProperties(cert, selfSigned);
        assert.equal(cert.metadata.annotations, undefined);
    });

    it("letsencrypt: hostname only, from the ACME issuer, with a temporary certificate meanwhile", () => {
        const cert = buildCertificate(letsencrypt);
        assertCertificateProperties(cert, letsencrypt);
        assert.equal(cert.metadata.annotations?.["cert-manager.io/issue-temporary-certificate"], "true");
    });

    it("leaves commonName out for hostnames longer than X.509 allows", () => {
        const long: EdgeSettings = { ...selfSigned, hostname: `${"a".repeat(50)}.westeurope.cloudapp.azure.com` };
        const spec = rec(buildCertificate(long).spec, "spec");
        assert.equal(spec.commonName, undefined);
        assert.deepEqual(spec.dnsNames, [long.hostname]);
    });

    it("renews before it expires", () => {
        for (const settings of [selfSigned, letsencrypt]) {
            const spec = rec(buildCertificate(settings).spec, "spec");
            const hours = (v: unknown): number => Number(String(v).replace(/h$/, ""));
            assert.ok(
                hours(spec.renewBefore) < hours(spec.duration) / 2,
                `${settings.issuer}: renewBefore ${String(spec.renewBefore)} < duration ${String(spec.duration)}`,
            );
        }
    });
});

describe("buildAcmeObjects", () => {
    it("is empty for self-signed", () => {
        assert.deepEqual(buildAcmeObjects(selfSigned), []);
    });

    it("is an ACME ClusterIssuer with the contact e-mail and an HTTP-01 solver through Istio", () => {
        const objs = buildAcmeObjects(letsencrypt);
        assert.equal(objs.length, 1);
        const [issuer] = objs;
        assert.equal(issuer.kind, "ClusterIssuer");
        assert.equal(issuer.metadata.name, ACME_ISSUER);
        const acme = rec(rec(issuer.spec, "spec").acme, "acme");
        assert.equal(acme.email, "ops@example.org");
        assert.equal(acme.server, "https://acme-v02.api.letsencrypt.org/directory");
        assert.deepEqual(acme.solvers, [{ http01: { ingress: { class: "istio" } } }]);
        assert.match(String(rec(acme.privateKeySecretRef, "privateKeySecretRef").name), /^[a-z0-9-]+$/);
    });

    it("takes another ACME directory (Let's Encrypt staging)", () => {
        const staging = "https://acme-staging-v02.api.letsencrypt.org/directory";
        const [issuer] = buildAcmeObjects({ ...letsencrypt, acmeServer: staging });
        assert.equal(rec(rec(issuer.spec, "spec").acme, "acme").server, staging);
    });
});

describe("exemptAcmeChallenge", () => {
    const custom: KubeObject = {
        apiVersion: "security.istio.io/v1beta1",
        kind: "AuthorizationPolicy",
        metadata: { name: "istio-ingressgateway-oauth2-proxy", namespace: "istio-system" },
        spec: {
            action: "CUSTOM",
            provider: { name: "oauth2-proxy" },
            selector: { matchLabels: { app: "istio-ingressgateway" } },
            rules: [{ to: [{ operation: { notPaths: ["/dex/*", "/oauth2/*"] } }], when: [{ key: "request.headers[authorization]", notValues: ["*"] }] }],
        },
    };

    it("lets the challenge path through a CUSTOM policy, and nothing else", () => {
        assert.equal(policyMatchesPath(custom, `${ACME_CHALLENGE_PREFIX}tok`), true, "before: intercepted");
        const out = exemptAcmeChallenge(custom);
        assert.equal(policyMatchesPath(out, `${ACME_CHALLENGE_PREFIX}tok`), false);
        assert.equal(policyMatchesPath(out, "/"), true);
        assert.equal(policyMatchesPath(out, "/pipeline/"), true);
        assert.equal(policyMatchesPath(out, "/dex/auth"), false);
        assert.deepEqual(rec(out.spec, "spec").provider, { name: "oauth2-proxy" });
        assert.equal(policyMatchesPath(custom, `${ACME_CHALLENGE_PREFIX}tok`), true, "the input is not mutated");
    });

    it("adds an operation to rules that had none, and is idempotent", () => {
        const deny: KubeObject = { ...custom, spec: { action: "DENY", rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }] }] } };
        const once = exemptAcmeChallenge(deny);
        assert.equal(policyMatchesPath(once, `${ACME_CHALLENGE_PREFIX}x`), false);
        assert.equal(policyMatchesPath(once, "/"), true);
        assert.deepEqual(exemptAcmeChallenge(once), once);
    });

    it("appends the prefix to oidc-authservice's SKIP_AUTH_URLS", () => {
        const cm: KubeObject = {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "oidc-authservice-parameters", namespace: "istio-system" },
            data: { SKIP_AUTH_URLS: "/dex" },
        };
        const out = exemptAcmeChallenge(cm);
        assert.deepEqual(rec(out.data, "data").SKIP_AUTH_URLS, `/dex,${ACME_CHALLENGE_PREFIX}`);
        assert.deepEqual(exemptAcmeChallenge(out), out);
    });

    it("leaves ALLOW policies, other namespaces and other workloads alone", () => {
        const allow: KubeObject = { ...custom, spec: { action: "ALLOW", rules: [{}] } };
        const elsewhere: KubeObject = { ...custom, metadata: { name: "p", namespace: "kubeflow" } };
        const otherWorkload: KubeObject = { ...custom, spec: { ...rec(custom.spec, "spec"), selector: { matchLabels: { app: "cluster-local-gateway" } } } };
        for (const o of [allow, elsewhere, otherWorkload]) {
            assert.equal(isAcmeExemptionTarget(o), false);
            assert.equal(exemptAcmeChallenge(o), o);
        }
    });
});

describe("validateEdgeSettings", () => {
    it("accepts good settings of both issuers", () => {
        assert.deepEqual(validateEdgeSettings(selfSigned), []);
        assert.deepEqual(validateEdgeSettings(letsencrypt), []);
    });

    it("requires the ACME e-mail for letsencrypt only", () => {
        const problems = validateEdgeSettings({ ...letsencrypt, acmeEmail: undefined });
        assert.deepEqual(
            problems.map((p) => p.where),
            ["edge.acmeEmail"],
        );
        assert.match(problems[0].rule, /required with issuer 'letsencrypt'/);
        assert.deepEqual(validateEdgeSettings({ ...selfSigned, acmeEmail: undefined }), []);
    });

    it("rejects an IP address as hostname, with the reason", () => {
        const problems = validateEdgeSettings({ ...letsencrypt, hostname: "20.61.1.2" });
        assert.deepEqual(
            problems.map((p) => p.where),
            ["edge.hostname"],
        );
        assert.match(problems[0].rule, /not an IP address/);
    });

    it("reports every problem at once, naming key, value and rule", () => {
        const bad = {
            hostname: "Kubeflow_Host",
            publicIp: "20.61.1",
            publicIpName: "-ip",
            publicIpResourceGroup: "rg.",
            issuer: "letsencrypt",
            acmeEmail: "not-an-email",
            acmeServer: "http://insecure",
        } as const;
        const problems = validateEdgeSettings(bad, "tls");
        assert.deepEqual(
            problems.map((p) => p.where),
            ["tls.hostname", "tls.publicIp", "tls.publicIpName", "tls.publicIpResourceGroup", "tls.acmeEmail", "tls.acmeServer"],
        );
        const message = formatProblems("edge settings", problems);
        assert.match(message, /tls\.publicIp: "20\.61\.1": must be an IP address/);
        assert.match(message, /tls\.hostname: "Kubeflow_Host"/);
    });

    it("rejects unqualified and over-long names and an unknown issuer", () => {
        assert.deepEqual(
            validateEdgeSettings({ ...selfSigned, hostname: "kubeflow" }).map((p) => p.where),
            ["edge.hostname"],
        );
        assert.deepEqual(
            validateEdgeSettings({ ...selfSigned, hostname: `${"a".repeat(64)}.example.org` }).map((p) => p.where),
            ["edge.hostname"],
        );
        const unknownIssuer = { ...selfSigned, issuer: "vault" } as unknown as EdgeSettings;
        assert.deepEqual(
            validateEdgeSettings(unknownIssuer).map((p) => p.where),
            ["edge.issuer"],
        );
    });
});

describe("validateEdgeObjects", () => {
    it("accepts the built objects", async () => {
        const objs = [
            buildGateway(fixtureGateway(), letsencrypt),
            buildIngressService(fixtureService(), letsencrypt),
            buildCertificate(letsencrypt),
            ...buildAcmeObjects(letsencrypt),
        ];
        await validateEdgeObjects(objs);
    });

    it("reports every invalid object in one error", async () => {
        const gw = buildGateway(fixtureGateway(), selfSigned);
        rec(server(gw, 443).tls, "tls").mode = "SOMETIMES";
        const cert = buildCertificate(selfSigned);
        rec(cert.spec, "spec").dnsNames = "not-a-list";
        const unknown: KubeObject = { apiVersion: "example.org/v1", kind: "Thing", metadata: { name: "t" } };
        await assert.rejects(validateEdgeObjects([gw, buildIngressService(fixtureService(), selfSigned), cert, unknown]), (err: Error) => {
            assert.match(err.message, /3 edge object\(s\)/);
            assert.match(err.message, /networking\.istio\.io\/Gateway:kubeflow\/kubeflow-gateway/);
            assert.match(err.message, /cert-manager\.io\/Certificate:istio-system\/istio-ingressgateway-certs/);
            assert.match(err.message, /no schema known/);
            return true;
        });
    });
});

describe("trusting the self-signed certificate", () => {
    it("fetches ca.crt of the ingress secret", () => {
        assert.equal(
            caFetchCommand(),
            "kubectl -n istio-system get secret istio-ingressgateway-certs -o jsonpath='{.data.ca\\.crt}' | base64 -d > kubeflow-ca.crt",
        );
    });
});

describe("the edge on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        describe(release, () => {
            const objs = loadRender(release);
            const selected = objs.filter(isEdgeObject);
            const gateways = selected.filter((o) => o.kind === "Gateway");
            const services = selected.filter((o) => o.kind === "Service");

            it("hands over exactly one gateway and one ingress Service", () => {
                assert.equal(gateways.length, 1);
                assert.equal(services.length, 1);
                assert.deepEqual(
                    selected.filter((o) => o.kind !== "Gateway" && o.kind !== "Service").map((o) => o.kind),
                    selected.filter((o) => o.kind === "Certificate").map(() => "Certificate"),
                );
            });

            it("builds the gateway with the release's apiVersion and selector", () => {
                const gw = buildGateway(gateways[0], selfSigned);
                assertGatewayProperties(gw, selfSigned);
                assert.equal(gw.apiVersion, gateways[0].apiVersion);
                assert.deepEqual(rec(gw.spec, "spec").selector, rec(gateways[0].spec, "spec").selector);
            });

            it("binds its VirtualServices through hosts `*` (which the hostname-only HTTPS server still matches)", () => {
                const bound = objs.filter((o) => {
                    if (o.kind !== "VirtualService") {
                        return false;
                    }
                    const gws = list(rec(o.spec, "spec").gateways ?? [], "gateways");
                    return (gws.includes("kubeflow-gateway") && o.metadata.namespace === "kubeflow") || gws.includes("kubeflow/kubeflow-gateway");
                });
                assert.ok(bound.length > 5, `${bound.length} VirtualServices on the gateway`);
                for (const vs of bound) {
                    assert.deepEqual(rec(vs.spec, "spec").hosts, ["*"], `${vs.metadata.namespace}/${vs.metadata.name}`);
                }
            });

            it("builds the LoadBalancer Service from the release's ports and selector", () => {
                const svc = buildIngressService(services[0], selfSigned);
                assertServiceProperties(svc, selfSigned);
                const upstreamSpec = rec(services[0].spec, "spec");
                assert.deepEqual(rec(svc.spec, "spec").selector, upstreamSpec.selector);
                const upstreamTargets = new Map(list(upstreamSpec.ports, "ports").map((p) => [rec(p, "port").port, rec(p, "port").targetPort]));
                for (const p of list(rec(svc.spec, "spec").ports, "ports").map((x) => rec(x, "port"))) {
                    assert.equal(p.targetPort, upstreamTargets.get(p.port));
                }
            });

            it("issues from a self-signing ClusterIssuer the release ships", () => {
                const cert = buildCertificate(selfSigned);
                assertCertificateProperties(cert, selfSigned);
                const issuer = objs.find((o) => o.kind === "ClusterIssuer" && o.metadata.name === SELF_SIGNING_ISSUER);
                assert.ok(issuer, `ClusterIssuer ${SELF_SIGNING_ISSUER} in the render`);
                assert.ok(isRecord(rec(issuer.spec, "spec").selfSigned), "it is a SelfSigned issuer");
            });

            it("exempts the ACME challenge from the release's authentication at the gateway", () => {
                const targets = objs.filter(isAcmeExemptionTarget);
                assert.ok(targets.length > 0, "the release authenticates at the gateway somewhere");
                const policies = targets.filter((o) => o.kind === "AuthorizationPolicy");
                const configMaps = targets.filter((o) => o.kind === "ConfigMap");
                const challenge = `${ACME_CHALLENGE_PREFIX}token`;
                if (policies.length > 0) {
                    // oauth2-proxy releases: the CUSTOM check and the DENY without JWT.
                    assert.deepEqual(policies.map((p) => rec(p.spec, "spec").action).sort(), ["CUSTOM", "DENY"]);
                    for (const p of policies) {
                        assert.equal(policyMatchesPath(p, challenge), true, `${p.metadata.name} intercepts the challenge before`);
                        const out = exemptAcmeChallenge(p);
                        assert.equal(policyMatchesPath(out, challenge), false, `${p.metadata.name} lets it through after`);
                        assert.equal(policyMatchesPath(out, "/"), true, `${p.metadata.name} still guards /`);
                    }
                } else {
                    // oidc-authservice releases: ext_authz EnvoyFilter, skip list in its parameters.
                    assert.deepEqual(
                        configMaps.map((c) => c.metadata.name),
                        ["oidc-authservice-parameters"],
                    );
                    const urls = String(rec(exemptAcmeChallenge(configMaps[0]).data, "data").SKIP_AUTH_URLS).split(",");
                    assert.ok(urls.includes(ACME_CHALLENGE_PREFIX));
                    assert.ok(urls.includes("/dex"), "the release's own entries stay");
                }
            });

            it("outside a challenge, the exempted path reaches nothing without sign-in: the catch-all route's pods refuse it", () => {
                // The one VirtualService whose route catches an unknown path: the dashboard's.
                const catchAll = objs.filter((o) => o.kind === "VirtualService" && JSON.stringify(o.spec).includes('"uri":{"prefix":"/"}'));
                assert.deepEqual(
                    catchAll.map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
                    ["kubeflow/centraldashboard"],
                );
                const [denial] = acmeCatchAllDenial(objs);
                assert.equal(denial.metadata.name, ACME_CATCH_ALL_DENIAL);
                assert.equal(rec(denial.spec, "spec").action, "DENY");
                // On the dashboard's pods, as the release's own policy for them selects them.
                const dashboardPolicy = objs.find((o) => o.kind === "AuthorizationPolicy" && o.metadata.name === "central-dashboard");
                assert.deepEqual(rec(denial.spec, "spec").selector, rec(dashboardPolicy?.spec, "spec").selector);
                assert.equal(policyMatchesPath(denial, `${ACME_CHALLENGE_PREFIX}token`), true);
                for (const path of ["/", "/pipeline/", "/api/workgroup/exists", "/.well-known/openid-configuration"]) {
                    assert.equal(policyMatchesPath(denial, path), false, path);
                }
                assert.deepEqual(acmeCatchAllDenial([]), []);
            });

            it("yields schema-valid objects for both issuers", async () => {
                await validateEdgeObjects([buildGateway(gateways[0], selfSigned), buildIngressService(services[0], selfSigned), buildCertificate(selfSigned)]);
                await validateEdgeObjects([
                    buildGateway(gateways[0], letsencrypt),
                    buildIngressService(services[0], letsencrypt),
                    buildCertificate(letsencrypt),
                    ...buildAcmeObjects(letsencrypt),
                    ...objs.filter(isAcmeExemptionTarget).map(exemptAcmeChallenge),
                ]);
            });
        });
    }
});
