/**
 * `npm run verify`: a deployed stack checked from outside, as a user meets it. Five
 * checks, each pass, fail or skip, never an exception:
 *
 *   dns        the host name resolves to the stack's ingressIp
 *   http       port 80 redirects to https://<host>/...
 *   tls        TLS 1.2+, a certificate whose names cover the host, a chain that verifies
 *              (the system's roots, or the stack's own CA with --ca)
 *   sign-in    an anonymous request ends at Entra's authorize endpoint with the stack's
 *              client id and the redirect URI the app registration lists
 *   pipelines  with a bearer token, the Kubeflow Pipelines API answers 200 as that user
 *
 * Every request goes to one address (`connectTo`: the ingress IP, or 127.0.0.1 in the
 * tests) with the host name as SNI and Host header, so a redirect to Microsoft is read
 * from its Location and never followed: nothing here can reach login.microsoftonline.com.
 */
import { execFile } from "node:child_process";
import * as dns from "node:dns";
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import * as tls from "node:tls";
import { AuthFlavour, authorizeUrl, redirectUri } from "../manifests/authservice";
import { findRelease, releaseIds } from "../manifests/catalog";
import { caFetchCommand } from "../manifests/edge";
import { isDnsLabel, isGuid, isHostName } from "../manifests/validators";
import { Problem, formatProblems } from "../manifests/types";
import { StackOutputs } from "../outputs";

// ---------------------------------------------------------------------------
// Inputs

/** Keeps a token out of every string conversion: printing one prints `[secret]`. */
export class SecretString {
    readonly #value: string;
    constructor(value: string) {
        this.#value = value;
    }
    reveal(): string {
        return this.#value;
    }
    toString(): string {
        return "[secret]";
    }
    toJSON(): string {
        return "[secret]";
    }
}

export interface VerifyInputs {
    /** Public host name: SNI, Host header, the certificate's name and the redirect URIs' host. */
    readonly host: string;
    /** The stack's ingressIp; the dns check is skipped without it. */
    readonly ip?: string;
    readonly tenantId?: string;
    readonly clientId?: string;
    /** Catalog id of the deployed release: the authservice flavour and the KFP API version. */
    readonly release?: string;
    /** PEM of the CA the chain must verify against (self-signed stacks); the system's roots when absent. */
    readonly caPem?: string;
    /** Where caPem came from, for the report. */
    readonly caSource?: string;
    readonly token?: SecretString;
    /** Why no token is at hand, when none is. */
    readonly tokenUnavailable?: string;
    /** A profile namespace: the pipelines check then lists its pipelines, which KFP authorises per user. */
    readonly namespace?: string;
    /** The address every connection goes to: --connect-to, else ingressIp, else the host name. */
    readonly connectTo: string;
    readonly httpPort: number;
    readonly httpsPort: number;
    /** Per request. */
    readonly timeoutMs: number;
}

export type StackOutputValues = Partial<Record<keyof StackOutputs, unknown>>;

export interface Flags {
    stack?: string;
    host?: string;
    ip?: string;
    tenant?: string;
    clientId?: string;
    release?: string;
    ca?: string;
    token?: SecretString;
    namespace?: string;
    connectTo?: string;
    httpPort?: string;
    httpsPort?: string;
    timeout?: string;
}

const FLAG_NAMES: Readonly<Record<string, keyof Flags>> = {
    "--stack": "stack",
    "--host": "host",
    "--ip": "ip",
    "--tenant": "tenant",
    "--client-id": "clientId",
    "--release": "release",
    "--ca": "ca",
    "--token": "token",
    "--namespace": "namespace",
    "--connect-to": "connectTo",
    "--http-port": "httpPort",
    "--https-port": "httpsPort",
    "--timeout": "timeout",
};

export const USAGE = [
    "usage: npm run verify -- --stack NAME [--ca kubeflow-ca.crt] [--token TOKEN] [--namespace NS]",
    "       npm run verify -- --host HOST [--ip IP] [--tenant GUID] [--client-id GUID] [--release ID] ...",
    "  --connect-to ADDR, --http-port N, --https-port N: connect elsewhere, keeping HOST for SNI and Host",
    "  --timeout SECONDS: per request (default 10)",
].join("\n");

