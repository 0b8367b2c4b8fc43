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
 * This file runs them in turn and prints the report; verify-request.ts says how every
 * request reaches the stack.
 */
import type { VerifyInputs } from "./verify-inputs";
import { Resolver, checkDns, checkHttpRedirect, checkTls } from "./verify-network";
import { checkPipelines } from "./verify-pipelines";
import { CheckResult, CheckStatus, flavourOf } from "./verify-request";
import { checkSignIn } from "./verify-sign-in";

export interface VerifyReport {
    readonly inputs: VerifyInputs;
    readonly checks: readonly CheckResult[];
}

export interface VerifyDeps {
    readonly resolve: Resolver;
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
