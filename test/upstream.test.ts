/**
 * The real-render suites' gate: skip with a message locally, fail in CI, so that CI can
 * never pass with the real-render suites silently skipped.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { inCi, renderSkipReason } from "./upstream";

describe("the real-render gate", () => {
    it("runs the suites when renders are present, in CI or not", () => {
        assert.equal(renderSkipReason("/r", ["26.03"], true), false);
        assert.equal(renderSkipReason("/r", ["26.03"], false), false);
    });

    it("skips with a message naming the directory and KUBEFLOW_UPSTREAM_DIR outside CI", () => {
        const reason = renderSkipReason("/nowhere/upstream", [], false);
        assert.equal(typeof reason, "string");
        assert.match(String(reason), /\/nowhere\/upstream/);
        assert.match(String(reason), /KUBEFLOW_UPSTREAM_DIR/);
    });

    it("fails in CI when the renders are missing, saying how to render them", () => {
        assert.throws(
            () => renderSkipReason("/nowhere/upstream", [], true),
            (err: Error) => /CI is set/.test(err.message) && /\/nowhere\/upstream/.test(err.message) && /scripts\/render-catalog\.ts/.test(err.message),
        );
    });

    it("reads CI as CI systems set it", () => {
        for (const value of ["true", "1", "TRUE", "yes"]) {
            assert.equal(inCi({ CI: value }), true, value);
        }
        for (const value of [undefined, "", "0", "false", "False"]) {
            assert.equal(inCi(value === undefined ? {} : { CI: value }), false, String(value));
        }
    });

    it("makes a real-render suite fail, not skip, under CI=true without renders", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "kf-no-renders-"));
        const suite = path.join(__dirname, "parse.test.ts");
        // Without the parent runner's NODE_TEST_CONTEXT, the child reports and exits as a run of its own.
        const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
        const run = spawnSync(process.execPath, ["--import", "tsx", "--test", suite], {
            env: { ...env, CI: "true", KUBEFLOW_UPSTREAM_DIR: empty },
            encoding: "utf8",
            timeout: 120_000,
        });
        assert.notEqual(run.status, 0, run.stdout);
        assert.match(run.stdout + run.stderr, /CI is set and the upstream renders are missing/);
    });
});
