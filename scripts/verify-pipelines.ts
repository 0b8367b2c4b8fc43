/**
 * The pipelines check: with a bearer token, the Kubeflow Pipelines API of the deployed
 * release answers 200 as that user.
 */
import type { VerifyInputs } from "./verify-inputs";
import { Answer, CheckResult, errorText, flavourOf, get } from "./verify-request";
import { apiScope } from "./verify-stack";

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
        return {
            name: "pipelines",
            status: "fail",
            detail: `GET ${path} answered ${answer.status}${typeof body === "object" ? "" : " (not JSON)"}${message}`,
            hint,
        };
    }
    if ("apiServerReady" in body && body.apiServerReady === false) {
        return {
            name: "pipelines",
            status: "fail",
            detail: `GET ${path}: the UI answers, but reports the API server not ready`,
            hint: "kubectl -n kubeflow get pods -l app=ml-pipeline",
        };
    }
    return { name: "pipelines", status: "pass", detail: `GET ${path} answered 200 with the bearer token` };
}
