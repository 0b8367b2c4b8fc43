/**
 * The HTTPS edge of Kubeflow as plain objects: the Istio gateway
 * `kubeflow/kubeflow-gateway`, the `istio-system/istio-ingressgateway` LoadBalancer
 * Service on the static public IP, the cert-manager Certificate behind port 443 and,
 * for Let's Encrypt, the ACME ClusterIssuer. No Pulumi here: components/istio-gateway.ts
 * creates what these functions return.
 */
import { isRecord, onlyStrings } from "./kube";
import { KubeObject, apiGroup, objectKey } from "./types";

export { validateEdgeObjects, validateEdgeSettings } from "./edge-validation";

export const GATEWAY_NAMESPACE = "kubeflow";
export const GATEWAY_NAME = "kubeflow-gateway";
export const INGRESS_NAMESPACE = "istio-system";
export const INGRESS_SERVICE_NAME = "istio-ingressgateway";
/** Certificate and Secret share this name; the ingress gateway reads the Secret by credentialName. */
export const TLS_SECRET_NAME = "istio-ingressgateway-certs";
/** Present in every supported render (cert-manager's kustomization). */
export const SELF_SIGNING_ISSUER = "kubeflow-self-signing-issuer";
export const ACME_ISSUER = "kubeflow-letsencrypt";
export const ACME_ACCOUNT_KEY_SECRET = "kubeflow-letsencrypt-account-key";
export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";
/** Istio's readiness endpoint on every gateway pod. */
export const STATUS_PORT = 15021;
export const STATUS_PATH = "/healthz/ready";

const DEFAULT_SELECTOR: Readonly<Record<string, string>> = { istio: "ingressgateway" };
const AZ = "service.beta.kubernetes.io";

export interface EdgeSettings {
    /** Public DNS name, e.g. `<label>.<region>.cloudapp.azure.com`. */
    hostname: string;
    /** The static public IP the load balancer binds. */
    publicIp: string;
    /** Azure resource name of that public IP. */
    publicIpName: string;
    /** Resource group holding the public IP (usually not the node resource group). */
    publicIpResourceGroup: string;
    issuer: "self-signed" | "letsencrypt";
    /** ACME account contact; required for letsencrypt. */
    acmeEmail?: string;
    /** ACME directory; Let's Encrypt production when absent (set the staging URL to test). */
    acmeServer?: string;
}

/** The upstream objects the edge replaces; the platform drops them from the render. */
export function isEdgeObject(o: KubeObject): boolean {
    const group = apiGroup(o.apiVersion);
    const { name, namespace } = o.metadata;
    if (o.kind === "Gateway" && group === "networking.istio.io") {
        return namespace === GATEWAY_NAMESPACE && name === GATEWAY_NAME;
    }
    if (o.kind === "Service" && group === "") {
        return namespace === INGRESS_NAMESPACE && name === INGRESS_SERVICE_NAME;
    }
    // No render ships one today; if a release starts to, it must not fight ours.
    return o.kind === "Certificate" && group === "cert-manager.io" && name === TLS_SECRET_NAME;
}

/**
 * The Kubeflow gateway with HTTPS.
 *
 * Port 80 keeps hosts `*` on purpose. Istio builds one route table for all HTTP
 * servers on a port and keys virtual hosts by host name; a server with httpsRedirect
 * marks every virtual host of its own hosts as TLS-only, whichever gateway added it
 * (pilot/pkg/networking/core/gateway.go, buildGatewayHTTPRouteConfig). cert-manager's
 * HTTP-01 Ingress becomes a virtual host for the exact hostname; with `*` here that
 * exact host stays plain HTTP and wins Envoy's domain match for the challenge, while
 * every other request falls to `*` and is redirected. Listing the hostname on port 80
 * would redirect the challenge too (istio/istio#27643, #33593).
 *
 * Port 443 serves the hostname only: the Entra redirect URI and the session cookies
 * work on that name alone, and an SNI-bound listener refuses TLS for anything else.
 * The upstream VirtualServices use hosts `*`, which Istio intersects with the
 * server's hosts, so they still match.
 */
