/**
 * The shape of the platform's own CronJobs (the self-service quota, the artifact keys):
 * a service account, a ClusterRole with exactly the rights given and its binding, and a
 * CronJob that runs one shell script with kubectl every minute, one run at a time,
 * without an Istio sidecar (a Job whose proxy keeps running never completes), as a
 * non-root user under the restricted Pod Security Standard, with /tmp its only writable
 * place. Pure: no Pulumi.
 */
import { KUBECTL_IMAGE } from "../kube";
import { KubeObject } from "../types";

export interface PlatformCronJob {
    readonly name: string;
    readonly namespace: string;
    /** The ClusterRole's rules: all the account may do. */
    readonly rules: readonly Record<string, unknown>[];
    /** The container that runs the script (kubectl, jq and sh on PATH). */
    readonly container: string;
    readonly script: string;
    readonly env: readonly Record<string, unknown>[];
    /** Containers that run first (e.g. one that copies a tool into `extraVolumes`). */
    readonly initContainers?: readonly Record<string, unknown>[];
    /** Volumes besides /tmp, with where the script's container mounts them. */
    readonly extraVolumes?: readonly { name: string; mountPath: string; readOnly?: boolean }[];
}

const SCHEDULE = "* * * * *";
export const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };

export function platformCronJob(job: PlatformCronJob): KubeObject[] {
    const labels = { "app.kubernetes.io/name": job.name, "app.kubernetes.io/managed-by": "kubeflow-azure" };
    const extra = job.extraVolumes ?? [];
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: job.name, namespace: job.namespace, labels } },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: job.name, labels }, rules: [...job.rules] },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: job.name, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: job.name },
            subjects: [{ kind: "ServiceAccount", name: job.name, namespace: job.namespace }],
        },
        {
            apiVersion: "batch/v1",
            kind: "CronJob",
            metadata: { name: job.name, namespace: job.namespace, labels },
            spec: {
                schedule: SCHEDULE,
                concurrencyPolicy: "Forbid",
                successfulJobsHistoryLimit: 1,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 300,
                        ttlSecondsAfterFinished: 600,
                        template: {
                            metadata: { labels, annotations: { "sidecar.istio.io/inject": "false" } },
                            spec: {
                                serviceAccountName: job.name,
                                restartPolicy: "Never",
                                securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                                ...(job.initContainers ? { initContainers: [...job.initContainers] } : {}),
                                containers: [
                                    {
                                        name: job.container,
                                        image: KUBECTL_IMAGE,
                                        command: ["/bin/sh", "-c", job.script],
                                        // HOME: kubectl's discovery cache (and any tool's own files).
                                        env: [...job.env, { name: "HOME", value: "/tmp" }],
                                        securityContext: RESTRICTED_CONTAINER,
                                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...extra],
                                    },
                                ],
                                volumes: [{ name: "tmp", emptyDir: {} }, ...extra.map((v) => ({ name: v.name, emptyDir: {} }))],
                            },
                        },
                    },
                },
            },
        },
    ];
}
