import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_RELEASE, KUSTOMIZATION_PATH, MANIFESTS_REPOSITORY, RELEASES, findRelease, releaseIds, supportsKubernetes } from "../manifests/catalog";
import { availableRenders, skipWithoutRenders, upstreamDir } from "./upstream";

describe("release catalog", () => {
    it("lists the six supported releases, newest first, with the default among them", () => {
        assert.deepEqual(releaseIds(), ["26.03", "v1.11.0", "v1.10.2", "v1.9.1", "v1.8.1", "v1.7.0"]);
        assert.equal(DEFAULT_RELEASE, "26.03");
        assert.ok(findRelease(DEFAULT_RELEASE));
    });

    it("pins every release by a distinct full commit", () => {
        for (const r of RELEASES) {
            assert.match(r.commit, /^[0-9a-f]{40}$/, r.id);
        }
        assert.equal(new Set(RELEASES.map((r) => r.commit)).size, RELEASES.length);
    });

    it("uses oauth2-proxy from v1.9 on and oidc-authservice before", () => {
        const flavour = Object.fromEntries(RELEASES.map((r) => [r.id, r.authservice]));
        assert.deepEqual(flavour, {
            "26.03": "oauth2-proxy",
            "v1.11.0": "oauth2-proxy",
            "v1.10.2": "oauth2-proxy",
            "v1.9.1": "oauth2-proxy",
            "v1.8.1": "oidc-authservice",
            "v1.7.0": "oidc-authservice",
        });
    });

    it("gives each release an ordered Kubernetes range, 26.03 covering 1.34", () => {
        for (const r of RELEASES) {
            assert.ok(supportsKubernetes(r, r.kubernetes.min), `${r.id} min`);
            assert.ok(supportsKubernetes(r, r.kubernetes.max), `${r.id} max`);
        }
        const current = findRelease("26.03");
        assert.ok(current);
        assert.ok(supportsKubernetes(current, "1.34"));
        assert.ok(supportsKubernetes(current, "v1.34.2"));
        assert.ok(!supportsKubernetes(current, "1.20"));
        assert.ok(!supportsKubernetes(current, "not-a-version"));
    });

    it("finds releases with or without the v prefix, and nothing else", () => {
        assert.equal(findRelease("1.9.1")?.id, "v1.9.1");
        assert.equal(findRelease(" v1.8.1 ")?.id, "v1.8.1");
        assert.equal(findRelease("1.6.0"), undefined);
        assert.equal(findRelease(""), undefined);
    });

    it("is frozen, so no caller can change a pinned commit", () => {
        assert.ok(Object.isFrozen(RELEASES));
        assert.ok(RELEASES.every((r) => Object.isFrozen(r) && Object.isFrozen(r.kubernetes)));
    });

    it("fetches the example kustomization of the manifests repository", () => {
        assert.equal(MANIFESTS_REPOSITORY, "https://github.com/kubeflow/manifests");
        assert.equal(KUSTOMIZATION_PATH, "example");
    });
});

describe("release catalog against the real renders", { skip: skipWithoutRenders() }, () => {
    it("has exactly one entry per render present, and a render for every entry", () => {
        assert.deepEqual([...availableRenders()].sort(), [...releaseIds()].sort());
    });

    it("records the same tag commits as the renders' README", () => {
        const readme = path.join(upstreamDir, "README.md");
        if (!fs.existsSync(readme)) {
            return;
        }
        const text = fs.readFileSync(readme, "utf8");
        for (const r of RELEASES) {
            const row = text.split("\n").find((line) => line.includes(`kubeflow-${r.id}.yaml`));
            assert.ok(row, `README row for ${r.id}`);
            assert.ok(row.includes(r.commit), `${r.id}: README row ${row}`);
            assert.ok(row.includes(r.authservice), `${r.id}: ${r.authservice} in ${row}`);
        }
    });
});