export function buildGateway(upstreamGateway: KubeObject, settings: EdgeSettings): KubeObject {
    if (apiGroup(upstreamGateway.apiVersion) !== "networking.istio.io" || upstreamGateway.kind !== "Gateway" || !isEdgeObject(upstreamGateway)) {
        throw new Error(`buildGateway: expected Gateway ${GATEWAY_NAMESPACE}/${GATEWAY_NAME}, got ${objectKey(upstreamGateway)}`);
    }
    const upstreamSpec = isRecord(upstreamGateway.spec) ? upstreamGateway.spec : {};
    const selector = onlyStrings(upstreamSpec.selector) ?? { ...DEFAULT_SELECTOR };
    return {
        apiVersion: upstreamGateway.apiVersion,
        kind: "Gateway",
        metadata: keptMetadata(upstreamGateway),
        spec: {
            selector,
            servers: [
                {
                    hosts: ["*"],
                    port: { name: "http", number: 80, protocol: "HTTP" },
                    tls: { httpsRedirect: true },
                },
                {
                    hosts: [settings.hostname],
                    port: { name: "https", number: 443, protocol: "HTTPS" },
                    tls: { mode: "SIMPLE", credentialName: TLS_SECRET_NAME, minProtocolVersion: "TLSV1_2" },
                },
            ],
        },
    };
}

/** HSTS on every HTTPS answer: a year, this host only (cloudapp.azure.com subdomains are other people's). */
export const HSTS_HEADER = "strict-transport-security";
export const HSTS_VALUE = "max-age=31536000";
export const HSTS_FILTER_NAME = "kubeflow-gateway-hsts";

/**
 * `Strict-Transport-Security` on every answer of the gateway's HTTPS server, so a
 * browser that has been here once never sends a request, and the session cookie with
 * it, over port 80 again (the oidc-authservice of 1.7/1.8 sets no Secure flag on its
 * cookie). An Istio Gateway cannot set response headers, and the upstream
 * VirtualServices are many and not ours: an EnvoyFilter adds the header to the route
 * configuration Istio builds for this gateway's port 443 server only: for a gateway,
 * pilot reads the gateway and the server port from the RDS route name
 * (`https.443.https.kubeflow-gateway.kubeflow`) and matches `routeConfiguration.gateway`
 * and `portNumber` against them (pilot/pkg/networking/core/envoyfilter/rc_patch.go,
 * routeConfigurationMatch, same logic in 1.16.0 and 1.28.0). OVERWRITE_IF_EXISTS_OR_ADD:
 * one header even when an app sends its own (Envoy config.core.v3.HeaderValueOption).
 *
 * Safe with the self-signed certificate: a browser ignores the header on a connection
 * with certificate errors (RFC 6797, section 8.1), so nobody who clicked through a
 * warning is locked out; those who trusted the CA get the protection.
 */