/** A problem the user fixes: printed without a stack trace, exit code 2, nothing checked. */
export class VerifyInputError extends Error {}

export function parseArgs(argv: readonly string[]): { flags: Flags; problems: Problem[] } {
    const flags: Flags = {};
    const problems: Problem[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const eq = arg.indexOf("=");
        const name = eq > 0 ? arg.slice(0, eq) : arg;
        const key = FLAG_NAMES[name];
        if (!key) {
            problems.push({ where: "arguments", value: JSON.stringify(arg), rule: `unknown flag; known: ${Object.keys(FLAG_NAMES).join(", ")}` });
            continue;
        }
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) {
            problems.push({ where: name, value: "(none)", rule: "needs a value" });
            if (value?.startsWith("--")) {
                i--;
            }
            continue;
        }
        if (key === "token") {
            flags.token = new SecretString(value);
        } else {
            flags[key] = value;
        }
    }
    return { flags, problems };
}

function port(where: string, value: string | undefined, fallback: number, problems: Problem[]): number {
    if (value === undefined) {
        return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
        problems.push({ where, value, rule: "a port number, 1-65535" });
    }
    return n;
}

function outputString(outputs: StackOutputValues | undefined, key: keyof StackOutputs, problems: Problem[]): string | undefined {
    const v = outputs?.[key];
    if (v === undefined || v === null) {
        return undefined;
    }
    if (typeof v !== "string") {
        problems.push({ where: `stack output ${key}`, value: JSON.stringify(v), rule: "must be a string" });
        return undefined;
    }
    return v;
}

export interface ResolveDeps {
    /** The stack's outputs (`pulumi stack output --json`), or undefined without --stack. */
    readonly outputs?: StackOutputValues;
    readonly readFile: (path: string) => string;
}

/**
 * The checked inputs: flags over stack outputs. Every problem at once, naming the flag or
 * output, the value and the rule; the token is never part of a message.
 */
