import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { tooOld } from "../tools/node-check.mjs";

const ROOT = path.resolve(__dirname, "..");
const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;

/** An older node on this machine (the system's Node 20 here), if any. */
function olderNode(): string | undefined {
    for (const candidate of ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"]) {
        if (fs.existsSync(candidate)) {
            const version = spawnSync(candidate, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
            if (version && tooOld(version, engines)) {
                return candidate;
            }
        }
    }
    return undefined;
}

describe("the Node version gate (tools/node-check.mjs)", () => {
    it("asks for Node 22.14 (module.getSourceMapsSupport), and tells a version below it from one at or above it", () => {
        assert.equal(engines, ">=22.14");
        for (const old of ["20.20.2", "v22.13.1", "22.0.0", "18.19.0"]) {
            const message = tooOld(old, engines);
            assert.match(message ?? "", new RegExp(`needs Node 22\\.14\\.0 or newer .*this is Node ${old.replace(/^v/, "").replace(/\./g, "\\.")}:`), old);
        }
        for (const fine of ["22.14.0", "v22.23.3", "23.1.0", "24.0.0"]) {
            assert.equal(tooOld(fine, engines), undefined, fine);
        }
        assert.throws(() => tooOld("22.14.0", "^22"), /expected ">=major\.minor"/);
    });

    it(
        "lets this Node through, and stops an older one at once with one line naming both versions",
        { skip: olderNode() ? false : "no older node on this machine" },
        () => {
            const here = spawnSync(process.execPath, ["--import", "./tools/node-check.mjs", "-e", "console.log('ran')"], { cwd: ROOT, encoding: "utf8" });
            assert.equal(here.status, 0, here.stderr);
            assert.equal(here.stdout.trim(), "ran");
            const old = olderNode() as string;
            const there = spawnSync(old, ["--import", "./tools/node-check.mjs", "-e", "console.log('ran')"], { cwd: ROOT, encoding: "utf8" });
            assert.equal(there.status, 1);
            assert.equal(there.stdout, "", "nothing ran");
            const lines = there.stderr.trim().split("\n");
            assert.equal(lines.length, 1, there.stderr);
            assert.match(lines[0], /needs Node 22\.14\.0 or newer .*this is Node \d+\.\d+\.\d+/);
        },
    );
});