export function buildHstsFilter(upstreamGateway: KubeObject): KubeObject {
    const spec = isRecord(upstreamGateway.spec) ? upstreamGateway.spec : {};
    const selector = onlyStrings(spec.selector) ?? { ...DEFAULT_SELECTOR };
    return {
        apiVersion: "networking.istio.io/v1alpha3",
        kind: "EnvoyFilter",
        // The ingress gateway's namespace: a workloadSelector matches pods of its own namespace only.
        metadata: { name: HSTS_FILTER_NAME, namespace: INGRESS_NAMESPACE },
        spec: {
            workloadSelector: { labels: selector },
            configPatches: [
                {
                    applyTo: "ROUTE_CONFIGURATION",
                    match: {
                        context: "GATEWAY",
                        routeConfiguration: { portNumber: 443, gateway: `${GATEWAY_NAMESPACE}/${GATEWAY_NAME}` },
                    },
                    patch: {
                        operation: "MERGE",
                        value: {
                            response_headers_to_add: [{ header: { key: HSTS_HEADER, value: HSTS_VALUE }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
                        },
                    },
                },
            ],
        },
    };
}

/**
 * The ingress gateway Service as an Azure LoadBalancer on the static IP.
 *
 * The IP is named by annotation (`azure-pip-name`, plus its resource group), not by
 * the deprecated `spec.loadBalancerIP`. Azure's probe would otherwise be derived per
 * port: HTTP `/` on port 80 gets Istio's 404 for an unknown route, HTTPS on 443 has
 * no certificate for the probe. Every port is therefore probed over HTTP on the
 * status port's node port at `/healthz/ready` (cloud-provider-azure's
 * `port_{port}_health-probe_*` annotations; the AKS app-routing Istio gateway uses
 * the same). Those annotations assume externalTrafficPolicy Cluster, set explicitly.
 * The status port itself is published inside the cluster only (no load-balancer rule).
 * Only the status, HTTP and HTTPS ports are published; older releases also list
 * Istio's TCP/TLS passthrough ports, which nothing in Kubeflow uses from outside.
 */
export function buildIngressService(upstreamService: KubeObject, settings: EdgeSettings): KubeObject {
    if (upstreamService.kind !== "Service" || !isEdgeObject(upstreamService)) {
        throw new Error(`buildIngressService: expected Service ${INGRESS_NAMESPACE}/${INGRESS_SERVICE_NAME}, got ${objectKey(upstreamService)}`);
    }
    const spec = isRecord(upstreamService.spec) ? upstreamService.spec : {};
    const upstreamPorts = Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : [];
    const wanted = [STATUS_PORT, 80, 443];
    const ports = wanted.map((number) => {
        const found = upstreamPorts.find((p) => p.port === number);
        if (!found) {
            throw new Error(`buildIngressService: the release's ${INGRESS_NAMESPACE}/${INGRESS_SERVICE_NAME} has no port ${number}`);
        }
        // nodePort values are cluster state; carrying a stale one would conflict.
        const port = { ...found };
        delete port.nodePort;
        return port;
    });
    const selector = onlyStrings(spec.selector);
    if (!selector) {
        throw new Error(`buildIngressService: the release's ${INGRESS_NAMESPACE}/${INGRESS_SERVICE_NAME} has no selector`);
    }
    const annotations: Record<string, string> = {
        ...(upstreamService.metadata.annotations ?? {}),
        [`${AZ}/azure-pip-name`]: settings.publicIpName,
        [`${AZ}/azure-load-balancer-resource-group`]: settings.publicIpResourceGroup,
    };
    for (const number of [80, 443]) {
        annotations[`${AZ}/port_${number}_health-probe_protocol`] = "http";
        annotations[`${AZ}/port_${number}_health-probe_port`] = String(STATUS_PORT);
        annotations[`${AZ}/port_${number}_health-probe_request-path`] = STATUS_PATH;
    }
    // The status port stays in the Service (80 and 443 are probed on its node port) but
    // gets no public load-balancing rule: cloud-provider-azure's `port_{port}_no_lb_rule`
    // ("health check service should not be exposed to the public internet").
    annotations[`${AZ}/port_${STATUS_PORT}_no_lb_rule`] = "true";
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { ...keptMetadata(upstreamService), annotations },
        spec: {
            type: "LoadBalancer",
            externalTrafficPolicy: "Cluster",
            selector,
            ports,
        },
    };
}

/**
 * The certificate behind port 443.
 *
 * Self-signed: a leaf signed by itself, so cert-manager writes it as `ca.crt` too;
 * isCA stays false because Firefox refuses a CA certificate as a server certificate
 * (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY), which the v1.1 guide's `isCA: true`
 * ran into. The public IP stays in ipAddresses, as the guide's certificate has it, so
 * clients that reach the gateway by its address see a name that matches.
 * ACME: no IP SAN (Let's Encrypt does not issue for IPs here), and a temporary
 * self-signed certificate while the first order runs, so the HTTPS listener has a
 * credential from the start instead of an absent Secret.
 * commonName is limited to 64 characters by X.509; longer hostnames rely on the SAN.
 */
export function buildCertificate(settings: EdgeSettings): KubeObject {
    const acme = settings.issuer === "letsencrypt";
    const spec: Record<string, unknown> = {
        secretName: TLS_SECRET_NAME,
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: acme ? ACME_ISSUER : SELF_SIGNING_ISSUER },
        dnsNames: [settings.hostname],
        // Let's Encrypt fixes 90 days; renew with 30 left, as it recommends.
        duration: acme ? "2160h" : "8760h",
        renewBefore: "720h",
        privateKey: { algorithm: "RSA", size: 2048, rotationPolicy: "Always" },
        usages: ["digital signature", "key encipherment", "server auth"],
    };
    if (settings.hostname.length <= 64) {
        spec.commonName = settings.hostname;
    }
    if (!acme) {
        spec.ipAddresses = [settings.publicIp];
    }
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: {
            name: TLS_SECRET_NAME,
            namespace: INGRESS_NAMESPACE,
            ...(acme ? { annotations: { "cert-manager.io/issue-temporary-certificate": "true" } } : {}),
        },
        spec,
    };
}