export function resolveInputs(flags: Flags, deps: ResolveDeps, argProblems: readonly Problem[] = []): VerifyInputs {
    const problems: Problem[] = [...argProblems];
    const from = (flag: string | undefined, output: keyof StackOutputs): string | undefined => flag ?? outputString(deps.outputs, output, problems);

    const host = from(flags.host, "hostname")?.toLowerCase();
    const ip = from(flags.ip, "ingressIp");
    const tenantId = from(flags.tenant, "tenantId");
    const clientId = from(flags.clientId, "oidcClientId");
    const release = from(flags.release, "kubeflowRelease");

    if (host === undefined) {
        problems.push({ where: "--host", value: "(none)", rule: "required: pass --host, or --stack NAME to read the stack output hostname" });
    } else if (!isHostName(host)) {
        problems.push({ where: "--host", value: host, rule: "a fully qualified DNS name without scheme, port or path" });
    }
    if (ip !== undefined && isIP(ip) === 0) {
        problems.push({ where: "--ip", value: ip, rule: "an IP address (the stack output ingressIp)" });
    }
    if (tenantId !== undefined && !isGuid(tenantId)) {
        problems.push({ where: "--tenant", value: tenantId, rule: "a GUID (the stack output tenantId)" });
    }
    if (clientId !== undefined && !isGuid(clientId)) {
        problems.push({ where: "--client-id", value: clientId, rule: "a GUID (the stack output oidcClientId)" });
    }
    const known = release === undefined ? undefined : findRelease(release);
    if (release !== undefined && !known) {
        problems.push({ where: "--release", value: release, rule: `one of ${releaseIds().join(", ")}` });
    }
    if (flags.namespace !== undefined && !isDnsLabel(flags.namespace)) {
        problems.push({ where: "--namespace", value: flags.namespace, rule: "a Kubernetes namespace name (a profile's namespace)" });
    }
    if (flags.connectTo !== undefined && isIP(flags.connectTo) === 0 && !isHostName(flags.connectTo) && flags.connectTo !== "localhost") {
        problems.push({ where: "--connect-to", value: flags.connectTo, rule: "an IP address or host name" });
    }
    const httpPort = port("--http-port", flags.httpPort, 80, problems);
    const httpsPort = port("--https-port", flags.httpsPort, 443, problems);
    const seconds = flags.timeout === undefined ? 10 : Number(flags.timeout);
    if (!(seconds > 0 && seconds <= 120)) {
        problems.push({ where: "--timeout", value: String(flags.timeout), rule: "seconds per request, more than 0 and at most 120" });
    }
    let caPem: string | undefined;
    if (flags.ca !== undefined) {
        try {
            caPem = deps.readFile(flags.ca);
            if (!caPem.includes("-----BEGIN CERTIFICATE-----")) {
                problems.push({ where: "--ca", value: flags.ca, rule: "a PEM certificate file (-----BEGIN CERTIFICATE-----)" });
            }
        } catch (e) {
            problems.push({ where: "--ca", value: flags.ca, rule: `a readable file (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
        }
    }
    if (problems.length > 0 || host === undefined) {
        throw new VerifyInputError(formatProblems(`${problems.length} problem(s) in the verify inputs; nothing was checked`, problems));
    }
    return {
        host,
        ip,
        tenantId,
        clientId,
        release: known?.id,
        caPem,
        caSource: flags.ca,
        token: flags.token,
        namespace: flags.namespace,
        connectTo: flags.connectTo ?? ip ?? host,
        httpPort,
        httpsPort,
        timeoutMs: seconds * 1000,
    };
}

export type Runner = (file: string, args: readonly string[]) => Promise<string>;

/** Runs a command and returns its stdout; a failure carries the command's stderr. */
export const runCommand: Runner = (file, args) =>
    new Promise((resolve, reject) => {
        execFile(file, [...args], { encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err) {
                const failure: Error & { stderr?: string } = err;
                failure.stderr = stderr;
                reject(failure);
            } else {
                resolve(stdout);
            }
        });
    });

function firstLine(e: unknown): string {
    const stderr = (e as { stderr?: unknown }).stderr;
    const text = typeof stderr === "string" && stderr.trim() !== "" ? stderr : e instanceof Error ? e.message : String(e);
    return text.trim().split("\n")[0].slice(0, 300);
}

/** `pulumi stack output --json --stack NAME`: secret outputs stay `[secret]` (no --show-secrets). */
export async function readStackOutputs(stack: string, run: Runner = runCommand): Promise<StackOutputValues> {
    let text: string;
    try {
        text = await run("pulumi", ["stack", "output", "--json", "--stack", stack]);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            throw new VerifyInputError(
                `--stack ${stack}: the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/); pass --host, --ip, --tenant, --client-id and --release instead`,
            );
        }
        throw new VerifyInputError(`--stack ${stack}: pulumi stack output failed: ${firstLine(e)}`);
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new VerifyInputError(`--stack ${stack}: pulumi stack output --json printed no object`);
    }
    return parsed;
}

/** The scope the app registration exposes for bearer tokens (components/entra-app.ts). */
export function apiScope(clientId: string): string {
    return `api://${clientId}/user_impersonation`;
}

/**
 * A token from the Azure CLI's login for the app's API scope, as the README's KFP SDK
 * snippet gets one. No az, or az failing (not signed in, no consent), gives the reason
 * the pipelines check is skipped.
 */
export async function tokenFromAzCli(clientId: string, run: Runner = runCommand): Promise<{ token: SecretString } | { unavailable: string }> {
    try {
        const out = await run("az", ["account", "get-access-token", "--scope", apiScope(clientId), "--query", "accessToken", "-o", "tsv"]);
        const token = out.trim();
        return token === "" ? { unavailable: "az account get-access-token printed no token" } : { token: new SecretString(token) };
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            return { unavailable: "no --token, and the Azure CLI (az) is not installed" };
        }
        return { unavailable: `az account get-access-token failed: ${firstLine(e)}` };
    }
}

// ---------------------------------------------------------------------------
// Kubeflow Pipelines API per release

export interface KfpApi {
    /** The KFP version of the release's render (the api-server image tag). */
    readonly kfp: string;
    readonly api: "v1beta1" | "v2beta1";
}

// The KFP API server registers /apis/v2beta1/healthz from 2.0.x on; 2.0.0-alpha.7 has only
// /apis/v1beta1 (kubeflow/pipelines backend/src/apiserver/main.go at each tag). The UI server
// serves healthz and proxies /apis/<version>/ under its /pipeline base path
// (frontend/server/app.ts, configs.ts BASEPATH).
const KFP_APIS: Readonly<Record<string, KfpApi>> = {
    "26.03": { kfp: "2.16.0", api: "v2beta1" },
    "v1.11.0": { kfp: "2.15.0", api: "v2beta1" },
    "v1.10.2": { kfp: "2.5.0", api: "v2beta1" },
    "v1.9.1": { kfp: "2.3.0", api: "v2beta1" },
    "v1.8.1": { kfp: "2.0.5", api: "v2beta1" },
    "v1.7.0": { kfp: "2.0.0-alpha.7", api: "v1beta1" },
};

export function kfpApi(release: string): KfpApi {
    const api = KFP_APIS[release];
    if (!api) {
        throw new Error(`no Kubeflow Pipelines API version recorded for release ${release}`);
    }
    return api;
}

/**
 * The pipelines request: with a namespace, the list of its pipelines (KFP asks Kubernetes
 * whether the user may list pipelines there: pipeline_server.go canAccessPipeline); without
 * one, the UI's healthz, which the gateway still guards with the token.
 */
export function pipelinesApiPath(release: string, namespace?: string): string {
    const { api } = kfpApi(release);
    if (namespace === undefined) {
        return `/pipeline/apis/${api}/healthz`;
    }
    const ns = encodeURIComponent(namespace);
    return api === "v2beta1"
        ? `/pipeline/apis/v2beta1/pipelines?namespace=${ns}`
        : `/pipeline/apis/v1beta1/pipelines?resource_reference_key.type=NAMESPACE&resource_reference_key.id=${ns}`;
}

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

interface Answer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

const MAX_BODY = 64 * 1024;
const MAX_HOPS = 6;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ENTRA_ORIGIN = "https://login.microsoftonline.com";

/**
 * One GET to `connectTo`, whatever host the path was found under. `verify` checks the
 * chain against the CA (or the system's roots) and the host name; a token is only ever
 * sent with `verify` on.
 */
function get(inputs: VerifyInputs, scheme: "http" | "https", path: string, headers: Record<string, string>, verify = false): Promise<Answer> {
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

function errorText(e: unknown): string {
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
function isOnHost(u: URL, host: string): boolean {
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

function decodeHtml(s: string): string {
    return s
        .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
        .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&");
}

/**
 * oauth2-proxy with `skip_provider_button = false` (every Kubeflow release's config) answers
 * an anonymous page request with its sign-in page, whose button is a GET form to
 * `<proxy prefix>/start` with the original path in `rd` (oauth2-proxy oauthproxy.go Proxy,
 * pkg/app/pagewriter/sign_in.html, v7.6.0 to v7.14.3). The path a click on it requests.
 */
export function signInButtonPath(html: string): string | undefined {
    for (const form of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
        const tag = /^<form\b[^>]*>/i.exec(form[0])?.[0] ?? "";
        const action = /\baction\s*=\s*"([^"]*)"/i.exec(tag)?.[1];
        const method = /\bmethod\s*=\s*"([^"]*)"/i.exec(tag)?.[1] ?? "GET";
        if (action === undefined || method.toUpperCase() !== "GET" || !decodeHtml(action).endsWith("/start")) {
            continue;
        }
        const rd = /<input\b[^>]*\bname\s*=\s*"rd"[^>]*\bvalue\s*=\s*"([^"]*)"/i.exec(form[0])?.[1];
        const path = decodeHtml(action);
        return rd === undefined ? path : `${path}?rd=${encodeURIComponent(decodeHtml(rd))}`;
    }
    return undefined;
}

