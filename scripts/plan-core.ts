/**
 * The pure half of `npm run plan`: turns the resources a mocked evaluation recorded into a
 * plan (a canonical, masked, deterministic JSON document), groups it by component, and
 * diffs two plans down to property paths and, inside yaml/v2 ConfigGroups, down to the
 * Kubernetes objects. No Pulumi runtime (only the SDK's wire markers), no disk, no
 * network: the tests call it directly.
 */
import { createHash } from "node:crypto";
import { parseManifests } from "../manifests/parse";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { RecordedResource } from "../tools/recording-runtime";

/** Bumped when the JSON layout changes; a diff against another version is refused. */
export const PLAN_FORMAT = 2;
export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";
const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";
const STACK_GROUP = "(stack)";


export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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
    const outputs = Object.fromEntries(Object.keys(meta.outputs ?? {}).sort(compare).map((k) => [k, mask(meta.outputs?.[k], `outputs.${k}`, {})]));
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
            out[field] = Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, { [specialSigKey]: specialSecretSig, value: v }]));
        }
    }
    return out;
}

function isSecretWire(value: unknown): value is { value?: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** Replaces secrets with "[secret]" (recording a digest) and unknowns with "[unknown]"; everything else as JSON. */
function mask(value: unknown, path: string, digests: Record<string, string>): Json {
    if (isSecretWire(value)) {
        digests[path] = digest(value.value);
        return SECRET;
    }
    if (value === unknownValue) {
        return UNKNOWN;
    }
    if (value === null || typeof value === "boolean" || typeof value === "string") {
        return value;
    }
    if (typeof value === "number") {
        return Number.isFinite(value) ? value : String(value);
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => mask(v, `${path}[${i}]`, digests));
    }
    if (typeof value === "object") {
        const out: { [key: string]: Json } = {};
        for (const [k, v] of Object.entries(value)) {
            if (v !== undefined) {
                out[k] = mask(v, `${path}${pathKey(k)}`, digests);
            }
        }
        return out;
    }
    // Functions, symbols, bigints: not in a registration's inputs; kept readable all the same.
    return typeof value === "bigint" ? value.toString() : typeof value;
}

function digest(value: unknown): string {
    return `sha256:${createHash("sha256").update(canonicalJson(value ?? null)).digest("hex").slice(0, 16)}`;
}

/** `.key` for identifier-like keys, `["key"]` otherwise (so `objects["Secret ns/name"].data`). */
function pathKey(key: string): string {
    return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function joinPath(base: string, key: string): string {
    const k = pathKey(key);
    return base === "" && k.startsWith(".") ? k.slice(1) : `${base}${k}`;
}

/** JSON with every object's keys sorted, two-space indented, newline-terminated. */
export function canonicalJson(value: unknown): string {
    return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.keys(value).sort(compare).map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
    }
    return value;
}

/** Code-unit order: locale-independent, so every machine sorts alike. */
function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
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

export function formatPlan(plan: Plan, origin?: string): string {
    const groups = groupPlan(plan);
    const configGroups = groups.flatMap((g) => g.configGroups);
    const objects = configGroups.reduce((n, c) => n + c.objects, 0);
    const lines = [
        `Offline plan: ${plan.project}, stack ${plan.stack}, Kubeflow ${plan.release.id} (${plan.release.objects} rendered objects${origin ? ` from ${origin}` : ""})`,
        `${plan.resources.length} resources in ${groups.length} components; ${objects} Kubernetes objects in ${configGroups.length} ConfigGroups`,
        "",
    ];
    for (const g of groups) {
        lines.push(`${g.component}  (${g.resources} resources)`);
        for (const [type, n] of Object.entries(g.types)) {
            lines.push(`  ${String(n).padStart(4)}  ${type}`);
        }
        for (const c of g.configGroups) {
            const kinds = c.kinds ? Object.entries(c.kinds).sort((a, b) => b[1] - a[1] || compare(a[0], b[0])).map(([k, n]) => `${n} ${k}`).join(", ") : "contents unknown until deploy";
            lines.push(`        ${c.name}: ${c.objects} object${c.objects === 1 ? "" : "s"}${c.kinds ? `: ${kinds}` : ` (${kinds})`}`);
        }
        lines.push("");
    }
    lines.push(...formatOutputs(plan.outputs), "");
    lines.push(...plan.warnings.map((w) => `warning: ${w}`));
    lines.push("Values Azure computes (ids, addresses, client ids) are the mocks' placeholders; secrets are shown as [secret].");
    return lines.join("\n");
}