/**
 * Extra objects for `issuer: letsencrypt`: the ACME ClusterIssuer. Empty for self-signed.
 *
 * HTTP-01 is solved through cert-manager's Ingress solver with class `istio`: istiod
 * turns that Ingress into a gateway server plus a VirtualService for the exact
 * hostname on the `istio: ingressgateway` pods (mesh default ingressControllerMode
 * STRICT honours the class annotation; the renders define no IngressClass, so
 * `ingressClassName` would not be picked up, and cert-manager before 1.12 lacks it).
 * No routing object of ours is needed: the gateway's port 80 hosts `*` leave that
 * exact-host route unredirected (see buildGateway). The auth exemption for the
 * challenge path lives in the authservice's own objects: exemptAcmeChallenge.
 */
export function buildAcmeObjects(settings: EdgeSettings): KubeObject[] {
    if (settings.issuer !== "letsencrypt") {
        return [];
    }
    return [
        {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: ACME_ISSUER },
            spec: {
                acme: {
                    server: settings.acmeServer ?? LETSENCRYPT_PRODUCTION,
                    email: settings.acmeEmail ?? "",
                    privateKeySecretRef: { name: ACME_ACCOUNT_KEY_SECRET },
                    solvers: [{ http01: { ingress: { class: "istio" } } }],
                },
            },
        },
    ];
}

/**
 * Whether an upstream object authenticates requests at the ingress gateway and so
 * must let the ACME challenge through: the CUSTOM (oauth2-proxy) and DENY
 * (require-JWT) AuthorizationPolicies on the gateway in Kubeflow >= 1.9, and the
 * oidc-authservice parameters (`SKIP_AUTH_URLS`) behind the ext_authz EnvoyFilter
 * of 1.7/1.8. An ALLOW policy cannot override CUSTOM or DENY, hence the edit.
 */
export function isAcmeExemptionTarget(o: KubeObject): boolean {
    if (o.kind === "ConfigMap" && apiGroup(o.apiVersion) === "") {
        return isRecord(o.data) && typeof o.data.SKIP_AUTH_URLS === "string";
    }
    if (o.kind !== "AuthorizationPolicy" || apiGroup(o.apiVersion) !== "security.istio.io" || o.metadata.namespace !== INGRESS_NAMESPACE) {
        return false;
    }
    const spec = isRecord(o.spec) ? o.spec : {};
    if (spec.action !== "CUSTOM" && spec.action !== "DENY") {
        return false;
    }
    const labels = isRecord(spec.selector) ? onlyStrings(spec.selector.matchLabels) : undefined;
    // No selector: the policy covers every workload of istio-system, the gateway included.
    return labels === undefined || labels.app === "istio-ingressgateway" || labels.istio === "ingressgateway";
}

