/**
 * The default quota of a self-service namespace. With `selfService` on, the dashboard's
 * registration flow creates a Profile through kfam with an owner and nothing else
 * (centraldashboard api_workgroup.ts `.post('/create')`: metadata.name and spec.owner),
 * and the profile controller gives a namespace a ResourceQuota only from the Profile's
 * `spec.resourceQuotaSpec`: a self-made namespace would have no limit. Kubernetes admits
 * no mutating policy on the clusters AKS runs (MutatingAdmissionPolicy is alpha in 1.32,
 * beta and off by default in 1.34), so a CronJob fills it in: every minute it lists the
 * Profiles, and gives each one without `spec.resourceQuotaSpec` that the stack does not
 * configure the default (a merge patch of that field alone). Its account may get, list
 * and patch Profiles and nothing else. Pure: no Pulumi.
 */
import { KUBECTL_IMAGE } from "../kube";
import { KubeObject } from "../types";

export const SELF_SERVICE_QUOTA = "kubeflow-azure-self-service-quota";
export const SELF_SERVICE_QUOTA_NAMESPACE = "kubeflow";
/** How often the CronJob looks: a new namespace runs without a quota at most this long. */
export const SELF_SERVICE_QUOTA_SCHEDULE = "* * * * *";

/**
 * The script the CronJob runs: the Profiles without a quota spec, minus the stack's own
 * (`$MANAGED`, one name a line), each patched with `$QUOTA` (the `hard` map as JSON).
 * Plain sh, kubectl and jq, so a test can run it against a real API server.
 */
export const SELF_SERVICE_QUOTA_SCRIPT = [
    "set -eu",
    "kubectl get profiles.kubeflow.org -o json \\",
    "  | jq -r '.items[] | select(.spec.resourceQuotaSpec == null) | .metadata.name' \\",
    "  | while read -r name; do",
    '      if printf "%s\\n" "$MANAGED" | grep -qxF "$name"; then continue; fi',
    '      kubectl patch profiles.kubeflow.org "$name" --type merge -p "{\\"spec\\":{\\"resourceQuotaSpec\\":{\\"hard\\":$QUOTA}}}"',
    "    done",
].join("\n");

/** The account, its rights, and the CronJob; `managed` are the stack's own Profiles, left as configured. */
export function selfServiceQuotaObjects(quota: Readonly<Record<string, string>>, managed: readonly string[]): KubeObject[] {
    const ns = SELF_SERVICE_QUOTA_NAMESPACE;
    const labels = { "app.kubernetes.io/name": SELF_SERVICE_QUOTA, "app.kubernetes.io/managed-by": "kubeflow-azure" };
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: SELF_SERVICE_QUOTA, namespace: ns, labels } },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: SELF_SERVICE_QUOTA, labels },
            rules: [{ apiGroups: ["kubeflow.org"], resources: ["profiles"], verbs: ["get", "list", "patch"] }],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: SELF_SERVICE_QUOTA, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: SELF_SERVICE_QUOTA },
            subjects: [{ kind: "ServiceAccount", name: SELF_SERVICE_QUOTA, namespace: ns }],
        },
        {
            apiVersion: "batch/v1",
            kind: "CronJob",
            metadata: { name: SELF_SERVICE_QUOTA, namespace: ns, labels },
            spec: {
                schedule: SELF_SERVICE_QUOTA_SCHEDULE,
                concurrencyPolicy: "Forbid",
                successfulJobsHistoryLimit: 1,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 300,
                        ttlSecondsAfterFinished: 600,
                        template: {
                            // No sidecar: a Job whose proxy keeps running never completes (the namespace is injected).
                            metadata: { labels, annotations: { "sidecar.istio.io/inject": "false" } },
                            spec: {
                                serviceAccountName: SELF_SERVICE_QUOTA,
                                restartPolicy: "Never",
                                // The namespace enforces the restricted Pod Security Standard from v1.11.0.
                                securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                                containers: [
                                    {
                                        name: "default-quota",
                                        image: KUBECTL_IMAGE,
                                        command: ["/bin/sh", "-c", SELF_SERVICE_QUOTA_SCRIPT],
                                        env: [
                                            { name: "QUOTA", value: JSON.stringify(quota) },
                                            { name: "MANAGED", value: [...managed].sort().join("\n") },
                                            // kubectl's discovery cache.
                                            { name: "HOME", value: "/tmp" },
                                        ],
                                        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                    },
                                ],
                                volumes: [{ name: "tmp", emptyDir: {} }],
                            },
                        },
                    },
                },
            },
        },
    ];
}