function flavourOf(release: string): AuthFlavour {
    const known = findRelease(release);
    if (!known) {
        throw new Error(`unknown release ${release}: resolveInputs accepts only releases of the catalog`);
    }
    return known.authservice;
}

export async function checkSignIn(inputs: VerifyInputs): Promise<CheckResult> {
    const missing = [
        inputs.tenantId === undefined ? "--tenant" : undefined,
        inputs.clientId === undefined ? "--client-id" : undefined,
        inputs.release === undefined ? "--release" : undefined,
    ].filter((m): m is string => m !== undefined);
    if (missing.length > 0 || inputs.tenantId === undefined || inputs.clientId === undefined || inputs.release === undefined) {
        return { name: "sign-in", status: "skip", detail: `nothing to compare with: ${missing.join(", ")} unknown`, hint: "pass them, or --stack NAME" };
    }
    const flavour = flavourOf(inputs.release);
    const expected = { authorize: authorizeUrl(inputs.tenantId), clientId: inputs.clientId, redirectUri: redirectUri(flavour, inputs.host) };
    const hint = `the authservice (${flavour}) must send users to Entra with the stack's app; run pulumi up so the authservice and the app registration agree`;
    const trail: string[] = [];
    let path = "/";
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
        trail.push(path);
        let answer: Answer;
        try {
            // Accept text/html as a browser does: oauth2-proxy answers JSON clients 401 instead of the sign-in flow.
            answer = await get(inputs, "https", path, { accept: "text/html,application/xhtml+xml" });
        } catch (e) {
            return { name: "sign-in", status: "fail", detail: `GET https://${inputs.host}${path}: ${errorText(e)}`, hint: "the gateway cannot be reached over HTTPS: see the tls check" };
        }
        const location = answer.headers.location;
        let next: string | undefined;
        if (REDIRECTS.has(answer.status) && location !== undefined) {
            let target: URL;
            try {
                target = new URL(location, `https://${inputs.host}${path}`);
            } catch {
                return { name: "sign-in", status: "fail", detail: `${path} redirects to an invalid URL ${JSON.stringify(location)}`, hint };
            }
            if (target.origin === ENTRA_ORIGIN) {
                return authorizeVerdict(target, expected, trail, hint);
            }
            if (!isOnHost(target, inputs.host)) {
                return { name: "sign-in", status: "fail", detail: `${trail.join(" -> ")} redirects to ${target.origin}${target.pathname}, neither ${inputs.host} nor ${ENTRA_ORIGIN}`, hint };
            }
            next = target.pathname + target.search;
        } else {
            next = signInButtonPath(answer.body);
            if (next === undefined) {
                return {
                    name: "sign-in",
                    status: "fail",
                    detail: `${trail.join(" -> ")} answered ${answer.status} without sending an anonymous user to sign in`,
                    hint: `${hint}; every path except the ACME challenge must require a session`,
                };
            }
        }
        path = next;
    }
    return { name: "sign-in", status: "fail", detail: `more than ${MAX_HOPS} redirects on ${inputs.host}: ${trail.join(" -> ")}`, hint };
}

