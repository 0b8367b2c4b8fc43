/**
 * What `npm run plan` prints: the plan grouped by component, and a diff as a preview
 * reads, long strings cut to the part that differs.
 */
import type { Change, PlanDiff, ResourceRef } from "./plan-diff";
import { Json, SECRET, compare } from "./plan-json";
import { Plan, STACK_GROUP, groupPlan } from "./plan-model";

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
            const kinds = c.kinds
                ? Object.entries(c.kinds)
                      .sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
                      .map(([k, n]) => `${n} ${k}`)
                      .join(", ")
                : "contents unknown until deploy";
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

/**
 * The diff as a preview reads: one marker per resource and per Kubernetes object
 * (`+` create, `~` update, `+-` replace, `-` delete), the changed paths under each, then
 * the stack outputs that change and the new plan's warnings.
 */
export interface DiffFormat {
    /** One line per resource, a ConfigGroup's objects as counts, no field changes. */
    readonly summary?: boolean;
}

export function formatDiff(diff: PlanDiff, against: string, format: DiffFormat = {}): string {
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
    const lines = [
        `Changes since ${against}: ${count.create} to create, ${count.update} to update, ${count.replace} to replace, ${count.delete} to delete`,
        "",
    ];
    const where = (r: ResourceRef): string => (r.component === `${r.type} ${r.name}` || r.component === STACK_GROUP ? "" : `  (in ${r.component})`);
    for (const r of diff.added) {
        lines.push(`  + create   ${r.type} ${r.name}${where(r)}`);
    }
    for (const r of diff.removed) {
        lines.push(`  - delete   ${r.type} ${r.name}${where(r)}`);
    }
    for (const r of diff.modified) {
        if (format.summary) {
            const o = r.objects;
            const replaced = o ? o.changed.filter((c) => c.replaces).length : 0;
            const parts = o
                ? [
                      [o.added.length, "to create"],
                      [o.changed.length - replaced, "to update"],
                      [replaced, "to replace"],
                      [o.removed.length, "to delete"],
                  ]
                      .filter(([n]) => n !== 0)
                      .map(([n, what]) => `${String(n)} ${String(what)}`)
                : [];
            const fields = r.changes.length > 0 ? [`${r.changes.length} field${r.changes.length === 1 ? "" : "s"}`] : [];
            lines.push(
                `  ${r.changes.length > 0 ? "~ update  " : "  in      "} ${r.type} ${r.name}${where(r)}: ${[...fields, ...(parts.length > 0 ? [`objects ${parts.join(", ")}`] : [])].join("; ")}`,
            );
            continue;
        }
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
