/**
 * Small accessors over the plain objects the authservice rewrite reads and edits.
 */
import { isRecord, podContainers as workloadContainers, podTemplate as workloadTemplate } from "../kube";
import { KubeObject, objectKey } from "../types";

export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: {
        configMapKeyRef?: { name: string; key: string };
        secretKeyRef?: { name: string; key: string };
        [k: string]: unknown;
    };
}

export interface EnvFromSource {
    prefix?: string;
    configMapRef?: { name: string };
    secretRef?: { name: string };
}

export interface Container {
    name: string;
    image?: string;
    args?: string[];
    env?: EnvVar[];
    envFrom?: EnvFromSource[];
    [k: string]: unknown;
}

/** The object of that key (`objectKey`) among the rewrite's own: the bind step reaches what the rewrite recorded. */
export function byKey(objects: readonly KubeObject[], key: string): KubeObject {
    const found = objects.find((o) => objectKey(o) === key);
    if (!found) {
        throw new Error(`authservice: ${key} is not among the rewritten objects`);
    }
    return found;
}

/** The workload's pod template (manifests/kube.ts); the authservice is always a workload, so none is an error. */
export function podTemplate(o: KubeObject): Record<string, unknown> {
    const template = workloadTemplate(o);
    if (!template) {
        throw new Error(`${objectKey(o)} has no pod template`);
    }
    return template;
}

/** The workload's containers, typed as the rewrite reads them. */
export function podContainers(o: KubeObject): Container[] {
    return workloadContainers(o) as unknown as Container[];
}

/** The ConfigMaps a workload mounts that may provide the given key (whole, through items, or by subPath). */
function mountedConfigMapNames(o: KubeObject, key: string): string[] {
    const template = podTemplate(o);
    const podSpec = isRecord(template.spec) ? template.spec : {};
    const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes.filter(isRecord) : [];
    const mounts = podContainers(o).flatMap((c) => (Array.isArray(c.volumeMounts) ? c.volumeMounts.filter(isRecord) : []));
    const names: string[] = [];
    for (const v of volumes) {
        const cm = isRecord(v.configMap) ? v.configMap : undefined;
        if (!cm || typeof cm.name !== "string") {
            continue;
        }
        const items = Array.isArray(cm.items) ? cm.items.filter(isRecord) : [];
        const provides =
            items.length > 0 ? items.some((it) => it.key === key) : mounts.some((m) => m.name === v.name && (m.subPath === undefined || m.subPath === key));
        if (provides) {
            names.push(cm.name);
        }
    }
    return names;
}

/** The mounted ConfigMap among the objects that holds the key. */
export function mountedConfigMap(workload: KubeObject, key: string, objects: readonly KubeObject[]): { names: string[]; found?: KubeObject } {
    const names = mountedConfigMapNames(workload, key);
    const found = objects.find(
        (o) => o.kind === "ConfigMap" && o.metadata.namespace === workload.metadata.namespace && names.includes(o.metadata.name) && key in configMapData(o),
    );
    return { names, found };
}

export function configMapData(o: KubeObject): Record<string, string> {
    return isRecord(o.data) ? ({ ...o.data } as Record<string, string>) : {};
}

export function setConfigMapData(o: KubeObject, data: Record<string, string>): void {
    o.data = data;
}

export function secretKeys(o: KubeObject): string[] {
    return [...Object.keys(isRecord(o.data) ? o.data : {}), ...Object.keys(isRecord(o.stringData) ? o.stringData : {})];
}

export function hasKeys(keys: readonly string[], wanted: readonly string[]): boolean {
    return wanted.every((k) => keys.includes(k));
}

export function sortedRecord(r: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}