function formatOutputs(outputs: { readonly [name: string]: Json }): string[] {
    const names = Object.keys(outputs);
    return names.length === 0 ? [] : ["Outputs:", ...names.map((n) => `    ${n}: ${JSON.stringify(outputs[n])}`)];
}

// ---------------------------------------------------------------------------------------
// Diffing

export interface Change {
    /** Property path: `agentPoolProfiles[1].maxCount`, `options.protect`. */
    readonly path: string;
    readonly kind: "added" | "removed" | "changed";
    /** Masked values (never a secret's plaintext); absent for an added or removed side. */
    readonly before?: Json;
    readonly after?: Json;
    /** The value is a secret on either side: print `[secret] changed`, no values. */
    readonly secret?: boolean;
}

export interface ObjectChanges {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    /** `replaces`: the paths among the changes that the Kubernetes provider replaces the object for. */
    readonly changed: readonly { readonly key: string; readonly changes: readonly Change[]; readonly replaces?: readonly string[] }[];
}

export interface ModifiedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly component: string;
    readonly changes: readonly Change[];
    /** For ConfigGroups: what changed among the objects in the yaml. */
    readonly objects?: ObjectChanges;
}

export interface ResourceRef {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly component: string;
}

export interface PlanDiff {
    readonly added: readonly ResourceRef[];
    readonly removed: readonly ResourceRef[];
    readonly modified: readonly ModifiedResource[];
    /** Stack outputs added, removed or changed, by name. */
    readonly outputs: readonly Change[];
    /** Warnings of the new plan, printed with the diff. */
    readonly warnings: readonly string[];
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
    if (before.format !== after.format) {
        throw new Error(`the previous plan has format ${String(before.format)}, this one ${after.format}: write it again with this version of npm run plan`);
    }
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const ref = (r: PlanResource): ResourceRef => ({ urn: r.urn, type: r.type, name: r.name, component: r.component });
    const added = after.resources.filter((r) => !old.has(r.urn)).map(ref);
    const removed = before.resources.filter((r) => !now.has(r.urn)).map(ref);
    const modified: ModifiedResource[] = [];
    for (const r of after.resources) {
        const o = old.get(r.urn);
        if (!o) {
            continue;
        }
        const secretsA = o.secretDigests ?? {};
        const secretsB = r.secretDigests ?? {};
        const changes = [
            ...diffValues(o.inputs, r.inputs, "", "inputs", secretsA, secretsB),
            ...diffOptions(o.options, r.options),
        ];
        if (o.custom !== r.custom) {
            changes.push({ path: "custom", kind: "changed", before: o.custom, after: r.custom });
        }
        let objects: ObjectChanges | undefined;
        if (o.objects || r.objects) {
            objects = diffObjects(o.objects ?? {}, r.objects ?? {}, secretsA, secretsB);
            if (objects.added.length + objects.removed.length + objects.changed.length === 0) {
                objects = undefined;
            }
        }
        if (changes.length > 0 || objects) {
            modified.push({ ...ref(r), changes, ...(objects ? { objects } : {}) });
        }
    }
    const outputs = diffValues(before.outputs, after.outputs, "", "", {}, {});
    return { added, removed, modified, outputs, warnings: after.warnings };
}

