/**
 * The node taints the program's AKS pools carry, shared by the pool definitions
 * (which apply them) and the PodDefaults (which tolerate them), so the two can never
 * drift apart.
 */

export interface Taint {
    readonly key: string;
    readonly value: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface Toleration {
    readonly key: string;
    readonly operator: "Equal";
    readonly value: string;
    readonly effect: Taint["effect"];
}

/**
 * On the GPU pool, so that only pods asking for it land on the expensive nodes. The
 * value is Microsoft's own example (MicrosoftDocs/azure-docs articles/aks/gpu-cluster.md:
 * `az aks nodepool add --node-taints sku=gpu:NoSchedule`, and the matching toleration
 * `key: sku, operator: Equal, value: gpu, effect: NoSchedule` on its sample Job).
 */
export const GPU_TAINT: Taint = Object.freeze({ key: "sku", value: "gpu", effect: "NoSchedule" });

/**
 * AKS puts this taint on every spot pool by itself (MicrosoftDocs/azure-docs
 * articles/aks/spot-node-pool.md: "A spot node pool will have the label
 * kubernetes.azure.com/scalesetpriority:spot, the taint
 * kubernetes.azure.com/scalesetpriority=spot:NoSchedule"); the program never sets it.
 */
export const SPOT_TAINT: Taint = Object.freeze({ key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" });

/** Node label of the GPU pool's nodes; the NVIDIA device plugin selects them by it. */
export const GPU_POOL_LABEL = Object.freeze({ key: "kubeflow-azure/pool", value: "gpu" });

/** The toleration that admits a pod onto nodes with the taint, written as the AKS docs write it. */
export function tolerationOf(taint: Taint): Toleration {
    return { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect };
}

/** The `key=value:effect` form of an AKS agent pool's `nodeTaints`. */
export function taintText(taint: Taint): string {
    return `${taint.key}=${taint.value}:${taint.effect}`;
}
