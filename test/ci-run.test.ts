/**
 * .ci/run picks the Node it runs the suite on: the local node when it is 22.14 or newer,
 * else node@22 from the npm registry (the `node` package), first on PATH for npm ci and
 * npm test. Exercised with stand-ins for node, npx and npm: no registry, no install.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..");
const script = fs.readFileSync(path.join(root, ".ci", "run"), "utf8");

/** A stand-in node of `major.minor`: `-p` answers major*1000+minor, as .ci/run's expression computes it. */
function fakeNode(dir: string, version: string): void {
    const [major, minor] = version.split(".").map(Number);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, "node"),
        `#!/bin/sh\ncase "$1" in\n  -p) echo ${major * 1000 + minor} ;;\n  --version) echo v${major}.${minor}.0 ;;\n  *) exit 3 ;;\nesac\n`,
        { mode: 0o755 },
    );
}

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    npm: string[];
    npx: string[];
}

/** Runs a copy of .ci/run with a local node and a registry node of these `major.minor` versions. */
function run(localVersion: string, registryVersion: string): Run {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kf-ci-run-"));
    const project = path.join(tmp, "project");
    fs.mkdirSync(path.join(project, ".ci"), { recursive: true });
    fs.writeFileSync(path.join(project, ".ci", "run"), script, { mode: 0o755 });
    const bin = path.join(tmp, "bin");
    const registry = path.join(tmp, "registry", "node_modules", "node", "bin");
    fakeNode(bin, localVersion);
    fakeNode(registry, registryVersion);
    // npx: records its arguments, then runs what follows `--` with the package's bin
    // directory first on PATH, through a .bin link, as npm exec does.
    const dotBin = path.join(tmp, "registry", "node_modules", ".bin");
    fs.mkdirSync(dotBin, { recursive: true });
    fs.symlinkSync(path.join(registry, "node"), path.join(dotBin, "node"));
    const npxLog = path.join(tmp, "npx.log");
    const npmLog = path.join(tmp, "npm.log");
    fs.writeFileSync(
        path.join(bin, "npx"),
        `#!/bin/sh\necho "$*" >> "${npxLog}"\nwhile [ "$1" != "--" ]; do shift; done\nshift\nPATH="${dotBin}:$PATH" exec "$@"\n`,
        { mode: 0o755 },
    );
    // npm: records which node it would run on and its arguments.
    fs.writeFileSync(
        path.join(bin, "npm"),
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo 11.0.0; exit 0; fi\necho "$(command -v node) $*" >> "${npmLog}"\n`,
        { mode: 0o755 },
    );
    const result = spawnSync("bash", [path.join(project, ".ci", "run")], {
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: tmp },
        encoding: "utf8",
        timeout: 60_000,
    });
    const lines = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : []);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, npm: lines(npmLog), npx: lines(npxLog) };
}

describe(".ci/run", () => {
    it("takes node@22 from the npm registry when the local node is older than 22.14, and runs npm ci and npm test on it", () => {
        // 22.13 is too old too: tools/source-maps.ts needs 22.14.
        assert.match(run("22.13", "22.23").stdout, /node v22\.13\.0 is older than 22\.14; taking node@22/);
        const r = run("20.20", "22.23");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.npx.length, 1);
        assert.match(r.npx[0], /--package node@22\b/);
        assert.match(r.stdout, /node v22\.23\.0/);
        const registryNode = /registry\/node_modules\/node\/bin\/node$/;
        assert.deepEqual(
            r.npm.map((l) => l.split(" ").slice(1).join(" ")),
            ["ci --no-audit --no-fund", "ci --prefix policy --no-audit --no-fund", "test"],
        );
        for (const line of r.npm) {
            assert.match(line.split(" ")[0], registryNode, `npm runs on the registry's node: ${line}`);
        }
    });

    it("uses the local node when it is 22.14 or newer, without asking the registry", () => {
        for (const major of ["22.14", "24.0"]) {
            const r = run(major, "22.23");
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.npx, [], `node ${major}: no registry download`);
            assert.equal(r.npm.length, 3);
            for (const line of r.npm) {
                assert.match(line.split(" ")[0], /\/bin\/node$/);
                assert.doesNotMatch(line, /registry/);
            }
        }
    });

    it("stops with a clear message, before npm ci, when the registry's node is not 22.14 either", () => {
        const r = run("20.20", "18.19");
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /could not get Node 22\.14 from the npm registry/);
        assert.deepEqual(r.npm, [], "nothing is installed or tested");
    });

    it("asks for the version package.json's engines require", () => {
        const engines = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
        const major = /^REQUIRED_MAJOR=(\d+)$/m.exec(script)?.[1];
        const minor = /^REQUIRED_MINOR=(\d+)$/m.exec(script)?.[1];
        assert.equal(`>=${major}.${minor}`, engines);
    });
});
