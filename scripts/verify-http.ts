/**
 * The requests of `npm run verify` and its first three checks (dns, http, tls): every
 * request to one address with the host name as SNI and Host header.
 */
import * as dns from "node:dns";
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";
import { caFetchCommand } from "../manifests/edge";
import { VerifyInputs } from "./verify-inputs";

// ---------------------------------------------------------------------------
// Checks

export type CheckStatus = "pass" | "fail" | "skip";
export type CheckName = "dns" | "http" | "tls" | "sign-in" | "pipelines";

export interface CheckResult {
    readonly name: CheckName;
    readonly status: CheckStatus;
    readonly detail: string;
    /** What to do about a failure or a skip. */
    readonly hint?: string;
}

export interface VerifyReport {
    readonly inputs: VerifyInputs;
    readonly checks: readonly CheckResult[];
}

export type Resolver = (host: string) => Promise<string[]>;

/** The system resolver, as a browser on this machine would resolve the name (hosts file included). */
export const systemResolver: Resolver = async (host) => (await dns.promises.lookup(host, { all: true })).map((a) => a.address);

export interface VerifyDeps {
    readonly resolve: Resolver;
}

export interface Answer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

const MAX_BODY = 64 * 1024;
export const MAX_HOPS = 6;
export const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export const ENTRA_ORIGIN = "https://login.microsoftonline.com";

/**
 * One GET to `connectTo`, whatever host the path was found under. `verify` checks the
 * chain against the CA (or the system's roots) and the host name; a token is only ever
 * sent with `verify` on.
 */

export function get(inputs: VerifyInputs, scheme: "http" | "https", path: string, headers: Record<string, string>, verify = false): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const options: https.RequestOptions = {
            host: inputs.connectTo,
            port: scheme === "https" ? inputs.httpsPort : inputs.httpPort,
            path,
            method: "GET",
            headers: { host: inputs.host, "user-agent": "kubeflow-azure-verify", ...headers },
            agent: false,
        };
        const req =
            scheme === "https"
                ? https.request({ ...options, servername: inputs.host, rejectUnauthorized: verify, ca: verify ? inputs.caPem : undefined })
                : http.request(options);
        req.setTimeout(inputs.timeoutMs, () => req.destroy(new Error(`no answer within ${inputs.timeoutMs / 1000} s`)));
        req.on("error", reject);
        req.on("response", (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
            res.on("data", (c: Buffer) => {
                if (size < MAX_BODY) {
                    chunks.push(c);
                    size += c.length;
                } else {
                    res.destroy();
                    done();
                }
            });
            res.on("end", done);
            res.on("error", reject);
        });
        req.end();
    });
}

export function errorText(e: unknown): string {
    const code = (e as NodeJS.ErrnoException).code;
    const raw = (e instanceof Error ? e.message : String(e)).trim().split("\n")[0];
    // OpenSSL's text carries its file and line; its reason alone says what went wrong.
    const message = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(raw)?.[1] ?? raw;
    return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function where(inputs: VerifyInputs, scheme: "http" | "https"): string {
    const p = scheme === "https" ? inputs.httpsPort : inputs.httpPort;
    return `${inputs.connectTo}:${p}`;
}

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

/** Whether a URL names this host on the default HTTPS port. */
export function isOnHost(u: URL, host: string): boolean {
    return u.protocol === "https:" && u.hostname === host && (u.port === "" || u.port === "443");
}

export async function checkHttpRedirect(inputs: VerifyInputs): Promise<CheckResult> {
    const hint = "kubeflow/kubeflow-gateway must keep httpsRedirect on its port-80 server (policy kubeflow-gateway-https-redirect); run pulumi up";
    let answer: Answer;
    try {
        answer = await get(inputs, "http", "/", { accept: "text/html" });
    } catch (e) {
        return { name: "http", status: "fail", detail: `http://${inputs.host}/ via ${where(inputs, "http")}: ${errorText(e)}`, hint };
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
        return { name: "http", status: "fail", detail: `http://${inputs.host}/ redirects (${answer.status}) to ${target.href}, not to https://${inputs.host}/`, hint };
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
            hint: "kubeflow/kubeflow-gateway serves port 443 for the hostname only, TLS 1.2 or newer, from the Secret istio-system/istio-ingressgateway-certs (kubectl -n istio-system get secret istio-ingressgateway-certs)",
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
        hints.push("the Certificate istio-system/istio-ingressgateway-certs is issued for the stack's hostname: kubectl -n istio-system describe certificate istio-ingressgateway-certs");
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
