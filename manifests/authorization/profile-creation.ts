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
import { podContainers, podSpec } from "../kube";
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
