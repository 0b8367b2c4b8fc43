/**
 * `npm run bench` without renders: it measures nothing, exits 1 and prints the commands
 * that make the renders (each catalog release at its pinned commit), instead of a bare
 * "nothing to measure".
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { RELEASES } from "../manifests/catalog";
import { whereToGetRenders } from "../scripts/bench";
import { projectDir } from "./stack-files";
import { availableRenders, skipWithoutRenders } from "./upstream";

describe("bench without renders", () => {
    it("names the directory, KUBEFLOW_UPSTREAM_DIR and the render command of every catalog release", () => {
        const text = whereToGetRenders("/data/renders");
        assert.match(text, /^no renders in \/data\/renders: nothing to measure\./);
        assert.match(text, /KUBEFLOW_UPSTREAM_DIR/);
        assert.match(text, /git clone https:\/\/github\.com\/kubeflow\/manifests /);
        for (const r of RELEASES) {
            assert.ok(text.includes(`git checkout --quiet ${r.commit} && kustomize build example > /data/renders/kubeflow-${r.id}.yaml`), r.id);
        }
    });

    it("with --release, only that release's command; an unknown one lists the catalog", () => {
        const one = whereToGetRenders("/data/renders", "v1.9.1");
        assert.match(one, /^no render of v1\.9\.1 in \/data\/renders/);
        assert.equal(one.match(/git checkout/g)?.length, 1);
        assert.match(whereToGetRenders("/data/renders", "v9"), /v9 is not a release of the catalog: 26\.03, /);
    });

    it("exits 1 with that message from the command line", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "kf-bench-"));
        const result = spawnSync(process.execPath, ["--import", "tsx", path.join(projectDir, "scripts", "bench.ts")], {
            cwd: projectDir,
            encoding: "utf8",
            env: { ...process.env, KUBEFLOW_UPSTREAM_DIR: empty },
        });
        fs.rmSync(empty, { recursive: true, force: true });
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`no renders in ${empty.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: nothing to measure`));
        assert.match(result.stderr, /kustomize build example/);
    });
});

describe("bench on a release whose authservice needs a client secret", { skip: skipWithoutRenders() }, () => {
    it(
        "measures the program on v1.8.1 (a client secret issued today, not dev's placeholder rotation)",
        { skip: availableRenders().includes("v1.8.1") ? false : "v1.8.1 render absent" },
        () => {
            const result = spawnSync(process.execPath, ["--import", "tsx", path.join(projectDir, "scripts", "bench.ts"), "--child", "program", "v1.8.1"], {
                cwd: projectDir,
                encoding: "utf8",
            });
            assert.equal(result.status, 0, result.stderr);
            const figures = JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as { objects?: number; resources?: number };
            assert.ok((figures.objects ?? 0) > 500, result.stdout);
            assert.ok((figures.resources ?? 0) > 30, result.stdout);
        },
    );
});