/**
 * A copy of an exemption target that no longer intercepts the ACME challenge path;
 * other objects are returned unchanged. Idempotent. For policies, every rule gets the
 * path in the notPaths of each operation (a rule without `to` gets one), so no rule
 * matches a challenge request while every other request matches as before.
 */
export function exemptAcmeChallenge(o: KubeObject): KubeObject {
    if (!isAcmeExemptionTarget(o)) {
        return o;
    }
    const copy = structuredClone(o);
    if (copy.kind === "ConfigMap") {
        const data = copy.data as Record<string, string>;
        const urls = data.SKIP_AUTH_URLS.split(",")
            .map((s) => s.trim())
            .filter((s) => s.length > 0);
        if (!urls.includes(ACME_CHALLENGE_PREFIX)) {
            urls.push(ACME_CHALLENGE_PREFIX);
        }
        data.SKIP_AUTH_URLS = urls.join(",");
        return copy;
    }
    const spec = copy.spec as Record<string, unknown>;
    const pattern = `${ACME_CHALLENGE_PREFIX}*`;
    const rules = Array.isArray(spec.rules) && spec.rules.length > 0 ? spec.rules.filter(isRecord) : [{}];
    for (const rule of rules) {
        const to = Array.isArray(rule.to) && rule.to.length > 0 ? rule.to.filter(isRecord) : [{}];
        for (const t of to) {
            const op = isRecord(t.operation) ? t.operation : {};
            const notPaths = Array.isArray(op.notPaths) ? op.notPaths.filter((p): p is string => typeof p === "string") : [];
            if (!notPaths.includes(pattern)) {
                notPaths.push(pattern);
            }
            op.notPaths = notPaths;
            t.operation = op;
        }
        rule.to = to;
    }
    spec.rules = rules;
    return copy;
}

/** The command that saves the self-signed certificate (its own CA) for trusting it. */
export function caFetchCommand(): string {
    return `kubectl -n ${INGRESS_NAMESPACE} get secret ${TLS_SECRET_NAME} -o jsonpath='{.data.ca\\.crt}' | base64 -d > kubeflow-ca.crt`;
}

function keptMetadata(o: KubeObject): KubeObject["metadata"] {
    const { name, namespace, labels, annotations } = o.metadata;
    return {
        name,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(labels !== undefined ? { labels: { ...labels } } : {}),
        ...(annotations !== undefined ? { annotations: { ...annotations } } : {}),
    };
}

export const ACME_CATCH_ALL_DENIAL = "kubeflow-azure-acme-path-solver-only";

/**
 * The challenge path skips sign-in (exemptAcmeChallenge), and outside a challenge no
 * solver route exists for it: the request falls to the only catch-all route, the
 * dashboard's (VirtualService `centraldashboard`, prefix `/`, in every release), which
 * would answer it without sign-in. This DENY policy on the dashboard's pods refuses that
 * path there (`403 RBAC: access denied`), whatever the port. The solver's own route leads
 * to cert-manager's solver pod, never the dashboard, so challenges are not touched. The
 * selector is the release's own `central-dashboard` policy's; nothing is returned for a
 * render without it.
 */
export function acmeCatchAllDenial(objects: readonly KubeObject[]): KubeObject[] {
    const dashboard = objects.find((o) => o.kind === "AuthorizationPolicy" && o.metadata.name === "central-dashboard");
    const selector = dashboard && isRecord(dashboard.spec) && isRecord(dashboard.spec.selector) ? dashboard.spec.selector : undefined;
    if (!dashboard || !selector) {
        return [];
    }
    return [
        {
            apiVersion: dashboard.apiVersion,
            kind: "AuthorizationPolicy",
            metadata: { name: ACME_CATCH_ALL_DENIAL, namespace: dashboard.metadata.namespace },
            spec: { selector, action: "DENY", rules: [{ to: [{ operation: { paths: [`${ACME_CHALLENGE_PREFIX}*`] } }] }] },
        },
    ];
}
