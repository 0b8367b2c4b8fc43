/**
 * Product code never imports test code: the tools the README documents (the offline plan,
 * the bench, render-catalog) and the modules they share with the tests live outside test/.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { projectDir } from "./stack-files";

const PRODUCT_DIRS = [".", "components", "manifests", "scripts", "tools"];

function sources(dir: string): string[] {
    const full = path.join(projectDir, dir);
    return fs.readdirSync(full, { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) {
            return dir === "." ? [] : sources(rel);
        }
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function specifiers(text: string): string[] {
    return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
}

describe("product code and test code", () => {
    it("finds the imports it checks (a dynamic import and a re-export among them)", () => {
        assert.deepEqual(specifiers('import a from "x";\nexport * from "./y";\nawait import("../z");'), ["x", "./y", "../z"]);
    });

    it("no module of the product imports from test/", () => {
        const files = PRODUCT_DIRS.flatMap(sources);
        assert.ok(files.includes(path.join("scripts", "plan.ts")) && files.includes(path.join("tools", "recording-runtime.ts")), files.join(", "));
        const offending = files.flatMap((file) => {
            const text = fs.readFileSync(path.join(projectDir, file), "utf8");
            return specifiers(text)
                .filter((s) => s.startsWith("."))
                .filter((s) => path.relative(projectDir, path.resolve(projectDir, path.dirname(file), s)).split(path.sep)[0] === "test")
                .map((s) => `${file}: ${s}`);
        });
        assert.deepEqual(offending, []);
    });
});
