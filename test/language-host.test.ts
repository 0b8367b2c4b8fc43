import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as fs from "node:fs";
import * as os from "node:os";
import { before, describe, it } from "node:test";
import { miniObjects } from "./fixtures/mini-release";
import { toYamlText } from "../manifests/parse";
import { OUTPUT_NAMES } from "../outputs";
import { stackConfig } from "./stack-files";

const script = path.join(__dirname, "fixtures", "language-host.js");
// A rendered file as `manifests`: the program reads it instead of fetching the release.
const render = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kf-render-")), "render.yaml");
fs.writeFileSync(render, toYamlText(miniObjects()));

interface Run {
    name: string;
    ok: boolean;
    outputs?: string[];
    message?: string;
    resources: number;
}

/**
 * One launch of the language host's ts-node for every configuration: loading and type
 * checking index.ts is most of the time, and it does not depend on the configuration.
 */
function host(stack: string, runs: Record<string, Record<string, unknown>>): { status: number | null; stderr: string; runs: Map<string, Run> } {
    const result = spawnSync(process.execPath, [script], {
        env: {
            ...process.env,
            LANGUAGE_HOST_RUNS: JSON.stringify(
                Object.entries(runs).map(([name, overrides]) => ({ name, config: stackConfig(stack, { "kubeflow-azure:manifests": render, ...overrides }) })),
            ),
            PULUMI_STACK_NAME: stack,
        },
        encoding: "utf8",
        timeout: 240_000,
    });
    const lines = result.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Run);
    return { status: result.status, stderr: result.stderr, runs: new Map(lines.map((r) => [r.name, r])) };
}

describe("index.ts under the Pulumi language host's ts-node", () => {
    let launch: ReturnType<typeof host>;
    before(() => {
        launch = host("dev", { invalid: { "kubeflow-azure:name": "Not_Valid" }, valid: {} });
    });

    it("type-checks, loads and exports exactly the contract's outputs", () => {
        assert.equal(launch.status, 0, launch.stderr);
        const result = launch.runs.get("valid");
        assert.ok(result?.ok, result?.message);
        assert.deepEqual(result.outputs, [...OUTPUT_NAMES].sort());
        assert.ok(result.resources > 10, `${result.resources} resources registered`);
    });

    it("stops on invalid configuration before registering anything", () => {
        const run = launch.runs.get("invalid");
        assert.ok(run, launch.stderr);
        assert.equal(run.ok, false);
        assert.match(run.message ?? "", /configuration problem\(s\); nothing was created/);
        assert.match(run.message ?? "", /kubeflow-azure:name: "Not_Valid"/);
        assert.match(run.message ?? "", /registered resources: 0\n/);
    });
});
