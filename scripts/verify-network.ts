/**
 * The checks of the edge, before anyone signs in: the host name resolves to the ingress
 * IP, port 80 redirects to HTTPS on the same host, and port 443 speaks TLS 1.2+ with a
 * certificate for the host and a chain that verifies.
 */
import * as dns from "node:dns";
import * as tls from "node:tls";
import { caFetchCommand } from "../manifests/edge";
import type { VerifyInputs } from "./verify-inputs";
import { Answer, CheckResult, REDIRECTS, errorText, get, isOnHost, where } from "./verify-request";

export type Resolver = (host: string) => Promise<string[]>;

/** The system resolver, as a browser on this machine would resolve the name (hosts file included). */
export const systemResolver: Resolver = async (host) => (await dns.promises.lookup(host, { all: true })).map((a) => a.address);

export async function checkDns(inputs: VerifyInputs, resolve: Resolver): Promise<CheckResult> {
    if (inputs.ip === undefined) {
        return { name: "dns", status: "skip", detail: "no ingressIp to compare with", hint: "pass --ip, or --stack NAME" };
    }
    let addresses: string[];
    try {
        addresses = await resolve(inputs.host);
    } catch (e) {
        return {
            name: "dns",
            status: "fail",
            detail: `${inputs.host} does not resolve: ${errorText(e)}`,
            hint: "the public IP's DNS label must be set (it is created with the IP); a new name can take a few minutes to propagate",
        };
    }
    if (addresses.includes(inputs.ip)) {
        return { name: "dns", status: "pass", detail: `${inputs.host} resolves to ${addresses.join(", ")} (ingressIp ${inputs.ip})` };
    }
    return {
        name: "dns",
        status: "fail",
        detail: `${inputs.host} resolves to ${addresses.join(", ") || "nothing"}, not to ingressIp ${inputs.ip}`,
        hint: "a custom hostname needs a DNS A record to ingressIp; users and Let's Encrypt reach whatever the name resolves to",
    };
}

