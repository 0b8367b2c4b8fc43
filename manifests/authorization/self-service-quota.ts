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
import { KubeObject } from "../types";
import { platformCronJob } from "./platform-cronjob";

export const SELF_SERVICE_QUOTA = "kubeflow-azure-self-service-quota";
export const SELF_SERVICE_QUOTA_NAMESPACE = "kubeflow";

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
    return platformCronJob({
        name: SELF_SERVICE_QUOTA,
        namespace: SELF_SERVICE_QUOTA_NAMESPACE,
        rules: [{ apiGroups: ["kubeflow.org"], resources: ["profiles"], verbs: ["get", "list", "patch"] }],
        container: "default-quota",
        script: SELF_SERVICE_QUOTA_SCRIPT,
        env: [
            { name: "QUOTA", value: JSON.stringify(quota) },
            { name: "MANAGED", value: [...managed].sort().join("\n") },
        ],
    });
}
