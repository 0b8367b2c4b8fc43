/**
 * scripts/render-catalog.ts, which writes the renders the real-render suites read in
 * GitHub's test job. Fetch and render are replaced by fakes: no network, no kustomize.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { RELEASES, Release } from "../manifests/catalog";
import { parseManifests } from "../manifests/parse";
import type { ManifestSource } from "../manifests/source";
import type { KubeObject } from "../manifests/types";
import { renderCatalog } from "../scripts/render-catalog";
import { availableRenders } from "./upstream";

const objectsOf = (directory: string): KubeObject[] => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: path.basename(directory) } },
    // A string YAML would read as a boolean or a number must survive the round trip.
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "kubeflow" }, data: { on: "on", mode: "0755" } },
];

function fakes(): { fetched: string[]; rendered: string[]; fetch: (r: Release) => ManifestSource; render: (d: string) => KubeObject[] } {
    const fetched: string[] = [];
    const rendered: string[] = [];
    return {
        fetched,
        rendered,
        fetch: (r) => {
            fetched.push(r.id);
            return { kind: "kustomization", directory: `/cache/${r.commit}/example`, origin: `upstream ${r.tag} (${r.commit})` };
        },
        render: (d) => {
            rendered.push(d);
            return objectsOf(d);
        },
    };
}

describe("renderCatalog", () => {
    it("writes one kubeflow-<id>.yaml per catalog release, which the suites then find and parse", () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "kf-renders-"));
        const f = fakes();
        const lines = renderCatalog({ outDir, fetch: f.fetch, render: f.render, log: () => undefined });
        assert.deepEqual(
            f.fetched,
            RELEASES.map((r) => r.id),
        );
        assert.equal(lines.length, RELEASES.length);
        const files = fs.readdirSync(outDir).sort();
        assert.deepEqual(files, RELEASES.map((r) => `kubeflow-${r.id}.yaml`).sort());
        for (const r of RELEASES) {
            const text = fs.readFileSync(path.join(outDir, `kubeflow-${r.id}.yaml`), "utf8");
            assert.deepEqual(parseManifests(text, r.id), objectsOf(`/cache/${r.commit}/example`));
        }
        assert.ok(lines[0].includes(RELEASES[0].commit), lines[0]);
        assert.deepEqual(availableRenders(outDir), RELEASES.map((r) => r.id).sort(), "the suites' lookup finds every release");
    });

    it("keeps renders already present (the cache) and renders only the missing ones", () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "kf-renders-"));
        const [first, second] = RELEASES;
        fs.writeFileSync(path.join(outDir, `kubeflow-${first.id}.yaml`), "kept");
        const f = fakes();
        const lines = renderCatalog({ outDir, releases: [first, second], fetch: f.fetch, render: f.render, log: () => undefined });
        assert.deepEqual(f.fetched, [second.id]);
        assert.equal(fs.readFileSync(path.join(outDir, `kubeflow-${first.id}.yaml`), "utf8"), "kept");
        assert.match(lines[0], /kept/);
        assert.match(lines[1], /rendered 2 objects/);
    });

    it("leaves no file for a release whose render fails, so the next run retries it", () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "kf-renders-"));
        const f = fakes();
        assert.throws(
            () =>
                renderCatalog({
                    outDir,
                    releases: [RELEASES[0]],
                    fetch: f.fetch,
                    render: () => {
                        throw new Error("kustomize failed");
                    },
                    log: () => undefined,
                }),
            /kustomize failed/,
        );
        assert.deepEqual(fs.readdirSync(outDir), []);
    });
});
