/**
 * Two plans compared: resources added, removed or changed down to property paths, the
 * Kubernetes objects inside yaml/v2 ConfigGroups down to theirs (with the changes that
 * make the provider replace an object), and the stack outputs.
 */
import { forceNewFields, forcesReplacement } from "../manifests/upgrades/replacement";
import { MIGRATION_JOB, MIGRATION_NAMESPACE } from "../manifests/upgrades/artifacts";
import { renameOf } from "../manifests/upgrades/renames";
import { retainedWhenDropped } from "../manifests/upgrades/retained";
import type { KubeObject } from "../manifests/types";
import { Json, SECRET, canonicalJson, compare, joinPath, pathKey } from "./plan-json";
import type { Plan, PlanResource } from "./plan-model";

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
        const changes = [...diffValues(o.inputs, r.inputs, "", "inputs", secretsA, secretsB), ...diffOptions(o.options, r.options)];
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
    return { added, removed, modified, outputs, warnings: [...after.warnings, ...upgradeWarnings(before, after, modified, removed)] };
}

/**
 * What a reviewer must know of an upgrade before it is applied: every CRD the new plan
 * drops, which stays on the cluster with its objects (manifests/upgrades/retained.ts),
 * every object renamed and replaced with its old one deleted first
 * (manifests/upgrades/renames.ts), the artifacts' copy of a move from MinIO to SeaweedFS
 * (manifests/upgrades/artifacts.ts), and every volume claim the new plan drops, kept or
 * deleted with its data.
 */
function upgradeWarnings(before: Plan, after: Plan, modified: readonly ModifiedResource[], removed: readonly ResourceRef[]): string[] {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const warnings: string[] = [];
    for (const m of modified) {
        for (const key of m.objects?.added ?? []) {
            const o = now.get(m.urn)?.objects?.[key];
            const rename = isObject(o) ? renameOf(o as unknown as KubeObject) : undefined;
            if (rename && (m.objects?.removed ?? []).includes(`${rename.kind} ${rename.namespace}/${rename.from}`)) {
                warnings.push(
                    `${key}: renamed from ${rename.from} (${rename.releases}); the old ${rename.kind} is deleted before the new one is created (deleteBeforeReplace), as both use the same volume`,
                );
            }
        }
        for (const key of m.objects?.removed ?? []) {
            const o = old.get(m.urn)?.objects?.[key];
            const kind = isObject(o) && typeof o.kind === "string" ? o.kind : "";
            const apiVersion = isObject(o) && typeof o.apiVersion === "string" ? o.apiVersion : "";
            if (retainedWhenDropped({ apiVersion, kind })) {
                const metadata = isObject(o) ? o.metadata : undefined;
                const name = isObject(metadata) && typeof metadata.name === "string" ? metadata.name : key;
                warnings.push(
                    `${key}: the new release no longer ships it; it stays on the cluster with every object of its kind, no longer managed. Once they are moved or deleted: kubectl delete crd ${name}`,
                );
            }
        }
    }
    for (const r of after.resources.filter((x) => !old.has(x.urn))) {
        const job = r.objects?.[`Job ${MIGRATION_NAMESPACE}/${MIGRATION_JOB}`];
        if (job !== undefined) {
            warnings.push(
                `Job ${MIGRATION_NAMESPACE}/${MIGRATION_JOB}: the upgrade crosses from MinIO to SeaweedFS; this one-time Job copies the pipelines' artifacts into SeaweedFS (mc mirror) after the new release is up and before MinIO is deleted. The update waits for it; if it fails, the update stops and MinIO keeps running with its data`,
            );
        }
    }
    for (const r of removed.filter((x) => x.type === "kubernetes:core/v1:PersistentVolumeClaim")) {
        const kept = old.get(r.urn)?.options.retainOnDelete === true;
        warnings.push(
            kept
                ? `volume claim ${r.name}: the new plan drops it; it is kept on the cluster with its data (retainOnDelete), no longer managed`
                : `volume claim ${r.name}: the new plan drops it, and its volume and data are deleted (the older plan registered it without retainOnDelete)`,
        );
    }
    return warnings;
}

function diffObjects(
    a: { [key: string]: Json },
    b: { [key: string]: Json },
    secretsA: Record<string, string>,
    secretsB: Record<string, string>,
): ObjectChanges {
    const added = Object.keys(b)
        .filter((k) => !(k in a))
        .sort(compare);
    const removed = Object.keys(a)
        .filter((k) => !(k in b))
        .sort(compare);
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

function replacingPaths(obj: Json | undefined, changes: readonly Change[]): string[] {
    if (!isObject(obj)) {
        return [];
    }
    const fields = forceNewFields(
        typeof obj.apiVersion === "string" ? obj.apiVersion : "",
        typeof obj.kind === "string" ? obj.kind : "",
        obj.immutable === true,
    );
    return [...new Set(changes.map((c) => c.path).filter((p) => forcesReplacement(fields, p)))];
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
function diffValues(
    a: Json | undefined,
    b: Json | undefined,
    path: string,
    digestBase: string,
    secretsA: Record<string, string>,
    secretsB: Record<string, string>,
): Change[] {
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
