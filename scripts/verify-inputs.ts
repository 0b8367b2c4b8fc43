/**
 * The inputs of `npm run verify`: the flags, read and checked together with the stack
 * outputs they override, every problem reported at once before anything is checked.
 */
import { isIP } from "node:net";
import { findRelease, releaseIds } from "../manifests/catalog";
import { Problem, formatProblems } from "../manifests/types";
import { StackOutputs } from "../outputs";
import { isGuid } from "../manifests/validators";

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

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function isHostName(s: string): boolean {
    return s.length <= 253 && s.includes(".") && isIP(s) === 0 && s.split(".").every((l) => DNS_LABEL.test(l));
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
    if (flags.namespace !== undefined && !DNS_LABEL.test(flags.namespace)) {
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
    if (problems.length > 0) {
        throw new VerifyInputError(formatProblems(`${problems.length} problem(s) in the verify inputs; nothing was checked`, problems));
    }
    return {
        host: host as string,
        ip,
        tenantId,
        clientId,
        release: known?.id,
        caPem,
        caSource: flags.ca,
        token: flags.token,
        namespace: flags.namespace,
        connectTo: flags.connectTo ?? ip ?? (host as string),
        httpPort,
        httpsPort,
        timeoutMs: seconds * 1000,
    };
}
