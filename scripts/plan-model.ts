/**
 * The plan itself: the resources a mocked evaluation recorded, turned into a canonical,
 * masked, deterministic document (a ConfigGroup's yaml read into its Kubernetes objects),
 * and that document grouped by top-level component. No Pulumi runtime (only the SDK's wire
 * markers), no disk, no network: the tests call it directly.
 */
import { parseManifests } from "../manifests/parse";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { RecordedResource } from "../tools/recording-runtime";
import { Json, compare, isSecretWire, mask, pathKey } from "./plan-json";

/** Bumped when the JSON layout changes; a diff against another version is refused. */
export const PLAN_FORMAT = 2;
export const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";
export const STACK_GROUP = "(stack)";

export interface PlanResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Parent URN; empty at the root. */
    readonly parent: string;
    /** `type name` of the top-level component this resource belongs to, or `(stack)`. */
    readonly component: string;
    readonly custom: boolean;
    /** Inputs, masked; a ConfigGroup's `yaml` moves to `objects` when it can be read. */
    readonly inputs: { [key: string]: Json };
    /** A ConfigGroup's objects by `Kind namespace/name`, masked like inputs. */
    readonly objects?: { [key: string]: Json };
    /** Provider URN, dependencies and the options that change what the engine does. */
    readonly options: { [key: string]: Json };
    /**
     * Short digests of masked values by path, so that a changed secret shows as changed.
     * Under the mocks every secret is a mock value or config ciphertext, never a real secret.
     */
    readonly secretDigests?: { [path: string]: string };
}

export interface Plan {
    readonly format: number;
    readonly project: string;
    readonly stack: string;
    readonly release: { readonly id: string; readonly objects: number };
    readonly resources: readonly PlanResource[];
    /** The stack outputs, masked like inputs (the kubeconfig is `[secret]`). */
    readonly outputs: { readonly [name: string]: Json };
    /** What `pulumi up` would warn about (a Kubernetes version outside the release's range, ...). */
    readonly warnings: readonly string[];
}

export interface PlanMeta {
    readonly project: string;
    readonly stack: string;
    readonly releaseId: string;
    readonly renderedObjects: number;
    /** Output values as resolved under the mocks; secrets in the SDK's wire form. */
    readonly outputs?: Readonly<Record<string, unknown>>;
    readonly warnings?: readonly string[];
}

/** Builds the plan from recorded resources. Deterministic: same resources, same plan. */
export function buildPlan(recorded: readonly RecordedResource[], meta: PlanMeta): Plan {
    const byUrn = new Map(recorded.map((r) => [r.urn, r]));
    const resources = recorded.map((r) => planResource(r, byUrn)).sort((a, b) => compare(a.urn, b.urn));
    const outputs = Object.fromEntries(
        Object.keys(meta.outputs ?? {})
            .sort(compare)
            .map((k) => [k, mask(meta.outputs?.[k], `outputs.${k}`, {})]),
    );
    return {
        format: PLAN_FORMAT,
        project: meta.project,
        stack: meta.stack,
        release: { id: meta.releaseId, objects: meta.renderedObjects },
        resources,
        outputs,
        warnings: [...(meta.warnings ?? [])],
    };
}

function planResource(r: RecordedResource, byUrn: ReadonlyMap<string, RecordedResource>): PlanResource {
    const digests: Record<string, string> = {};
    const inputs = mask(r.inputs, "inputs", digests) as { [key: string]: Json };
    let objects: { [key: string]: Json } | undefined;
    if (r.type === CONFIG_GROUP) {
        const docs = configGroupObjects(r.inputs);
        if (docs) {
            objects = {};
            for (const [key, obj] of keyObjects(docs)) {
                objects[key] = mask(maskKubernetesSecret(obj), `objects${pathKey(key)}`, digests);
            }
            delete inputs.yaml;
            delete inputs.objs;
        }
    }
    const options: { [key: string]: Json } = {
        dependencies: [...new Set(r.dependencies)].sort(compare),
        provider: providerUrn(r.provider),
    };
    if (r.protect) {
        options.protect = true;
    }
    if (r.retainOnDelete) {
        options.retainOnDelete = true;
    }
    if (r.ignoreChanges.length > 0) {
        options.ignoreChanges = [...r.ignoreChanges].sort(compare);
    }
    if (r.additionalSecretOutputs.length > 0) {
        options.additionalSecretOutputs = [...r.additionalSecretOutputs].sort(compare);
    }
    const providers = Object.entries(r.providers);
    if (providers.length > 0) {
        options.providers = Object.fromEntries(providers.map(([pkg, ref]) => [pkg, providerUrn(ref)]));
    }
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        component: componentOf(r, byUrn),
        custom: r.custom,
        inputs,
        ...(objects ? { objects } : {}),
        options,
        ...(Object.keys(digests).length > 0 ? { secretDigests: digests } : {}),
    };
}

