// Plain JavaScript, loaded first (`node --import ./tools/node-check.mjs`) by every npm
// script that runs the project's TypeScript: on a Node older than package.json's engines
// it stops at once with one line naming both versions, before anything fails deeper in
// with a stack trace (tools/source-maps.ts needs module.getSourceMapsSupport, Node 22.14).
import { readFileSync } from "node:fs";

/** The message for a Node too old for an engines range of the form `>=X.Y[.Z]`, or undefined. */
export function tooOld(version, range) {
    const floor = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range.trim());
    if (!floor) {
        throw new Error(`package.json engines.node ${JSON.stringify(range)}: expected ">=major.minor"`);
    }
    const have = version.replace(/^v/, "").split(".").map(Number);
    const need = [Number(floor[1]), Number(floor[2]), Number(floor[3] ?? 0)];
    for (let i = 0; i < 3; i++) {
        if ((have[i] ?? 0) !== need[i]) {
            return (have[i] ?? 0) < need[i]
                ? `kubeflow-azure needs Node ${need.join(".")} or newer (package.json engines); this is Node ${version.replace(/^v/, "")}: install a newer Node, or run with npx -p node@22`
                : undefined;
        }
    }
    return undefined;
}

const engines = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).engines.node;
const problem = tooOld(process.versions.node, engines);
if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
}
