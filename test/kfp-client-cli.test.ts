/** `npm run kfp-client` on a machine without the Pulumi CLI: how to install it, exit 1, no stack trace. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