function diffObjects(a: { [key: string]: Json }, b: { [key: string]: Json }, secretsA: Record<string, string>, secretsB: Record<string, string>): ObjectChanges {
    const added = Object.keys(b).filter((k) => !(k in a)).sort(compare);
    const removed = Object.keys(a).filter((k) => !(k in b)).sort(compare);
    const changed = Object.keys(b)
        .filter((k) => k in a)
        .sort(compare)
        .map((key) => {
            const changes = diffValues(a[key], b[key], "", `objects${pathKey(key)}`, secretsA, secretsB);
            const replaces = replacingPaths(b[key], changes);
            return { key, changes, ...(replaces.length > 0 ? { replaces } : {}) };
        })
        .filter((c) => c.changes.length > 0);
    return { added, removed, changed };
}

/**
 * Fields whose change makes the Kubernetes provider replace the object instead of
 * updating it (pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go forceNew; a
 * ConfigMap's and a Secret's data count because enableConfigMapMutable and
 * enableSecretMutable default to false, provider.go, and this program leaves them so).
 */
const SELECTOR = ["spec.selector"];
const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
    "apps Deployment": SELECTOR,
    "apps DaemonSet": SELECTOR,
    "apps StatefulSet": ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
    "batch Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    "rbac.authorization.k8s.io RoleBinding": ["roleRef"],
    "rbac.authorization.k8s.io ClusterRoleBinding": ["roleRef"],
    "storage.k8s.io StorageClass": ["parameters", "provisioner"],
    "core PersistentVolumeClaim": ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
    "core Service": ["spec.clusterIP"],
    "core Secret": ["type", "data", "stringData"],
    "core ConfigMap": ["data", "binaryData"],
};

function replacingPaths(obj: Json | undefined, changes: readonly Change[]): string[] {
    if (!isObject(obj)) {
        return [];
    }
    const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "core";
    const fields = ["metadata.name", "metadata.namespace", ...(FORCE_NEW[`${group} ${typeof obj.kind === "string" ? obj.kind : ""}`] ?? [])];
    const forces = (p: string): boolean => fields.some((f) => p === f || p.startsWith(`${f}.`) || p.startsWith(`${f}[`));
    return [...new Set(changes.map((c) => c.path).filter(forces))];
}

/** Dependencies and providers compare as sets of URNs; the rest as values. */
function diffOptions(a: { [key: string]: Json }, b: { [key: string]: Json }): Change[] {
    const changes: Change[] = [];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compare)) {
        const path = `options.${key}`;
        if (key === "dependencies") {
            const da = new Set((a[key] ?? []) as string[]);
            const db = new Set((b[key] ?? []) as string[]);
            [...db].filter((d) => !da.has(d)).forEach((d) => changes.push({ path, kind: "added", after: d }));
            [...da].filter((d) => !db.has(d)).forEach((d) => changes.push({ path, kind: "removed", before: d }));
            continue;
        }
        changes.push(...diffValues(a[key], b[key], path, "", {}, {}));
    }
    return changes;
}

/**
 * Paths where two masked values differ. `digestBase` locates the value in secretDigests,
 * so that two "[secret]" leaves compare by digest.
 */
function diffValues(a: Json | undefined, b: Json | undefined, path: string, digestBase: string, secretsA: Record<string, string>, secretsB: Record<string, string>): Change[] {
    const at = path === "" ? "(root)" : path;
    if (a === undefined && b === undefined) {
        return [];
    }
    if (a === SECRET || b === SECRET) {
        const same = a === b && secretsA[digestBase] === secretsB[digestBase];
        return same ? [] : [{ path: at, kind: a === undefined ? "added" : b === undefined ? "removed" : "changed", secret: true }];
    }
    if (a === undefined) {
        return [{ path: at, kind: "added", after: b }];
    }
    if (b === undefined) {
        return [{ path: at, kind: "removed", before: a }];
    }
    if (isObject(a) && isObject(b)) {
        return [...new Set([...Object.keys(a), ...Object.keys(b)])]
            .sort(compare)
            .flatMap((k) => diffValues(a[k], b[k], joinPath(path, k), `${digestBase}${pathKey(k)}`, secretsA, secretsB));
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        const changes: Change[] = [];
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
            changes.push(...diffValues(a[i], b[i], `${path}[${i}]`, `${digestBase}[${i}]`, secretsA, secretsB));
        }
        return changes;
    }
    return canonicalJson(a) === canonicalJson(b) ? [] : [{ path: at, kind: "changed", before: a, after: b }];
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The diff as a preview reads: one marker per resource and per Kubernetes object
 * (`+` create, `~` update, `+-` replace, `-` delete), the changed paths under each, then
 * the stack outputs that change and the new plan's warnings.
 */
