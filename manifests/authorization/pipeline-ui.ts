/**
 * The pipelines UI (`kubeflow/ml-pipeline-ui`) answers only the API for callers inside
 * the cluster.
 *
 * The UI's server reads the object store with its own key for any artifact request
 * without a `namespace` query parameter (kubeflow/pipelines frontend/server/app.ts and
 * handlers/artifacts.ts at 2.0.5 to 2.16.0: the per-namespace proxy is used only when the
 * parameter is there; no check of the caller's namespaces before 2.17.0, #12860). From
 * v1.9.1 on, the release's own AuthorizationPolicy on the UI admits, besides the ingress
 * gateway, any caller that sends an `Authorization` header and no `kubeflow-userid`
 * (meant for the KFP SDK inside the cluster), and a pod without a sidecar reaches it in
 * plain text (no PeerAuthentication makes the mesh strict): a pod in any profile
 * namespace could read every namespace's artifacts through the UI. This DENY policy
 * refuses every caller but the ingress gateway on every path except the API's
 * (`/apis/...`, which the UI hands to the API server, which authorizes the user), the
 * routes the SDK uses. It lists what stays open rather than what is closed: the UI's
 * Express router matches paths without regard to case, Istio's matching does not, so a
 * list of closed paths could be passed by `/ARTIFACTS/...`. Pure: no Pulumi.
 */
import { isKind, isRecord } from "../kube";
import { KubeObject } from "../types";

export const PIPELINE_UI_DENIAL = "kubeflow-azure-pipeline-ui-api-only";
/** The ingress gateway's identity in every release (the releases' own policies name it). */
export const GATEWAY_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";
/** What a caller inside the cluster may still ask the UI: its API, with and without the UI's base path. */
export const PIPELINE_UI_OPEN_PATHS = ["/apis/*", "/pipeline/apis/*"];

/** The DENY policy on the UI's pods, or nothing for a render without the UI. */
export function pipelineUiApiOnly(objects: readonly KubeObject[]): KubeObject[] {
    const ui = objects.find((o) => isKind(o, "apps", "Deployment") && o.metadata.namespace === "kubeflow" && o.metadata.name === "ml-pipeline-ui");
    if (!ui) {
        return [];
    }
    const own = objects.find((o) => o.kind === "AuthorizationPolicy" && o.metadata.namespace === "kubeflow" && o.metadata.name === "ml-pipeline-ui");
    const selector = own && isRecord(own.spec) && isRecord(own.spec.selector) ? own.spec.selector : { matchLabels: { app: "ml-pipeline-ui" } };
    return [
        {
            apiVersion: own?.apiVersion ?? "security.istio.io/v1beta1",
            kind: "AuthorizationPolicy",
            metadata: { name: PIPELINE_UI_DENIAL, namespace: "kubeflow" },
            spec: {
                selector,
                action: "DENY",
                rules: [{ from: [{ source: { notPrincipals: [GATEWAY_PRINCIPAL] } }], to: [{ operation: { notPaths: PIPELINE_UI_OPEN_PATHS } }] }],
            },
        },
    ];
}
