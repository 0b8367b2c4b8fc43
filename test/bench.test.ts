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
import { BENCH_USAGE, parseBenchArgs, whereToGetRenders } from "../scripts/bench";
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

    it("reads its arguments, and says in one line what is wrong with one", () => {
        assert.deepEqual(parseBenchArgs([]), { only: undefined, runs: 3, skipBaseline: false, skipApply: false });
        assert.deepEqual(parseBenchArgs(["--release", "v1.9.1", "--runs", "5", "--skip-apply"]), {
            only: "v1.9.1",
            runs: 5,
            skipBaseline: false,
            skipApply: true,
        });
        assert.equal(parseBenchArgs(["--help"]), "help");
        assert.deepEqual(parseBenchArgs(["--runs", "0"]), { problem: "--runs takes a whole number from 1" });
        assert.deepEqual(parseBenchArgs(["--fast"]), { problem: "unknown argument --fast (npm run bench -- --help)" });
        assert.match((parseBenchArgs(["--release"]) as { problem: string }).problem, /^--release needs a release id, one of 26\.03, /);
        assert.match((parseBenchArgs(["--release", "v9"]) as { problem: string }).problem, /^--release v9: not a release of the catalog \(26\.03, /);
    });

    it("--help prints the usage and exits 0; a bad argument exits 2 with one line", () => {
        const run = (...args: string[]) =>
            spawnSync(process.execPath, ["--import", "tsx", path.join(projectDir, "scripts", "bench.ts"), ...args], { cwd: projectDir, encoding: "utf8" });
        const help = run("--help");
        assert.equal(help.status, 0, help.stderr);
        assert.equal(help.stdout.trim(), BENCH_USAGE);
        const bad = run("--fast");
        assert.equal(bad.status, 2);
        assert.equal(bad.stderr.trim(), "bench: unknown argument --fast (npm run bench -- --help)");
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
