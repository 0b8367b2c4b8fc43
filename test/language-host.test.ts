import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as fs from "node:fs";
import * as os from "node:os";
import { describe, it } from "node:test";
import { miniObjects } from "./fixtures/mini-release";
import { toYamlText } from "../manifests/parse";
import { OUTPUT_NAMES } from "../outputs";
import { stackConfig } from "./stack-files";

const script = path.join(__dirname, "fixtures", "language-host.js");
// A rendered file as `manifests`: the program reads it instead of fetching the release.
const render = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kf-render-")), "render.yaml");
fs.writeFileSync(render, toYamlText(miniObjects()));

function host(stack: string, overrides: Record<string, unknown> = {}): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [script], {
        env: { ...process.env, PULUMI_CONFIG: JSON.stringify(stackConfig(stack, { "kubeflow-azure:manifests": render, ...overrides })), PULUMI_STACK_NAME: stack },
        encoding: "utf8",
        timeout: 240_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("index.ts under the Pulumi language host's ts-node", () => {
    it("type-checks, loads and exports exactly the contract's outputs", () => {
        const run = host("dev");
        assert.equal(run.status, 0, run.stderr);
        const result = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as { outputs: string[]; resources: number };
        assert.deepEqual(result.outputs, [...OUTPUT_NAMES].sort());
        assert.ok(result.resources > 10, `${result.resources} resources registered`);
    });

    it("stops on invalid configuration before registering anything", () => {
        const run = host("dev", { "kubeflow-azure:name": "Not_Valid" });
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /configuration problem\(s\); nothing was created/);
        assert.match(run.stderr, /kubeflow-azure:name: "Not_Valid"/);
        assert.match(run.stderr, /registered resources: 0\n/);
    });
});
