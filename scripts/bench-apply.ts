/**
 * The apply half of `npm run bench`: time until every object of a release is accepted by
 * a real kube-apiserver (tools/kube-server.ts), and how many requests the server refused
 * on the way, for two ways of getting there:
 * - the program's order: its Kubernetes resources as it registers them, each after what
 *   it depends on, independent ones at once (tools/kube-apply.ts);
 * - upstream's documented install: the whole render applied in file order, one object
 *   after another as `kubectl apply` does, and the whole apply repeated after a 20 s pause
 *   until one pass has no error (kubeflow/manifests README, "Install with a single
 *   command": `while ! kustomize build example | kubectl apply --server-side
 *   --force-conflicts -f -; do echo "Retrying to apply resources"; sleep 20; done`).
 * Admission webhook configurations are left out of both: no webhook answers on a server
 * without pods, so upstream's loop would never end and the program's awaits never hold.
 * Each run starts a fresh server. Prints figures; asserts nothing.
 */
import type * as k8s from "@kubernetes/client-node";
import { KubeObject } from "../manifests/types";
import { ServerSideApplier, leaveOutWebhooks } from "../tools/kube-apply";
import { ApplyUnit } from "../tools/kube-units";
import { ProfileController } from "../tools/kube-controllers";
import { installUnits } from "../tools/kube-install";
import { HOW_TO_GET_BINARIES, findKubeBinaries, startKubeServer } from "../tools/kube-server";

/** What one way of installing took. */
export interface ApplyFigures {
    readonly objects: number;
    readonly seconds: number;
    readonly requests: number;
    readonly refused: number;
    /** Passes over the whole render (1 for the program's order). */
    readonly passes: number;
}

/** Upstream's pause between two passes of its retry loop, in seconds. */
export const UPSTREAM_RETRY_PAUSE_S = 20;

/**
 * Upstream's loop: every object in file order, one request at a time, force-applying
 * (`--force-conflicts`); a pass with any refusal is followed by the pause and another
 * pass. `maxPasses` bounds a loop that would not end.
 */
export async function upstreamLoop(config: k8s.KubeConfig, objects: readonly KubeObject[], pauseMs: number, maxPasses = 20): Promise<ApplyFigures> {
    const applier = new ServerSideApplier(config, "kubectl", true);
    // The example's Profile gets its namespace from the profile controller, as in the install.
    const profiles = new ProfileController(config);
    const applied = objects.filter((o) => !leaveOutWebhooks(o));
    const start = Date.now();
    let requests = 0;
    let refused = 0;
    for (let pass = 1; pass <= maxPasses; pass++) {
        let failures = 0;
        for (const o of applied) {
            requests++;
            try {
                await applier.apply(o);
                await profiles.observe(o);
            } catch {
                failures++;
            }
        }
        await profiles.settle();
        refused += failures;
        if (failures === 0) {
            return { objects: applied.length, seconds: (Date.now() - start) / 1000, requests, refused, passes: pass };
        }
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    throw new Error(`upstream's loop did not succeed in ${maxPasses} passes`);
}

/** The program's order: the units of a program run (recorded by the caller) installed on a fresh server. */
export async function programOrder(config: k8s.KubeConfig, units: readonly ApplyUnit[]): Promise<ApplyFigures> {
    const { report, ms } = await installUnits(config, units);
    const accepted = [...report.accepted.values()].reduce((a, b) => a + b, 0);
    if (report.waitsFailed.length > 0) {
        throw new Error(`awaits that never held: ${report.waitsFailed.map((w) => w.object).join(", ")}`);
    }
    return { objects: accepted + report.refusals.length, seconds: ms / 1000, requests: report.requests, refused: report.refusals.length, passes: 1 };
}

export interface ApplyBench {
    readonly program: ApplyFigures;
    readonly upstream: ApplyFigures;
    readonly pauseSeconds: number;
}

/** Both ways, each on a fresh server; the reason instead when there are no binaries. */
export async function benchApply(units: readonly ApplyUnit[], upstream: readonly KubeObject[]): Promise<ApplyBench | string> {
    const binaries = findKubeBinaries();
    if (!binaries) {
        return HOW_TO_GET_BINARIES;
    }
    const run = async <T>(f: (config: k8s.KubeConfig) => Promise<T>): Promise<T> => {
        const server = await startKubeServer(binaries);
        try {
            return await f(server.config);
        } finally {
            await server.stop();
        }
    };
    const program = await run((config) => programOrder(config, units));
    const loop = await run((config) => upstreamLoop(config, upstream, UPSTREAM_RETRY_PAUSE_S * 1000));
    return { program, upstream: loop, pauseSeconds: UPSTREAM_RETRY_PAUSE_S };
}