export function formatDiff(diff: PlanDiff, against: string): string {
    const objects = diff.modified.flatMap((r) => (r.objects ? [r.objects] : []));
    const count = {
        create: diff.added.length + objects.reduce((n, o) => n + o.added.length, 0),
        update: diff.modified.filter((r) => r.changes.length > 0).length + objects.reduce((n, o) => n + o.changed.filter((c) => !c.replaces).length, 0),
        replace: objects.reduce((n, o) => n + o.changed.filter((c) => c.replaces).length, 0),
        delete: diff.removed.length + objects.reduce((n, o) => n + o.removed.length, 0),
    };
    const warnings = diff.warnings.map((w) => `warning: ${w}`);
    if (count.create + count.update + count.replace + count.delete + diff.outputs.length === 0) {
        return [`No changes since ${against}.`, ...warnings].join("\n");
    }
    const lines = [`Changes since ${against}: ${count.create} to create, ${count.update} to update, ${count.replace} to replace, ${count.delete} to delete`, ""];
    const where = (r: ResourceRef): string => (r.component === `${r.type} ${r.name}` || r.component === STACK_GROUP ? "" : `  (in ${r.component})`);
    for (const r of diff.added) {
        lines.push(`  + create   ${r.type} ${r.name}${where(r)}`);
    }
    for (const r of diff.removed) {
        lines.push(`  - delete   ${r.type} ${r.name}${where(r)}`);
    }
    for (const r of diff.modified) {
        lines.push(`  ${r.changes.length > 0 ? "~ update  " : "  in      "} ${r.type} ${r.name}${where(r)}`);
        r.changes.forEach((c) => lines.push(`        ${formatChange(c)}`));
        if (r.objects) {
            r.objects.added.forEach((k) => lines.push(`      + create   ${k}`));
            r.objects.removed.forEach((k) => lines.push(`      - delete   ${k}`));
            for (const c of r.objects.changed) {
                lines.push(c.replaces ? `      +- replace ${c.key}  (${c.replaces.join(", ")} cannot change in place)` : `      ~ update   ${c.key}`);
                c.changes.forEach((ch) => lines.push(`            ${formatChange(ch)}`));
            }
        }
    }
    if (diff.outputs.length > 0) {
        lines.push("", "Outputs:", ...diff.outputs.map((c) => `    ${formatChange(c)}`));
    }
    if (warnings.length > 0) {
        lines.push("", ...warnings);
    }
    return lines.join("\n");
}

export function formatChange(c: Change): string {
    const mark = c.kind === "added" ? "+" : c.kind === "removed" ? "-" : "~";
    if (c.secret) {
        return `${mark} ${c.path}: ${SECRET} ${c.kind}`;
    }
    if (c.kind === "added") {
        return `${mark} ${c.path}: ${show(c.after)}`;
    }
    if (c.kind === "removed") {
        return `${mark} ${c.path}: ${show(c.before)}`;
    }
    if (typeof c.before === "string" && typeof c.after === "string" && (c.before.length > LONG || c.after.length > LONG)) {
        const [before, after] = aroundFirstDifference(c.before, c.after);
        return `${mark} ${c.path}: ${before} => ${after}`;
    }
    return `${mark} ${c.path}: ${show(c.before)} => ${show(c.after)}`;
}

