/** `npm run kfp-client`: --help, bad arguments, and the Pulumi CLI missing or failing: one line each, no stack trace. */
import assert from "node:assert/strict";
import { SpawnSyncReturns, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { projectDir } from "./stack-files";

describe("kfp-client without the Pulumi CLI", () => {
    it("says how to install it (https://www.pulumi.com/docs/install/) and exits 1 without a stack trace", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "kf-nopulumi-"));
        const result = spawnSync(process.execPath, ["--import", "tsx", path.join(projectDir, "scripts", "kfp-client.ts"), "--stack", "dev"], {
            cwd: projectDir,
            encoding: "utf8",
            env: { ...process.env, PATH: empty },
        });
        fs.rmSync(empty, { recursive: true, force: true });
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stderr, /Pulumi CLI, which is not on PATH/);
        assert.match(result.stderr, /curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
        assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
});

function run(args: readonly string[], pathDir?: string): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, ["--import", "tsx", path.join(projectDir, "scripts", "kfp-client.ts"), ...args], {
        cwd: projectDir,
        encoding: "utf8",
        env: { ...process.env, ...(pathDir ? { PATH: `${pathDir}:${process.env.PATH ?? ""}` } : {}) },
    });
}

describe("kfp-client's arguments and a failing Pulumi CLI", () => {
    it("--help prints the usage and exits 0; a bad argument is one line and exit 2", () => {
        const help = run(["--help"]);
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^usage: npm run kfp-client -- \[--stack <stack>\]/);
        for (const [args, said] of [
            [["--stak", "dev"], /^kfp-client: unknown argument --stak \(npm run kfp-client -- --help\)\n$/],
            [["--stack"], /^kfp-client: --stack needs a stack name, e.g\. --stack dev\n$/],
        ] as const) {
            const r = run(args);
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, said);
        }
    });

    it("a pulumi that fails (no such stack) is one line with its first line of output, exit 1", () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "kf-fakepulumi-"));
        // A stand-in for the CLI: what `pulumi stack output` prints for a stack that does not exist.
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho \"error: no stack named 'nope' found\" >&2\nexit 255\n", { mode: 0o755 });
        const r = run(["--stack", "nope"], bin);
        fs.rmSync(bin, { recursive: true, force: true });
        assert.equal(r.status, 1, r.stderr);
        assert.equal(r.stderr, "kfp-client: pulumi stack output --json --stack nope failed: error: no stack named 'nope' found\n");
    });
});
