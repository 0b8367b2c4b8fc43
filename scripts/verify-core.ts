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
import { AuthFlavour, authorizeUrl, redirectUri } from "../manifests/authservice";
import { findRelease } from "../manifests/catalog";
import { VerifyInputs, apiScope } from "./verify-inputs";
import { Answer, CheckResult, CheckStatus, ENTRA_ORIGIN, MAX_HOPS, REDIRECTS, VerifyDeps, VerifyReport, checkDns, checkHttpRedirect, checkTls, errorText, get, isOnHost } from "./verify-http";

export * from "./verify-inputs";
export { type CheckName, type CheckResult, type CheckStatus, type Resolver, type VerifyDeps, type VerifyReport, checkDns, checkHttpRedirect, checkTls, systemResolver } from "./verify-http";

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