/** The top-level ancestor (the resource itself when it has no parent and is a component). */
function componentOf(r: RecordedResource, byUrn: ReadonlyMap<string, RecordedResource>): string {
    let top = r;
    for (let parent = byUrn.get(r.parent); parent; parent = byUrn.get(parent.parent)) {
        top = parent;
    }
    if (top === r && r.custom) {
        return STACK_GROUP;
    }
    return `${top.type} ${top.name}`;
}

/** `urn::id` provider references lose the id: the URN names the provider. */
function providerUrn(ref: string): string {
    const i = ref.lastIndexOf("::");
    return ref.startsWith("urn:") && i > 0 ? ref.slice(0, i) : ref;
}

/** A ConfigGroup's objects when its `yaml` (or `objs`) is known and in clear; undefined otherwise. */
function configGroupObjects(inputs: Record<string, unknown>): Record<string, unknown>[] | undefined {
    const { yaml, objs } = inputs;
    if (yaml === undefined && Array.isArray(objs)) {
        return objs.every((o) => typeof o === "object" && o !== null && !isSecretWire(o)) ? (objs as Record<string, unknown>[]) : undefined;
    }
    if (typeof yaml === "string" && yaml !== unknownValue) {
        return parseManifests(yaml, "ConfigGroup yaml");
    }
    return undefined;
}

/** Objects keyed `Kind namespace/name` (`Kind name` when cluster-scoped); the API group joins the key only on a clash. */
export function keyObjects(objects: readonly Record<string, unknown>[]): [string, Record<string, unknown>][] {
    const base = (o: Record<string, unknown>): string => {
        const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
        const ns = typeof meta.namespace === "string" && meta.namespace !== "" ? `${meta.namespace}/` : "";
        return `${String(o.kind)} ${ns}${String(meta.name)}`;
    };
    const counts = new Map<string, number>();
    objects.forEach((o) => counts.set(base(o), (counts.get(base(o)) ?? 0) + 1));
    const keyed = objects.map((o): [string, Record<string, unknown>] => {
        let key = base(o);
        if ((counts.get(key) ?? 0) > 1) {
            const group = String(o.apiVersion).includes("/") ? String(o.apiVersion).split("/")[0] : "core";
            key = `${key} (${group})`;
        }
        return [key, o];
    });
    return keyed.sort((a, b) => compare(a[0], b[0]));
}

/** A Kubernetes Secret's values travel in clear in a group's yaml; the plan masks them like Pulumi secrets. */
function maskKubernetesSecret(o: Record<string, unknown>): Record<string, unknown> {
    if (o.kind !== "Secret" || String(o.apiVersion) !== "v1") {
        return o;
    }
    const out: Record<string, unknown> = { ...o };
    for (const field of ["data", "stringData"]) {
        const values = o[field];
        if (typeof values === "object" && values !== null && !Array.isArray(values)) {
            out[field] = Object.fromEntries(
                Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, { [specialSigKey]: specialSecretSig, value: v }]),
            );
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Grouping

export interface ConfigGroupSummary {
    readonly name: string;
    /** Objects by kind; undefined when the yaml is unknown or secret at plan time. */
    readonly kinds?: Readonly<Record<string, number>>;
    readonly objects: number;
}

export interface ComponentGroup {
    /** `type name` of the top-level component, or `(stack)`. */
    readonly component: string;
    /** Resources under it (the component itself excluded), by type. */
    readonly types: Readonly<Record<string, number>>;
    readonly resources: number;
    readonly configGroups: readonly ConfigGroupSummary[];
}

export function groupPlan(plan: Plan): ComponentGroup[] {
    const groups = new Map<string, { types: Record<string, number>; resources: number; configGroups: ConfigGroupSummary[] }>();
    for (const r of plan.resources) {
        const g = groups.get(r.component) ?? { types: {}, resources: 0, configGroups: [] };
        groups.set(r.component, g);
        if (`${r.type} ${r.name}` === r.component && r.parent === "") {
            continue;
        }
        g.types[r.type] = (g.types[r.type] ?? 0) + 1;
        g.resources++;
        if (r.type === CONFIG_GROUP) {
            const kinds: Record<string, number> = {};
            for (const obj of Object.values(r.objects ?? {})) {
                const kind = String((obj as { kind?: unknown }).kind);
                kinds[kind] = (kinds[kind] ?? 0) + 1;
            }
            g.configGroups.push(r.objects ? { name: r.name, kinds, objects: Object.keys(r.objects).length } : { name: r.name, objects: 0 });
        }
    }
    return [...groups.entries()]
        .sort((a, b) => compare(a[0], b[0]))
        .map(([component, g]) => ({
            component,
            types: Object.fromEntries(Object.entries(g.types).sort((a, b) => compare(a[0], b[0]))),
            resources: g.resources,
            configGroups: g.configGroups.sort((a, b) => compare(a.name, b.name)),
        }));
}
