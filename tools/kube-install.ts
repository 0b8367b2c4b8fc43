/**
 * The program's Kubernetes half, as the program registered it, sent to a real API server
 * with the controllers that act between its steps (tools/kube-controllers.ts): what the
 * suites and the bench run.
 */
import type * as k8s from "@kubernetes/client-node";
import { objectKey } from "../manifests/types";
import { beforeRename, renameOf } from "../manifests/upgrades/renames";
import { ApplyReport, Removal, applyUnits, deleteRemoved, leaveOutWebhooks } from "./kube-apply";
import { ApplyUnit } from "./kube-units";
import { ProfileController, aggregateClusterRoles } from "./kube-controllers";

export interface InstallResult {
    readonly report: ApplyReport;
    /** Milliseconds from the first request to the last accepted object (controllers included). */
    readonly ms: number;
    /** What the emulated profile controller could not do (empty when all went well). */
    readonly controllerErrors: readonly string[];
}

/**
 * Applies the units (admission webhook configurations left out), lets the profile
 * controller finish, then fills the aggregated ClusterRoles as kube-controller-manager
 * would, so that RBAC can be asked about afterwards.
 */
export async function installUnits(config: k8s.KubeConfig, units: readonly ApplyUnit[]): Promise<InstallResult> {
    const start = Date.now();
    const profiles = new ProfileController(config);
    const report = await applyUnits(config, units, { leaveOut: leaveOutWebhooks, afterAccepted: profiles.observe });
    await profiles.settle();
    await aggregateClusterRoles(config);
    return { report, ms: Date.now() - start, controllerErrors: profiles.errors };
}

/** `apiVersion Kind: count` lines, most first. */
export function countsByKind(report: ApplyReport): string[] {
    return [...report.accepted.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([kind, n]) => `${kind}: ${n}`);
}

export interface UpgradeResult extends InstallResult {
    /** What the engine's delete step removed or kept. */
    readonly removal: Removal;
}

/**
 * A release change as `pulumi up` makes it: the new units applied over the server's
 * state (objects whose force-new fields changed replaced, the others updated), then the
 * objects the new units no longer hold deleted, then the aggregated roles refilled.
 */
export async function upgradeUnits(config: k8s.KubeConfig, from: readonly ApplyUnit[], to: readonly ApplyUnit[]): Promise<UpgradeResult> {
    const start = Date.now();
    const previous = new Map(from.flatMap((u) => u.objects.map((o) => [objectKey(o), o] as const)));
    // A renamed object is the old one under a new name (its alias): replaced, the old
    // deleted first (deleteBeforeReplace, manifests/upgrades/renames.ts).
    const next = new Set(to.flatMap((u) => u.objects.map(objectKey)));
    for (const o of to.flatMap((u) => u.objects)) {
        const rename = renameOf(o);
        const old = rename && previous.get(objectKey(beforeRename(o, rename)));
        if (rename && old && !next.has(objectKey(old)) && !previous.has(objectKey(o))) {
            previous.set(objectKey(o), old);
        }
    }
    const profiles = new ProfileController(config);
    const report = await applyUnits(config, to, { leaveOut: leaveOutWebhooks, afterAccepted: profiles.observe, previous });
    await profiles.settle();
    const removal = await deleteRemoved(config, from, to);
    await aggregateClusterRoles(config);
    return { report, removal, ms: Date.now() - start, controllerErrors: profiles.errors };
}
