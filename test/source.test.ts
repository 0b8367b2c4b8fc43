import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Release, findRelease, releaseIds } from "../manifests/catalog";
import {
    Git,
    PIPELINES_VERSIONS,
    checkRenderedRelease,
    fetchRelease,
    localSource,
    readRendered,
    renderedPipelinesVersion,
    tagMoved,
} from "../manifests/source";
import { KubeObject } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const release = findRelease("26.03") as Release;
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "kf-source-"));

/** A git stand-in: records calls, "checks out" a tree with an example/ kustomization at `head`. */
function fakeGit(head: string, options: { failFetch?: boolean } = {}): { git: Git; calls: string[][] } {
    const calls: string[][] = [];
    const git: Git = (args, cwd) => {
        calls.push([...args]);
        if (args[0] === "fetch" && options.failFetch) {
            throw Object.assign(new Error("git fetch failed"), {
                stderr: "fatal: unable to access 'https://github.com/kubeflow/manifests/': Could not resolve host\n",
            });
        }
        if (args[0] === "checkout") {
            fs.mkdirSync(path.join(cwd, "example"), { recursive: true });
            fs.writeFileSync(path.join(cwd, "example", "kustomization.yaml"), "resources: []\n");
            fs.writeFileSync(path.join(cwd, ".head"), head);
        }
        if (args[0] === "rev-parse") {
            return fs.readFileSync(path.join(cwd, ".head"), "utf8");
        }
        if (args[0] === "ls-remote") {
            return `${head}\trefs/tags/${release.tag}`;
        }
        return "";
    };
    return { git, calls };
}

describe("fetchRelease", () => {
    it("fetches exactly the pinned commit, verifies it and caches it per commit", () => {
        const cacheDir = tmp();
        const { git, calls } = fakeGit(release.commit);
        const source = fetchRelease(release, { cacheDir, git });
        assert.deepEqual(source, {
            kind: "kustomization",
            directory: path.join(cacheDir, "manifests", release.commit, "example"),
            origin: `https://github.com/kubeflow/manifests ${release.tag} (${release.commit})`,
        });
        assert.ok(
            calls.some((c) => c.join(" ") === `fetch --quiet --depth 1 origin ${release.commit}`),
            "fetches the commit, not the tag",
        );
        const again = fakeGit(release.commit);
        assert.deepEqual(fetchRelease(release, { cacheDir, git: again.git }), source);
        assert.deepEqual(
            again.calls.map((c) => c[0]),
            ["rev-parse"],
            "a verified cache entry is used without fetching",
        );
    });

    it("refuses a tree that is not the pinned commit and leaves nothing in the cache", () => {
        const cacheDir = tmp();
        const { git } = fakeGit("0".repeat(40));
        assert.throws(
            () => fetchRelease(release, { cacheDir, git }),
            new RegExp(`Kubeflow 26\\.03: the fetched tree is not commit ${release.commit}; refusing to deploy it`),
        );
        assert.deepEqual(fs.readdirSync(path.join(cacheDir, "manifests")), []);
    });

    it("names the release and the way out when the download fails", () => {
        const { git } = fakeGit(release.commit, { failFetch: true });
        assert.throws(
            () => fetchRelease(release, { cacheDir: tmp(), git }),
            (err: Error) => {
                assert.match(err.message, /^Kubeflow 26\.03: could not fetch https:\/\/github\.com\/kubeflow\/manifests 26\.03/);
                assert.match(err.message, /Could not resolve host/);
                assert.match(err.message, /set kubeflow-azure:manifests/);
                return true;
            },
        );
    });

    it("refetches a cache entry whose checkout is not the pinned commit", () => {
        const cacheDir = tmp();
        const stale = path.join(cacheDir, "manifests", release.commit);
        fs.mkdirSync(stale, { recursive: true });
        fs.writeFileSync(path.join(stale, ".head"), "f".repeat(40));
        const { git, calls } = fakeGit(release.commit);
        fetchRelease(release, { cacheDir, git });
        assert.ok(calls.some((c) => c[0] === "fetch"));
        assert.equal(fs.readFileSync(path.join(stale, ".head"), "utf8"), release.commit);
    });
});