const LONG = 100;
const CONTEXT = 30;

/**
 * Two long strings cut to the part that differs: from a little before the first
 * differing character to a little after it, `...` where text was cut, so a one-word
 * change deep inside a config file is visible instead of two equal prefixes.
 */
export function aroundFirstDifference(a: string, b: string): [string, string] {
    let first = 0;
    while (first < a.length && first < b.length && a[first] === b[first]) {
        first++;
    }
    const start = Math.max(0, first - CONTEXT);
    const cut = (text: string): string => {
        const end = Math.min(text.length, first + LONG - CONTEXT);
        const inner = JSON.stringify(text.slice(start, end)).slice(1, -1);
        return `"${start > 0 ? "..." : ""}${inner}${end < text.length ? "..." : ""}"`;
    };
    return [cut(a), cut(b)];
}

function show(v: Json | undefined): string {
    const text = JSON.stringify(v) ?? "undefined";
    return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

// ---------------------------------------------------------------------------------------
// Configuration overrides

export interface Override {
    /** `namespace:key`. */
    readonly key: string;
    /** Path inside the key's value (`userPool.maxCount` gives ["maxCount"]); empty for the whole value. */
    readonly path: readonly (string | number)[];
    /** The text after `=`. */
    readonly text: string;
}

/** Parses `ns:key[.path]=value`; a key without namespace is the project's (like the CLI). */
export function parseOverride(arg: string, project: string): Override {
    const eq = arg.indexOf("=");
    if (eq <= 0) {
        throw new Error(`--config ${arg}: expected key=value, e.g. --config ${project}:userPool.maxCount=5`);
    }
    const fullKey = arg.slice(0, eq).includes(":") ? arg.slice(0, eq) : `${project}:${arg.slice(0, eq)}`;
    const ns = fullKey.slice(0, fullKey.indexOf(":") + 1);
    const rest = fullKey.slice(ns.length);
    const m = /^([^.[]+)(.*)$/.exec(rest);
    if (!m) {
        throw new Error(`--config ${arg}: no key before the path`);
    }
    const path: (string | number)[] = [];
    const re = /\.([^.[\]]+)|\[(\d+)\]/y;
    for (let at = 0; at < m[2].length; at = re.lastIndex) {
        re.lastIndex = at;
        const match = re.exec(m[2]);
        if (!match) {
            throw new Error(`--config ${arg}: cannot read the path ${m[2]} (use a.b or a[0])`);
        }
        path.push(match[1] !== undefined ? match[1] : Number(match[2]));
    }
    return { key: `${ns}${m[1]}`, path, text: arg.slice(eq + 1) };
}

function parseValue(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

/**
 * Applies overrides to raw configuration (values as the CLI hands them over: strings,
 * objects as JSON). A path override sets the typed value (JSON when it parses) inside the
 * key's current object, like `pulumi config set --path`; a whole-key override keeps the
 * text as typed, like `pulumi config set` (so 1.30 stays "1.30").
 */
export function applyOverrides(raw: Readonly<Record<string, string>>, overrides: readonly Override[]): Record<string, string> {
    const out: Record<string, string> = { ...raw };
    for (const o of overrides) {
        if (o.path.length === 0) {
            out[o.key] = o.text;
            continue;
        }
        const current = out[o.key] === undefined ? undefined : parseValue(out[o.key]);
        const root: unknown = typeof current === "object" && current !== null ? structuredClone(current) : typeof o.path[0] === "number" ? [] : {};
        let node = root as Record<string | number, unknown>;
        o.path.forEach((segment, i) => {
            if (i === o.path.length - 1) {
                node[segment] = parseValue(o.text);
                return;
            }
            const next = node[segment];
            if (typeof next !== "object" || next === null) {
                node[segment] = typeof o.path[i + 1] === "number" ? [] : {};
            }
            node = node[segment] as Record<string | number, unknown>;
        });
        out[o.key] = JSON.stringify(root);
    }
    return out;
}
