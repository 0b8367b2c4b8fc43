/**
 * The README is the user's manual: its configuration table, its outputs table, the keys
 * its commands set, the npm commands it names and its links inside the page are kept in
 * step with the code.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DEFAULTS, KEYS, NAMESPACE } from "../config";
import { OUTPUT_NAMES } from "../outputs";
import { projectDir } from "./stack-files";

const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

/** The rows of the first table after a heading: first cell, and the whole row. */
function tableAfter(heading: string): Map<string, string> {
    const start = readme.indexOf(`\n${heading}\n`);
    assert.ok(start >= 0, `README has ${heading}`);
    const lines = readme.slice(start).split("\n");
    const first = lines.findIndex((l) => l.startsWith("|"));
    const rows = new Map<string, string>();
    for (const line of lines.slice(first + 2)) {
        if (!line.startsWith("|")) {
            break;
        }
        const cell = /^\|\s*`([^`]+)`/.exec(line)?.[1];
        assert.ok(cell, `a row without a key in backticks: ${line.slice(0, 60)}`);
        rows.set(cell, line);
    }
    return rows;
}

/** GitHub's anchor for a heading: lower case, punctuation other than `-` dropped, spaces as `-`. */
function slug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** Code blocks and inline code are left out of the link check. */
const prose = readme.replace(/```[\s\S]*?```/g, "");

describe("README in step with the code", () => {
    it("documents every configuration key, and only those", () => {
        const rows = tableAfter("## Configuration");
        const documented = [...rows.keys()].filter((k) => k !== "azure-native:location");
        assert.deepEqual([...documented].sort(), [...KEYS].sort());
        assert.ok(rows.has("azure-native:location"));
    });

    it("states each scalar default as config.ts has it", () => {
        const rows = tableAfter("## Configuration");
        for (const [key, value] of Object.entries(DEFAULTS)) {
            if (typeof value === "string" || typeof value === "boolean") {
                const cell = (rows.get(key) ?? "").split("|")[2] ?? "";
                assert.ok(cell.includes(`\`${String(value)}\``), `${key}: the default cell "${cell.trim()}" should say \`${String(value)}\``);
            }
        }
    });

    it("documents every stack output, and only those", () => {
        assert.deepEqual([...tableAfter("## Outputs").keys()].sort(), [...OUTPUT_NAMES].sort());
    });

    it("sets only keys that exist in its pulumi config commands", () => {
        // `KEY` is the README's own placeholder for any key.
        const set = [...readme.matchAll(/pulumi config set(?: --secret)?(?: --path)? '?kubeflow-azure:([A-Za-z]+)/g)]
            .map((m) => m[1])
            .filter((k) => k !== "KEY");
        assert.ok(set.length >= 5, `${set.length} commands`);
        for (const key of set) {
            assert.ok((KEYS as readonly string[]).includes(key), `pulumi config set ${NAMESPACE}:${key}: no such key`);
        }
    });

    it("names only npm commands package.json has", () => {
        const named = [...readme.matchAll(/npm run ([a-z][a-z:-]*)/g)].map((m) => m[1]);
        assert.ok(named.length >= 3);
        for (const name of named) {
            assert.ok(scripts.includes(name), `npm run ${name}: not in package.json`);
        }
    });

    it("lists every section and subsection in its table of contents, in order", () => {
        const body = readme.slice(readme.indexOf("\n## Contents\n") + 1);
        const headings = [...prose.matchAll(/^(##|###) (.+)$/gm)]
            .map((m) => `${m[1] === "##" ? "" : "  "}- [${m[2]}](#${slug(m[2])})`)
            .filter((l) => !l.includes("[Contents]"));
        const lines = body.split("\n").slice(2);
        const toc = lines.slice(0, lines.indexOf(""));
        assert.deepEqual(toc, headings);
    });

    it("links only to headings that exist", () => {
        const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
        const links = [...prose.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
        assert.ok(links.length >= 5, `${links.length} links`);
        for (const link of links) {
            assert.ok(anchors.has(link), `(#${link}) names no heading`);
        }
    });
});