function authorizeVerdict(target: URL, expected: { authorize: string; clientId: string; redirectUri: string }, trail: readonly string[], hint: string): CheckResult {
    const problems: string[] = [];
    const endpoint = `${target.origin}${target.pathname}`;
    if (endpoint !== expected.authorize) {
        problems.push(`endpoint ${endpoint}, expected ${expected.authorize}`);
    }
    const clientId = target.searchParams.get("client_id");
    if (clientId !== expected.clientId) {
        problems.push(`client_id ${clientId ?? "(none)"}, expected ${expected.clientId}`);
    }
    const redirect = target.searchParams.get("redirect_uri");
    if (redirect !== expected.redirectUri) {
        problems.push(`redirect_uri ${redirect ?? "(none)"}, expected ${expected.redirectUri}`);
    }
    const via = trail.join(" -> ");
    if (problems.length > 0) {
        return { name: "sign-in", status: "fail", detail: `${via} -> Entra with ${problems.join("; ")}`, hint };
    }
    return { name: "sign-in", status: "pass", detail: `${via} -> ${endpoint} with client_id ${clientId} and redirect_uri ${redirect} (not followed)` };
}

export async function checkPipelines(inputs: VerifyInputs, tlsResult: CheckResult): Promise<CheckResult> {
    if (inputs.release === undefined) {
        return { name: "pipelines", status: "skip", detail: "release unknown: no KFP API version to call", hint: "pass --release, or --stack NAME" };
    }
    if (flavourOf(inputs.release) === "oidc-authservice") {
        return {
            name: "pipelines",
            status: "skip",
            detail: `${inputs.release} signs users in with oidc-authservice, which takes the session cookie, not bearer tokens`,
            hint: "README, Kubeflow Pipelines SDK: use the session cookie from a browser sign-in",
        };
    }
    if (inputs.token === undefined) {
        return {
            name: "pipelines",
            status: "skip",
            detail: inputs.tokenUnavailable ?? "no token",
            hint: `pass --token, or az login (the check asks az for a token for ${inputs.clientId ? apiScope(inputs.clientId) : "api://<oidcClientId>/user_impersonation"})`,
        };
    }
    if (tlsResult.status !== "pass") {
        return { name: "pipelines", status: "skip", detail: "the token is not sent: the tls check did not pass", hint: "fix the tls check first" };
    }
    const path = pipelinesApiPath(inputs.release, inputs.namespace);
    let answer: Answer;
    try {
        answer = await get(inputs, "https", path, { accept: "application/json", authorization: `Bearer ${inputs.token.reveal()}` }, true);
    } catch (e) {
        return { name: "pipelines", status: "fail", detail: `GET ${path}: ${errorText(e)}` };
    }
    let body: unknown;
    try {
        body = JSON.parse(answer.body);
    } catch {
        body = undefined;
    }
    if (answer.status !== 200 || typeof body !== "object" || body === null) {
        const message = typeof body === "object" && body !== null && "message" in body ? `: ${String(body.message).slice(0, 200)}` : "";
        const hint =
            answer.status === 401
                ? `the gateway rejected the token: it must be an Entra v2 token of tenant ${inputs.tenantId ?? "<tenant>"} for ${inputs.clientId ? apiScope(inputs.clientId) : "the app's scope"}, not expired`
                : answer.status === 403
                  ? "signed in but not allowed: the user needs a Kubeflow profile, or access to --namespace; with allowedGroupIds, membership of a group"
                  : undefined;
        return { name: "pipelines", status: "fail", detail: `GET ${path} answered ${answer.status}${typeof body === "object" ? "" : " (not JSON)"}${message}`, hint };
    }
    if ("apiServerReady" in body && body.apiServerReady === false) {
        return { name: "pipelines", status: "fail", detail: `GET ${path}: the UI answers, but reports the API server not ready`, hint: "kubectl -n kubeflow get pods -l app=ml-pipeline" };
    }
    return { name: "pipelines", status: "pass", detail: `GET ${path} answered 200 with the bearer token` };
}

