/**
 * The sign-in check: an anonymous request, followed hop by hop on the host (through
 * oauth2-proxy's sign-in button when it shows one), must end at Entra's authorize endpoint
 * with the stack's client id and the redirect URI the app registration lists.
 */
import { authorizeUrl, redirectUri } from "../manifests/authservice";
import type { VerifyInputs } from "./verify-inputs";
import { Answer, CheckResult, REDIRECTS, errorText, flavourOf, get, isOnHost } from "./verify-request";

const MAX_HOPS = 6;
const ENTRA_ORIGIN = "https://login.microsoftonline.com";

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
            return {
                name: "sign-in",
                status: "fail",
                detail: `GET https://${inputs.host}${path}: ${errorText(e)}`,
                hint: "the gateway cannot be reached over HTTPS: see the tls check",
            };
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
                return {
                    name: "sign-in",
                    status: "fail",
                    detail: `${trail.join(" -> ")} redirects to ${target.origin}${target.pathname}, neither ${inputs.host} nor ${ENTRA_ORIGIN}`,
                    hint,
                };
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

function authorizeVerdict(
    target: URL,
    expected: { authorize: string; clientId: string; redirectUri: string },
    trail: readonly string[],
    hint: string,
): CheckResult {
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