describe("tagMoved", () => {
    it("reports the commit a moved tag points at, and nothing for an unmoved one", () => {
        assert.equal(tagMoved(release, { git: fakeGit("a".repeat(40)).git }), "a".repeat(40));
        assert.equal(tagMoved(release, { git: fakeGit(release.commit).git }), undefined);
    });
});

describe("local sources", () => {
    it("reads a rendered file and a kustomization directory", () => {
        const dir = tmp();
        const file = path.join(dir, "render.yaml");
        fs.writeFileSync(file, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kubeflow\n");
        assert.deepEqual(localSource(file), { kind: "rendered", file });
        assert.deepEqual(
            readRendered(file).map((o) => o.metadata.name),
            ["kubeflow"],
        );
        fs.writeFileSync(path.join(dir, "kustomization.yaml"), "resources: [render.yaml]\n");
        assert.deepEqual(localSource(dir), { kind: "kustomization", directory: dir, origin: dir });
    });

    it("refuses a directory without a kustomization", () => {
        assert.throws(() => localSource(tmp()), /is a directory without a kustomization\.yaml/);
    });

    it("names file and line of unreadable YAML", () => {
        const file = path.join(tmp(), "broken.yaml");
        fs.writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
        assert.throws(() => readRendered(file), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+: not valid YAML`));
    });
});

describe("the release a render was made from", () => {
    it("knows a pipelines version for every catalog release, a different one for each", () => {
        assert.deepEqual(Object.keys(PIPELINES_VERSIONS).sort(), [...releaseIds()].sort());
        assert.equal(new Set(Object.values(PIPELINES_VERSIONS)).size, releaseIds().length);
    });

    const apiServer = (image: string): KubeObject => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "ml-pipeline", namespace: "kubeflow" },
        spec: { template: { spec: { containers: [{ name: "ml-pipeline-api-server", image }] } } },
    });

    it("reads the API server's image tag, from a mirror registry with a port too, and nothing from a bare digest", () => {
        assert.equal(renderedPipelinesVersion([apiServer("ghcr.io/kubeflow/kfp-api-server:2.16.0")]), "2.16.0");
        assert.equal(renderedPipelinesVersion([apiServer("mirror.example:5000/kfp/api-server:2.3.0@sha256:0123abcd")]), "2.3.0");
        assert.equal(renderedPipelinesVersion([apiServer("mirror.example:5000/kfp/api-server@sha256:0123abcd")]), undefined);
        assert.equal(renderedPipelinesVersion([]), undefined);
    });

    it("refuses a render of another catalog release, naming both; lets an unknown version through", () => {
        const v191 = findRelease("v1.9.1") as Release;
        assert.throws(
            () => checkRenderedRelease([apiServer("gcr.io/ml-pipeline/api-server:2.3.0")], release, "render.yaml"),
            /^Error: render\.yaml is a render of Kubeflow v1\.9\.1 \(Kubeflow Pipelines 2\.3\.0\), but kubeflow-azure:kubeflowRelease is 26\.03 \(Kubeflow Pipelines 2\.16\.0\): set kubeflow-azure:kubeflowRelease to v1\.9\.1/,
        );
        assert.doesNotThrow(() => checkRenderedRelease([apiServer("gcr.io/ml-pipeline/api-server:2.3.0")], v191, "render.yaml"));
        assert.doesNotThrow(() => checkRenderedRelease([apiServer("gcr.io/ml-pipeline/api-server:2.99.0-patched")], release, "render.yaml"));
    });

    describe("on the real renders", { skip: skipWithoutRenders() }, () => {
        for (const id of availableRenders()) {
            it(`${id}: the render names its own release and is refused under every other one`, () => {
                const objects = loadRender(id);
                assert.equal(renderedPipelinesVersion(objects), PIPELINES_VERSIONS[id]);
                for (const other of releaseIds()) {
                    const configured = findRelease(other) as Release;
                    if (other === id) {
                        assert.doesNotThrow(() => checkRenderedRelease(objects, configured, id));
                    } else {
                        assert.throws(
                            () => checkRenderedRelease(objects, configured, id),
                            new RegExp(`render of Kubeflow ${id.replace(/\./g, "\\.")} .*kubeflowRelease is ${other.replace(/\./g, "\\.")} `),
                        );
                    }
                }
            });
        }
    });
});