/** Errors where no HTTP or TLS conversation began: nothing listens, or nothing answers. */
const UNREACHED = new Set(["ECONNREFUSED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * The hint for a connection that never reached the gateway: the load balancer and the
 * network in front of it, not the gateway's configuration.
 */
export function unreachedHint(inputs: VerifyInputs, scheme: "http" | "https", e: unknown): string | undefined {
    const code = (e as NodeJS.ErrnoException).code;
    const timedOut = /within \d+(\.\d+)? s|timed? ?out/i.test(e instanceof Error ? e.message : String(e));
    if (!(code !== undefined && UNREACHED.has(code)) && !timedOut) {
        return undefined;
    }
    return (
        `nothing answered on ${where(inputs, scheme)}: istio-system/istio-ingressgateway must be a LoadBalancer Service whose EXTERNAL-IP is ` +
        `ingressIp with ready pods (kubectl -n istio-system get svc,pods -l app=istio-ingressgateway); a firewall or proxy on your side ` +
        `that blocks outbound port ${scheme === "https" ? inputs.httpsPort : inputs.httpPort} gives the same error`
    );
}

export async function checkHttpRedirect(inputs: VerifyInputs): Promise<CheckResult> {
    const hint = "kubeflow/kubeflow-gateway must keep httpsRedirect on its port-80 server (policy kubeflow-gateway-https-redirect); run pulumi up";
    let answer: Answer;
    try {
        answer = await get(inputs, "http", "/", { accept: "text/html" });
    } catch (e) {
        return {
            name: "http",
            status: "fail",
            detail: `http://${inputs.host}/ via ${where(inputs, "http")}: ${errorText(e)}`,
            hint: unreachedHint(inputs, "http", e) ?? hint,
        };
    }
    const location = answer.headers.location;
    if (!REDIRECTS.has(answer.status) || location === undefined) {
        return { name: "http", status: "fail", detail: `http://${inputs.host}/ answered ${answer.status} without a redirect`, hint };
    }
    let target: URL;
    try {
        target = new URL(location, `http://${inputs.host}/`);
    } catch {
        return { name: "http", status: "fail", detail: `http://${inputs.host}/ redirects to an invalid URL ${JSON.stringify(location)}`, hint };
    }
    if (!isOnHost(target, inputs.host)) {
        return {
            name: "http",
            status: "fail",
            detail: `http://${inputs.host}/ redirects (${answer.status}) to ${target.href}, not to https://${inputs.host}/`,
            hint,
        };
    }
    return { name: "http", status: "pass", detail: `http://${inputs.host}/ answers ${answer.status} -> ${target.href}` };
}

interface TlsFacts {
    readonly protocol: string | null;
    readonly cert: tls.PeerCertificate;
    readonly authorized: boolean;
    readonly authorizationError?: string;
}

function handshake(inputs: VerifyInputs): Promise<TlsFacts> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({
            host: inputs.connectTo,
            port: inputs.httpsPort,
            servername: inputs.host,
            // Replaces the system's roots when set (node tls.createSecureContext `ca`): a
            // self-signed stack's chain must verify against its own CA and nothing else.
            ca: inputs.caPem,
            minVersion: "TLSv1.2",
            rejectUnauthorized: false,
            // The names are checked below on their own, so `authorized` speaks of the chain alone.
            checkServerIdentity: () => undefined,
        });
        socket.setTimeout(inputs.timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${inputs.timeoutMs / 1000} s`)));
        socket.on("error", reject);
        socket.on("secureConnect", () => {
            // Typed as an Error, but node sets the OpenSSL code as a string (nodejs/node lib/_tls_wrap.js, onConnectSecure).
            const authError: unknown = socket.authorizationError;
            resolve({
                protocol: socket.getProtocol(),
                cert: socket.getPeerCertificate(),
                authorized: socket.authorized,
                authorizationError: typeof authError === "string" ? authError : authError instanceof Error ? authError.message : undefined,
            });
            socket.end();
        });
    });
}

export async function checkTls(inputs: VerifyInputs): Promise<CheckResult> {
    let facts: TlsFacts;
    try {
        facts = await handshake(inputs);
    } catch (e) {
        return {
            name: "tls",
            status: "fail",
            detail: `TLS 1.2+ handshake with ${where(inputs, "https")} (SNI ${inputs.host}) failed: ${errorText(e)}`,
            hint:
                unreachedHint(inputs, "https", e) ??
                "kubeflow/kubeflow-gateway serves port 443 for the hostname only, TLS 1.2 or newer, from the Secret istio-system/istio-ingressgateway-certs (kubectl -n istio-system get secret istio-ingressgateway-certs)",
        };
    }
    const problems: string[] = [];
    const hints: string[] = [];
    const names = facts.cert.subjectaltname ?? "(no subjectAltName)";
    if (facts.protocol !== "TLSv1.2" && facts.protocol !== "TLSv1.3") {
        problems.push(`negotiated ${facts.protocol ?? "no protocol"}`);
    }
    const nameError = tls.checkServerIdentity(inputs.host, facts.cert);
    if (nameError) {
        problems.push(`the certificate's names (${names}) do not cover ${inputs.host}`);
        hints.push(
            "the Certificate istio-system/istio-ingressgateway-certs is issued for the stack's hostname: kubectl -n istio-system describe certificate istio-ingressgateway-certs",
        );
    }
    const against = inputs.caSource ? `the CA in ${inputs.caSource}` : "the system's trusted roots";
    if (!facts.authorized) {
        problems.push(`the chain does not verify against ${against} (${facts.authorizationError ?? "unknown reason"})`);
        hints.push(
            inputs.caSource
                ? `the self-signed certificate is re-issued yearly: fetch the CA again with ${caFetchCommand()}`
                : `self-signed stack: fetch its CA with ${caFetchCommand()} and pass --ca kubeflow-ca.crt; letsencrypt: the order may still be pending (kubectl -n istio-system describe certificate istio-ingressgateway-certs)`,
        );
    }
    if (problems.length > 0) {
        return { name: "tls", status: "fail", detail: problems.join("; "), hint: hints.join("; ") || undefined };
    }
    return {
        name: "tls",
        status: "pass",
        detail: `${facts.protocol}; names ${names} cover ${inputs.host}; chain verified against ${against}; valid until ${facts.cert.valid_to}`,
    };
}
