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
import { KubeObject } from "../types";

/** On a pod template: a digest of the plan's ConfigMaps and Secrets its pods read. */
export const CONFIG_DIGEST_ANNOTATION = "kubeflow-azure/config-digest";

/** Workloads whose controllers roll their pods when the template changes (a Job's template is immutable). */
const ROLLING = new Set(["apps/v1 Deployment", "apps/v1 StatefulSet", "apps/v1 DaemonSet"]);

interface Container {
    env?: { valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } } }[];
    envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
}

interface Volume {
    configMap?: { name?: string };
    secret?: { secretName?: string };
    projected?: { sources?: { configMap?: { name?: string }; secret?: { name?: string } }[] };
}

export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
}

/** `ConfigMap <name>` and `Secret <name>` for everything a pod spec reads by name. */
export function readsOf(spec: PodSpec): string[] {
    const names = new Set<string>();
    const add = (kind: string, name: string | undefined): void => {
        if (name) {
            names.add(`${kind} ${name}`);
        }
    };
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        for (const e of c.env ?? []) {
            add("ConfigMap", e.valueFrom?.configMapKeyRef?.name);
            add("Secret", e.valueFrom?.secretKeyRef?.name);
        }
        for (const e of c.envFrom ?? []) {
            add("ConfigMap", e.configMapRef?.name);
            add("Secret", e.secretRef?.name);
        }
    }
    for (const v of spec.volumes ?? []) {
        add("ConfigMap", v.configMap?.name);
        add("Secret", v.secret?.secretName);
        for (const s of v.projected?.sources ?? []) {
            add("ConfigMap", s.configMap?.name);
            add("Secret", s.secret?.name);
        }
    }
    return [...names].sort();
}

function contentOf(o: KubeObject): unknown {
    return { data: o.data ?? {}, binaryData: o.binaryData ?? {}, stringData: o.stringData ?? {} };
}

/** Canonical JSON: object keys sorted, so that equal content digests alike. */
function canonical(v: unknown): string {
    return JSON.stringify(v, (_key, value: unknown) =>
        typeof value === "object" && value !== null && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            : value,
    );
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
            hash.update(`${ref}\n${canonical(contentOf(source))}\n`);
        }
        const annotations = { ...(template.metadata?.annotations ?? {}), [CONFIG_DIGEST_ANNOTATION]: hash.digest("hex").slice(0, 16) };
        return { ...o, spec: { ...spec, template: { ...template, metadata: { ...template.metadata, annotations } } } };
    });
}
