/**
 * What the checks share: the result type, and the one GET every HTTP check makes.
 * Every request goes to one address (`connectTo`: the ingress IP, or 127.0.0.1 in the
 * tests) with the host name as SNI and Host header, so a redirect to Microsoft is read
 * from its Location and never followed: nothing here can reach login.microsoftonline.com.
 */
import * as http from "node:http";
import * as https from "node:https";
import { AuthFlavour } from "../manifests/authservice";
import { findRelease } from "../manifests/catalog";
import type { VerifyInputs } from "./verify-inputs";

export type CheckStatus = "pass" | "fail" | "skip";
export type CheckName = "dns" | "http" | "tls" | "sign-in" | "pipelines";

export interface CheckResult {
    readonly name: CheckName;
    readonly status: CheckStatus;
    readonly detail: string;
    /** What to do about a failure or a skip. */
    readonly hint?: string;
}

export interface Answer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

const MAX_BODY = 64 * 1024;
export const REDIRECTS = new Set([301, 302, 303, 307, 308]);

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

export function where(inputs: VerifyInputs, scheme: "http" | "https"): string {
    const p = scheme === "https" ? inputs.httpsPort : inputs.httpPort;
    return `${inputs.connectTo}:${p}`;
}

/** Whether a URL names this host on the default HTTPS port. */
export function isOnHost(u: URL, host: string): boolean {
    return u.protocol === "https:" && u.hostname === host && (u.port === "" || u.port === "443");
}

export function flavourOf(release: string): AuthFlavour {
    return (findRelease(release) as NonNullable<ReturnType<typeof findRelease>>).authservice;
}
