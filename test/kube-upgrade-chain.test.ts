/**
 * The whole chain of release upgrades on one real API server, as a platform team lives
 * it: the oldest release of the catalog installed, then each newer one applied over the
 * one before, with what users made seeded before every step and everything seeded so far
 * read back after it. The per-release suites (test/kube-install-*.test.ts) apply each
 * adjacent pair over a fresh install of the older release; this one shows that the state
 * an upgrade leaves behind takes the next one.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeObject } from "../manifests/types";
import { installUnits } from "../tools/kube-install";
import { KubeServer, startKubeServer } from "../tools/kube-server";
import { ApplyUnit } from "../tools/kube-units";
import { kubeBinariesOrSkip } from "./support/kube";
import { chainOfReleases, programUnitsFor, serverVersion } from "./support/kube-suite";
import { upgradeAndCheck } from "./support/kube-upgrade";

const chain = chainOfReleases();
const binaries = kubeBinariesOrSkip();
const skip = typeof binaries === "string" ? binaries : chain.length < 2 ? "fewer than two releases rendered here" : false;

describe(`the upgrade chain ${chain.join(" -> ")} on one real kube-apiserver v1.32 (admission webhook configurations left out)`, { skip }, () => {
    let server: KubeServer | undefined;
    let current: { id: string; units: readonly ApplyUnit[] } | undefined;
    const seeded: KubeObject[] = [];

    before(async () => {
        assert.ok(typeof binaries !== "string");
        server = await startKubeServer(binaries);
        const units = await programUnitsFor(chain[0], await serverVersion(server));
        const result = await installUnits(server.config, units);
        assert.deepEqual(
            result.report.refusals.map((r) => `${r.object}: ${r.message}`),
            [],
            `${chain[0]} installs`,
        );
        current = { id: chain[0], units };
    });
    after(async () => {
        await server?.stop();
    });

    for (const next of chain.slice(1)) {
        it(`-> ${next}: applied over the upgraded cluster, nothing refused, everything users made since ${chain[0]} still there`, async (t) => {
            const from = current;
            // A failed step stops the chain: the next one would start from the wrong release.
            current = undefined;
            assert.ok(server && from, "the chain got this far");
            const to = { id: next, units: await programUnitsFor(next, await serverVersion(server), from.id) };
            seeded.push(...(await upgradeAndCheck(t, server, from, to, seeded)));
            current = to;
        });
    }
});
