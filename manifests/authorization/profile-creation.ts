/**
 * Who may create a Profile when `selfService` is off. The dashboard's registration flow
 * is only a button: its `POST /api/workgroup/create` does not check
 * `registrationFlowAllowed`, and takes the new Profile's owner from the request body when
 * one is given (kubeflow/kubeflow components/centraldashboard/app/api_workgroup.ts,
 * WorkgroupApi.routes `.post('/create')`, read at commit 0146848; the flag only feeds
 * `/exists`), and hands the request to kfam, whose CreateProfile
 * checks no permission (components/access-management/kfam/api_default.go) and creates
 * the Profile as its own service account, which the render binds to cluster-admin
 * (`profiles-cluster-rolebinding`). So the refusal goes where it cannot be bypassed: a
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, served from Kubernetes
 * 1.30) refusing the creation of a Profile by kfam's service account. The profile
 * controller shares that account but never creates a Profile (it updates finalizers and
 * status), and the deployer creates the configured Profiles as itself. Shown on the real
 * API server: kfam's account is refused, the deployer's Profiles are accepted
 * (test/support/kube-suite.ts). Pure: no Pulumi.
 */
import { isRecord, podContainers, podSpec, podTemplate, templateLabels } from "../kube";
import { KubeObject } from "../types";

export const PROFILE_CREATION_POLICY = "kubeflow-azure-profiles-by-the-platform-only";

/** The first Kubernetes minor that serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy. */
export const ADMISSION_POLICY_SINCE = 30;

/** kfam's identity as the API server sees it: `system:serviceaccount:<namespace>:<account>`, read from the render. */
export function kfamUsername(objects: readonly KubeObject[]): string | undefined {
    const kfam = objects.find((o) => o.kind === "Deployment" && podContainers(o).some((c) => c.name === "kfam"));
    const account = kfam ? podSpec(kfam)?.serviceAccountName : undefined;
    return kfam && typeof account === "string" && account !== "" ? `system:serviceaccount:${kfam.metadata.namespace ?? "default"}:${account}` : undefined;
}

/** The policy and its binding: a Profile created by `username` is refused with a message that says why and what to do. */
export function profileCreationPolicy(username: string): KubeObject[] {
    return [
        {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: PROFILE_CREATION_POLICY },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    resourceRules: [{ apiGroups: ["kubeflow.org"], apiVersions: ["*"], operations: ["CREATE"], resources: ["profiles"] }],
                },
                validations: [
                    {
                        // CEL: the requester's user name, compared with kfam's account.
                        expression: `request.userInfo.username != ${JSON.stringify(username)}`,
                        message:
                            "Profiles are created by the platform team (kubeflow-azure selfService is false): ask them to add yours to the stack's kubeflow-azure:profiles",
                        reason: "Forbidden",
                    },
                ],
            },
        },
        {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicyBinding",
            metadata: { name: PROFILE_CREATION_POLICY },
            spec: { policyName: PROFILE_CREATION_POLICY, validationActions: ["Deny"] },
        },
    ];
}

export const DASHBOARD_CREATE_DENIAL = "kubeflow-azure-no-workgroup-create";
/** The dashboard's route that creates a Profile (api_workgroup.ts `.post('/create')`, mounted at /api/workgroup). */
export const WORKGROUP_CREATE_PATH = "/api/workgroup/create";
/** kfam's route the dashboard's create calls (clients/profile_controller.ts createProfile; kfam routers.go CreateProfile). */
export const KFAM_PROFILES_PATH = "/kfam/v1/profiles";

/**
 * Istio's refusal of the dashboard's create call, before it reaches the API server's:
 * - at the gateway, `POST /api/workgroup/create` and `/api/workgroup/create/...` (the
 *   dashboard's Express router is not strict, so a trailing slash reaches the handler);
 *   the gateway normalizes the path first (Istio's default BASE: percent-encoded
 *   letters decoded, `.` and `..` resolved) and matches it without the query. Express
 *   matches routes case-insensitively and Istio paths are case-sensitive, so
 *   `/API/workgroup/create` passes the gateway: hence
 * - at kfam's sidecar, every `POST /kfam/v1/profiles`: the dashboard calls that fixed
 *   path whatever the browser sent, and only the dashboard may call kfam at all (the
 *   release's `profiles-kfam` ALLOW policy names its service account).
 * A refused call answers `403 RBAC: access denied`. The gateway's selector and kfam's are
 * read from the release's own policies (`istio-ingressgateway`, `profiles-kfam`) and
 * kfam's pod labels; nothing is returned for a render without them.
 */
export function dashboardCreateDenials(objects: readonly KubeObject[]): KubeObject[] {
    const policy = (namespace: string, name: string): KubeObject | undefined =>
        objects.find((o) => o.kind === "AuthorizationPolicy" && o.metadata.namespace === namespace && o.metadata.name === name);
    const selectorOf = (o: KubeObject | undefined): Record<string, unknown> | undefined =>
        o && isRecord(o.spec) && isRecord(o.spec.selector) ? o.spec.selector : undefined;
    const gateway = policy("istio-system", "istio-ingressgateway");
    const kfam = objects.find((o) => o.kind === "Deployment" && podContainers(o).some((c) => c.name === "kfam"));
    const kfamPolicy = kfam ? policy(kfam.metadata.namespace ?? "kubeflow", "profiles-kfam") : undefined;
    const apiVersion = gateway?.apiVersion ?? kfamPolicy?.apiVersion ?? "security.istio.io/v1beta1";
    const deny = (namespace: string, selector: Record<string, unknown>, operation: Record<string, unknown>): KubeObject => ({
        apiVersion,
        kind: "AuthorizationPolicy",
        metadata: { name: DASHBOARD_CREATE_DENIAL, namespace },
        spec: { selector, action: "DENY", rules: [{ to: [{ operation }] }] },
    });
    const out: KubeObject[] = [];
    const gatewaySelector = selectorOf(gateway);
    if (gateway && gatewaySelector) {
        out.push(deny("istio-system", gatewaySelector, { paths: [WORKGROUP_CREATE_PATH, `${WORKGROUP_CREATE_PATH}/*`] }));
    }
    const kfamTemplate = kfam ? podTemplate(kfam) : undefined;
    const kfamLabels = kfamTemplate ? templateLabels(kfamTemplate) : {};
    const kfamSelector = selectorOf(kfamPolicy) ?? (Object.keys(kfamLabels).length > 0 ? { matchLabels: kfamLabels } : undefined);
    if (kfam && kfamSelector) {
        out.push(deny(kfam.metadata.namespace ?? "kubeflow", kfamSelector, { methods: ["POST"], paths: [KFAM_PROFILES_PATH] }));
    }
    return out;
}
