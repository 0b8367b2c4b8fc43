/**
 * A stack file YAML cannot read (a key given twice, a tab for indentation) stops the
 * offline tools with one line naming the file, the line and what is wrong: no stack
 * trace, no dump of the file.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { StackFileError, readStackFile } from "../tools/stack-files";
import { userFacing } from "../tools/errors";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeflow-azure-stack-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

function failure(file: string): string {
    try {
        readStackFile(file);
    } catch (err) {
        assert.ok(err instanceof StackFileError, String(err));
        const line = userFacing(err);
        assert.ok(line !== undefined, "printed as the user's problem, without a stack trace");
        return line;
    }
    return assert.fail("the file was read");
}

describe("stack files the tools cannot read", () => {
    it("names the file, the line and the key given twice", () => {
        const file = write(
            "Pulumi.dup.yaml",
            [
                "config:",
                "  azure-native:location: westeurope",
                "  kubeflow-azure:userPool:",
                "    maxCount: 2",
                "  kubeflow-azure:userPool:",
                "    maxCount: 5",
                "",
            ].join("\n"),
        );
        const message = failure(file);
        assert.match(message, /^Pulumi\.dup\.yaml line 5: duplicated mapping key$/);
        assert.equal(message.split("\n").length, 1, "one line, not the file");
        assert.doesNotMatch(message, /maxCount/);
    });

    it("names the line of a tab used for indentation, and refuses a config that is no map", () => {
        assert.match(failure(write("Pulumi.tab.yaml", "config:\n\tkubeflow-azure:name: kf\n")), /^Pulumi\.tab\.yaml line 2: /);
        assert.equal(failure(write("Pulumi.list.yaml", "config:\n  - a\n")), "Pulumi.list.yaml: config is not a map of keys to values");
    });

    it("reads a good file's config, and an empty one as none", () => {
        assert.deepEqual(readStackFile(write("Pulumi.ok.yaml", "config:\n  kubeflow-azure:name: kf\n")), { "kubeflow-azure:name": "kf" });
        assert.deepEqual(readStackFile(write("Pulumi.empty.yaml", "")), {});
    });

    it("reads a key without a namespace as the project's, as the Pulumi CLI does, and an empty value as empty text", () => {
        const file = write("Pulumi.bare.yaml", "config:\n  azure-native:location: westeurope\n  userPool:\n    maxCount: 5\n  hostname:\n");
        assert.deepEqual(readStackFile(file), {
            "azure-native:location": "westeurope",
            "kubeflow-azure:userPool": { maxCount: 5 },
            "kubeflow-azure:hostname": "",
        });
    });

    it("reads a date and `yes` as text, as the Pulumi CLI's YAML does", () => {
        const file = write("Pulumi.date.yaml", "config:\n  kubeflow-azure:clientSecret:\n    rotation: 2026-01-01\n  kubeflow-azure:selfService: yes\n");
        assert.deepEqual(readStackFile(file), { "kubeflow-azure:clientSecret": { rotation: "2026-01-01" }, "kubeflow-azure:selfService": "yes" });
    });

    it("refuses a key given both with and without the namespace (the CLI would keep either)", () => {
        const file = write("Pulumi.both.yaml", "config:\n  kubeflow-azure:userPool:\n    maxCount: 2\n  userPool:\n    maxCount: 5\n");
        assert.equal(failure(file), "Pulumi.both.yaml: userPool and kubeflow-azure:userPool are the same key given twice; keep one (kubeflow-azure:userPool)");
    });
});
