/**
 * The order of the program's Kubernetes half, read from the recorded registrations
 * (tools/recording-runtime.ts), not derived again: every Kubernetes resource of the
 * program is a unit (a yaml/v2 group, or a typed resource such as a Secret), and a unit
 * waits for the units its recorded dependencies name; a dependency on a component stands
 * for every resource under it. Inside a group, the objects wait for what yaml/v2 makes
 * them wait for (groupEdges).
 */
import { isRecord } from "../manifests/kube";
import { parseManifests } from "../manifests/parse";
import { DEPENDS_ON } from "../manifests/profiles";
import { KubeObject, apiGroup, dependsOnRef, objectKey } from "../manifests/types";
import { RecordedResource, isSecretValue } from "./recording-runtime";

/** What the client needs to read or delete an object: its apiVersion, kind, name and namespace. */
export function objectHeader(o: KubeObject): KubeObject {
    return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
    };
}

/** The provider's type token of a yaml/v2 group. */
export const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";

/** What the program asks to be applied together, and what it waits for first. */
export interface ApplyUnit {
    readonly urn: string;
    /** The resource's name, for messages. */
    readonly name: string;
    readonly objects: readonly KubeObject[];
    /** URNs of the units applied before this one. */
    readonly after: readonly string[];
    /** The program asked to keep the objects when it drops them (retainOnDelete). */
    readonly retainOnDelete?: boolean;
}

/** A value with every Pulumi secret wrapper replaced by what it wraps. */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecretValue(value)) {
        return unwrapSecrets(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (isRecord(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

function isKubernetesResource(r: RecordedResource): boolean {
    return r.type === CONFIG_GROUP || (r.custom && r.type.startsWith("kubernetes:"));
}

/** The object a typed resource applies: its inputs, named as the provider names it when metadata.name is absent. */
function typedObject(r: RecordedResource): KubeObject {
    const o = unwrapSecrets(r.inputs) as KubeObject;
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
        throw new Error(`${r.type} ${r.name}: no apiVersion/kind among its inputs`);
    }
    // Auto-naming: the resource name plus a random suffix (the provider's metadata.name
    // default); a fixed suffix here, since only acceptance is being shown.
    const metadata = { ...(o.metadata ?? {}), name: o.metadata?.name ?? `${r.name}-0000000` };
    return { ...o, metadata };
}

/**
 * The program's Kubernetes resources as apply units, in registration order, each with
 * the units it waits for. Resources of other providers (Azure, random) are taken as
 * done: they are not this server's to decide.
 */
export function programUnits(resources: readonly RecordedResource[]): ApplyUnit[] {
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        const list = children.get(r.parent);
        if (list) {
            list.push(r);
        } else {
            children.set(r.parent, [r]);
        }
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const units = new Map<string, ApplyUnit>();
    const unitsOf = (urn: string, seen = new Set<string>()): string[] => {
        const r = byUrn.get(urn);
        if (!r || seen.has(urn)) {
            return [];
        }
        seen.add(urn);
        if (isKubernetesResource(r)) {
            return [urn];
        }
        // A component: everything under it.
        return r.custom ? [] : (children.get(urn) ?? []).flatMap((c) => unitsOf(c.urn, seen));
    };
    for (const r of resources.filter(isKubernetesResource)) {
        const objects = r.type === CONFIG_GROUP ? groupText(r) : [typedObject(r)];
        const after = [...new Set(r.dependencies.flatMap((d) => unitsOf(d)))].filter((u) => u !== r.urn);
        units.set(r.urn, { urn: r.urn, name: r.name, objects, after, retainOnDelete: r.retainOnDelete });
    }
    return [...units.values()];
}

function groupText(r: RecordedResource): KubeObject[] {
    const text = unwrapSecrets(r.inputs.yaml);
    if (typeof text !== "string") {
        throw new Error(`${r.name}: a yaml/v2 group without a known yaml text`);
    }
    return parseManifests(text, r.name);
}

/**
 * The waits yaml/v2 puts between the objects of one group: an object waits for the
 * objects its `config.kubernetes.io/depends-on` annotation names, a namespaced object for
 * its Namespace and a custom resource for its CustomResourceDefinition when the group
 * holds them (pulumi-kubernetes provider/pkg/provider/yaml/v2/yaml.go). Keys are objectKey.
 */
export function groupEdges(objects: readonly KubeObject[]): Map<string, string[]> {
    const byRef = new Map(objects.map((o) => [dependsOnRef(o), objectKey(o)]));
    const namespaces = new Map(objects.filter((o) => o.kind === "Namespace" && o.apiVersion === "v1").map((o) => [o.metadata.name, objectKey(o)]));
    const crds = new Map<string, string>();
    for (const o of objects) {
        const spec = o.kind === "CustomResourceDefinition" && isRecord(o.spec) ? o.spec : undefined;
        if (spec && typeof spec.group === "string" && isRecord(spec.names) && typeof spec.names.kind === "string") {
            crds.set(`${spec.group}/${spec.names.kind}`, objectKey(o));
        }
    }
    const edges = new Map<string, string[]>();
    for (const o of objects) {
        const deps = new Set<string>();
        const refs = o.metadata.annotations?.[DEPENDS_ON];
        for (const ref of refs ? refs.split(",").map((s) => s.trim()) : []) {
            const key = byRef.get(ref);
            if (key) {
                deps.add(key);
            }
        }
        const ns = o.metadata.namespace ? namespaces.get(o.metadata.namespace) : undefined;
        if (ns) {
            deps.add(ns);
        }
        const crd = crds.get(`${apiGroup(o.apiVersion)}/${o.kind}`);
        if (crd) {
            deps.add(crd);
        }
        deps.delete(objectKey(o));
        edges.set(objectKey(o), [...deps]);
    }
    return edges;
}