/** Runs every check, one after the other (the TLS verdict decides whether a token is sent). */
export async function verify(inputs: VerifyInputs, deps: VerifyDeps): Promise<VerifyReport> {
    const dnsResult = await checkDns(inputs, deps.resolve);
    const httpResult = await checkHttpRedirect(inputs);
    const tlsResult = await checkTls(inputs);
    const signIn = await checkSignIn(inputs);
    const pipelines = await checkPipelines(inputs, tlsResult);
    return { inputs, checks: [dnsResult, httpResult, tlsResult, signIn, pipelines] };
}

export function failed(report: VerifyReport): boolean {
    return report.checks.some((c) => c.status === "fail");
}

export function formatReport(report: VerifyReport): string {
    const { inputs } = report;
    const release = inputs.release ? ` (Kubeflow ${inputs.release}, ${flavourOf(inputs.release)})` : "";
    const lines = [`verify https://${inputs.host}/${release}, connecting to ${inputs.connectTo}`];
    for (const c of report.checks) {
        lines.push(`  ${c.status.toUpperCase().padEnd(4)}  ${c.name.padEnd(9)}  ${c.detail}`);
        if (c.hint && c.status !== "pass") {
            lines.push(`  ${"".padEnd(4)}  ${"".padEnd(9)}  -> ${c.hint}`);
        }
    }
    const count = (s: CheckStatus): number => report.checks.filter((c) => c.status === s).length;
    lines.push(`${report.checks.length} checks: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`);
    return lines.join("\n");
}
