/**
 * The NVIDIA device plugin for the GPU pool. AKS installs the GPU driver on N-series
 * nodes but not the device plugin; without it `nvidia.com/gpu` is never schedulable
 * (Microsoft's "Use GPUs for compute-intensive workloads on AKS", manual device plugin
 * installation; AKS-managed GPU pools that bring their own plugin are preview only).
 */
import { Taint, tolerationOf } from "./compute";
import { KubeObject } from "./types";

/** NVIDIA/k8s-device-plugin v0.17.4; the DaemonSet follows that tag's deployments/static/nvidia-device-plugin.yml (image, FAIL_ON_INIT_ERROR, securityContext, kubelet device-plugins mount). */
export const DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin:v0.17.4";
export const DEVICE_PLUGIN_NAME = "nvidia-device-plugin-daemonset";

export interface DevicePluginSettings {
    /** Label the GPU pool's nodes carry. */
    readonly nodeLabel: { readonly key: string; readonly value: string };
    /** Taints on the GPU nodes, all tolerated. */
    readonly taints: readonly Taint[];
}

export function devicePluginDaemonSet(settings: DevicePluginSettings): KubeObject {
    const labels = { name: DEVICE_PLUGIN_NAME, "app.kubernetes.io/managed-by": "pulumi" };
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: DEVICE_PLUGIN_NAME, namespace: "kube-system", labels },
        spec: {
            selector: { matchLabels: { name: DEVICE_PLUGIN_NAME } },
            updateStrategy: { type: "RollingUpdate" },
            template: {
                metadata: { labels },
                spec: {
                    priorityClassName: "system-node-critical",
                    nodeSelector: { [settings.nodeLabel.key]: settings.nodeLabel.value },
                    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }, ...settings.taints.map(tolerationOf)],
                    containers: [
                        {
                            name: "nvidia-device-plugin-ctr",
                            image: DEVICE_PLUGIN_IMAGE,
                            env: [{ name: "FAIL_ON_INIT_ERROR", value: "false" }],
                            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                            volumeMounts: [{ name: "device-plugin", mountPath: "/var/lib/kubelet/device-plugins" }],
                        },
                    ],
                    volumes: [{ name: "device-plugin", hostPath: { path: "/var/lib/kubelet/device-plugins" } }],
                },
            },
        },
    };
}
