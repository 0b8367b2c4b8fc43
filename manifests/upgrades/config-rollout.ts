/**
 * ConfigMaps and Secrets are updated in place (the provider's enableConfigMapMutable and
 * enableSecretMutable, components/aks-cluster.ts), not deleted and created again. A pod
 * reads such an object when it starts, as environment or as a file that the kubelet
 * refreshes later and most programs never read again, so an update in place reaches
 * running pods only when they restart. Upstream names most of these objects without
 * kustomize's hash suffix (a changed name would change the pod template on its own), so
 * each workload's pod template carries a digest of what it reads from the plan: when a
 * release or a setting changes that content, the template changes and the controller
 * rolls the pods. Pure: no Pulumi.
 */
import { createHash } from "node:crypto";
import { canonicalJson, podReferences } from "../kube";
import { KubeObject } from "../types";

/** On a pod template: a digest of the plan's ConfigMaps and Secrets its pods read. */
export const CONFIG_DIGEST_ANNOTATION = "kubeflow-azure/config-digest";

/** Workloads whose controllers roll their pods when the template changes (a Job's template is immutable). */
const ROLLING = new Set(["apps/v1 Deployment", "apps/v1 StatefulSet", "apps/v1 DaemonSet"]);

/** The parts of a pod spec that name what its pods read (manifests/kube.ts podReferences reads them). */
export interface PodSpec {
    [key: string]: unknown;
}

/**
 * `ConfigMap <name>` and `Secret <name>` for everything a pod spec reads by name: what
 * podReferences finds, less the image pull secrets (the kubelet's, not the pods' reading).
 */
export function readsOf(spec: PodSpec): string[] {
    const refs = podReferences({ spec: { ...spec, imagePullSecrets: [] } });
    return [...new Set([...refs.configMaps.map((n) => `ConfigMap ${n}`), ...refs.secrets.map((n) => `Secret ${n}`)])].sort();
}

function contentOf(o: KubeObject): unknown {
    return { data: o.data ?? {}, binaryData: o.binaryData ?? {}, stringData: o.stringData ?? {} };
}

/**
 * Each Deployment, StatefulSet and DaemonSet that reads a ConfigMap or Secret of the same
 * plan gets the digest of their content on its pod template (objects it reads from
 * elsewhere, such as the generated credentials, are not part of it: their values never
 * change under a running stack). Other objects are returned as they are.
 */
export function rolloutOnConfigChange(objects: readonly KubeObject[]): KubeObject[] {
    const sources = new Map<string, KubeObject>();
    for (const o of objects) {
        if (o.apiVersion === "v1" && (o.kind === "ConfigMap" || o.kind === "Secret")) {
            sources.set(`${o.metadata.namespace ?? ""}/${o.kind} ${o.metadata.name}`, o);
        }
    }
    return objects.map((o) => {
        if (!ROLLING.has(`${o.apiVersion} ${o.kind}`)) {
            return o;
        }
        const spec = o.spec as { template?: { metadata?: { annotations?: Record<string, string> }; spec?: PodSpec } } | undefined;
        const template = spec?.template;
        const read = readsOf(template?.spec ?? {})
            .map((ref) => [ref, sources.get(`${o.metadata.namespace ?? ""}/${ref}`)] as const)
            .filter((entry): entry is readonly [string, KubeObject] => entry[1] !== undefined);
        if (!template || read.length === 0) {
            return o;
        }
        const hash = createHash("sha256");
        for (const [ref, source] of read) {
            hash.update(`${ref}\n${canonicalJson(contentOf(source))}\n`);
        }
        const annotations = { ...(template.metadata?.annotations ?? {}), [CONFIG_DIGEST_ANNOTATION]: hash.digest("hex").slice(0, 16) };
        return { ...o, spec: { ...spec, template: { ...template, metadata: { ...template.metadata, annotations } } } };
    });
}
