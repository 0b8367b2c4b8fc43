/**
 * `npm run test:unit` runs the suites in two processes at once instead of one process
 * per file: on a 2-core machine the per-file start (Node, tsx, the Pulumi SDKs, about a
 * second each) cost more than most suites, and node's runner starts one file at a time
 * there (its default concurrency is os.availableParallelism() - 1: Node doc/api/cli.md,
 * `--test-concurrency`). Each shard loads its share of test/*.test.ts into one process,
 * every file inside a suite of its own name, so a file's top-level hooks stay its own.
 * A single file still runs alone: `node --import tsx --test test/plan.test.ts`.
 *
 * The runner passes its Node flags to the shards (a test file sees them in
 * process.execArgv under `node --max-semi-space-size=128 --test`, checked on 22.23).
 * `--max-semi-space-size=128` in package.json (MB, each of the young generation's
 * semi-spaces) gives V8 room for what a whole-program run allocates and drops (a
 * render's objects, their JSON text, the SDK's promises), which a scavenge would
 * otherwise copy and promote many times per run: on the 2-core machine the suites took
 * 91 s of CPU with it and 114 s without, for about 1.2 GB per shard.
 */
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as path from "node:path";
import { describe } from "node:test";

const TEST_DIR = path.resolve(__dirname, "..");

// V8's compiled code of every module, kept on disk (Node's module compile cache, Node
// >= 22.1, doc/api/module.md): the shards and every process a suite starts (the plan
// and verify commands, the language host) load the SDKs from it instead of compiling
// them again. Under node_modules, so a fresh install starts without it.
const COMPILE_CACHE = path.resolve(TEST_DIR, "..", "node_modules", ".cache", "node-compile-cache");
nodeModule.enableCompileCache(COMPILE_CACHE);
process.env.NODE_COMPILE_CACHE ??= COMPILE_CACHE;

/**
 * Seconds each suite took in a shard on the 2-core machine (Node 22.23, both shards
 * running): only the partition's balance depends on them. A suite not listed counts
 * DEFAULT_SECONDS.
 */
const SECONDS: Readonly<Record<string, number>> = {
    // Three releases each on a real kube-apiserver, most of it the server's own CPU.
    "kube-install-1.test.ts": 110,
    "kube-install-2.test.ts": 90,
    // Six releases one after the other on one server.
    "kube-upgrade-chain.test.ts": 85,
    "program.test.ts": 15,
    "self-service-quota.test.ts": 9,
    "artifact-isolation.test.ts": 15,
    "profiles-program.test.ts": 14,
    "language-host.test.ts": 14,
    "policy.test.ts": 13,
    "identity.test.ts": 12,
    "plan.test.ts": 11,
    "bench.test.ts": 4,
    "transforms.test.ts": 2,
    "authservice.test.ts": 2,
    "ordering.test.ts": 2,
    "authservice-component.test.ts": 2,
    "verify.test.ts": 2,
    "istio-gateway.test.ts": 1,
    "profiles.test.ts": 1,
};
const DEFAULT_SECONDS = 1;

/** The suites of shard `index` (1-based) of `count`: longest first, each to the shard with the least so far. */
export function shardFiles(index: number, count: number, files: readonly string[] = suiteFiles()): string[] {
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
        throw new Error(`shard ${index} of ${count}: want 1 <= index <= count`);
    }
    const load = Array.from({ length: count }, () => 0);
    const shards: string[][] = Array.from({ length: count }, () => []);
    const cost = (f: string): number => SECONDS[path.basename(f)] ?? DEFAULT_SECONDS;
    const ordered = [...files].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b));
    for (const f of ordered) {
        const lightest = load.indexOf(Math.min(...load));
        shards[lightest].push(f);
        load[lightest] += cost(f);
    }
    return shards[index - 1].sort();
}

export function suiteFiles(dir = TEST_DIR): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".test.ts"))
        .sort()
        .map((f) => path.join(dir, f));
}

/** Registers the shard's suites, each file inside a suite named after it. */
export function runShard(index: number, count: number): void {
    for (const file of shardFiles(index, count)) {
        describe(path.relative(path.resolve(TEST_DIR, ".."), file), () => {
            // describe's callback must register synchronously: import() would be too late.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require(file);
        });
    }
}
