/**
 * `npm run bench`: for each render in ../shared/upstream (or KUBEFLOW_UPSTREAM_DIR), three
 * measurements, each in a fresh process (so peak RSS belongs to it alone), timed from
 * spawn to exit:
 * - program: the whole program (Azure half + Kubeflow half) as `pulumi up` evaluates it,
 *   under the recording runtime (tools/recording-runtime.ts);
 * - floor: what no representation can avoid: Node, the SDKs the program loads and the
 *   recording runtime, the render read and parsed with js-yaml, and its objects handed
 *   over as one YAML string in one yaml/v2 ConfigGroup;
 * - baseline: one resource per object with nested inputs (yaml v1 style).
 * Prints the program's time over the floor's per render, wall and CPU (the target is 1.2x
 * on 26.03; CPU time is the steadier figure on a shared machine),
 * and the baseline's over the program's. Then, on a real kube-apiserver (when its
 * binaries are found, tools/kube-server.ts), the time until every object of 26.03 (or the
 * release given) is accepted in the program's order and by upstream's retry loop, with
 * the refusals on the way (scripts/bench-apply.ts). Prints figures; asserts nothing.
 *
 *   npm run bench -- [--release 26.03] [--runs N] [--skip-baseline] [--skip-apply] [--help]
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { KUSTOMIZATION_PATH, MANIFESTS_REPOSITORY, RELEASES, Release } from "../manifests/catalog";
// Types only: the children that measure the program and the floor must not load the Kubernetes client.
import type { ApplyBench } from "./bench-apply";
import { availableRenders, renderPath, upstreamDir } from "../tools/renders";

type Mode = "program" | "floor" | "baseline" | "apply";
const MODES: readonly Mode[] = ["program", "floor", "baseline", "apply"];

/** What a child reports; `seconds` (spawn to exit) is the parent's. */
interface ChildFigures {
    objects: number;
    resources: number;
    peakMb: number;
    cpuSeconds: number;
}
interface Figures extends ChildFigures {
    seconds: number;
}

function runChild(mode: Mode, release: string): { stdout: string; seconds: number } {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", mode, release], {
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, PULUMI_CONFIG: process.env.PULUMI_CONFIG ?? "" },
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) {
        throw new Error(`${mode} ${release} failed:\n${result.stderr}`);
    }
    return { stdout: result.stdout.trim().split("\n").pop() ?? "{}", seconds };
}

function measureInChild(mode: Mode, release: string): Figures {
    const { stdout, seconds } = runChild(mode, release);
    return { ...(JSON.parse(stdout) as ChildFigures), seconds };
}

async function child(mode: Mode, release: string): Promise<void> {
    const { installRecordingRuntime } = await import("../tools/recording-runtime");
    const runtime = await installRecordingRuntime({ stack: "bench" });
    const { findRelease } = await import("../manifests/catalog");
    const rel = findRelease(release);
    if (!rel) {
        throw new Error(`unknown release ${release}`);
    }
    let objects: number;
    if (mode === "apply") {
        await applyChild(rel, release);
        return;
    }
    if (mode === "program") {
        const { readRendered } = await import("../manifests/source");
        const { resolveConfig } = await import("../config");
        const { deploy } = await import("../program");
        const { CONTEXT, releaseConfig, stackConfig } = await import("../tools/stack-files");
        // The release's own config, a client secret issued today included: the releases
        // before 26.03 and v1.11.0 refuse dev's placeholder rotation day.
        const cfg = resolveConfig(stackConfig("dev", releaseConfig(rel)), "dev", CONTEXT);
        const rendered = readRendered(renderPath(release));
        objects = rendered.length;
        deploy(cfg, { release: rel, objects: rendered, origin: release });
    } else if (mode === "floor") {
        const { floor } = await import("./bench-floor");
        objects = floor(renderPath(release));
    } else {
        const { readRendered } = await import("../manifests/source");
        const k8s = await import("@pulumi/kubernetes");
        const rendered = readRendered(renderPath(release));
        objects = rendered.length;
        const provider = new k8s.Provider("baseline", { kubeconfig: "baseline" });
        rendered.forEach((o, i) => {
            const { apiVersion, kind, ...rest } = o;
            new k8s.apiextensions.CustomResource(`o${i}-${o.metadata.name}`, { apiVersion, kind, ...rest }, { provider });
        });
    }
    await runtime.settle();
    // ru_maxrss: the process's peak resident set, in kilobytes; cpuUsage: user and system
    // time since the process started, in microseconds (node:process). CPU time is what a
    // loaded machine disturbs least.
    const cpu = process.cpuUsage();
    console.log(
        JSON.stringify({
            objects,
            resources: runtime.resources.length,
            peakMb: process.resourceUsage().maxRSS / 1024,
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
        }),
    );
}

/** The program's units for the release (dev stack), then both installs on a real server (scripts/bench-apply.ts). */
async function applyChild(rel: Release, release: string): Promise<void> {
    const { installRecordingRuntime } = await import("../tools/recording-runtime");
    const runtime = await installRecordingRuntime({ stack: "bench" });
    const { readRendered } = await import("../manifests/source");
    const { resolveConfig } = await import("../config");
    const { deploy } = await import("../program");
    const { CONTEXT, releaseConfig, stackConfig } = await import("../tools/stack-files");
    const { programUnits } = await import("../tools/kube-units");
    const { benchApply } = await import("./bench-apply");
    const rendered = readRendered(renderPath(release));
    deploy(resolveConfig(stackConfig("dev", releaseConfig(rel)), "dev", CONTEXT), { release: rel, objects: rendered, origin: release });
    await runtime.settle();
    console.log(JSON.stringify(await benchApply(programUnits(runtime.resources), readRendered(renderPath(release)))));
}

/** The apply table: the program's order against upstream's loop on a real server. */
function printApply(release: string): void {
    const { stdout } = runChild("apply", release);
    const result = JSON.parse(stdout) as ApplyBench | string;
    if (typeof result === "string") {
        console.log(`\napply on a real kube-apiserver: skipped, ${result}`);
        return;
    }
    const { program, upstream, pauseSeconds } = result;
    console.log(`\napply on a real kube-apiserver v1.32 (${release}; admission webhook configurations left out of both: no webhook answers without pods)`);
    console.log("                           objects  until all accepted s  requests  refused  passes");
    for (const [name, f] of [
        ["program's order", program],
        ["upstream's retry loop", upstream],
    ] as const) {
        console.log(
            `${name.padEnd(26)} ${String(f.objects).padStart(7)} ${f.seconds.toFixed(1).padStart(21)} ${String(f.requests).padStart(9)} ${String(f.refused).padStart(8)} ${String(f.passes).padStart(7)}`,
        );
    }
    console.log(
        `upstream/program: ${(upstream.seconds / program.seconds).toFixed(1)}x the time, ${upstream.requests - program.requests} more requests, ${upstream.refused} refused against ${program.refused}`,
    );
    console.log(`upstream's loop pauses ${pauseSeconds} s between passes, as its README's does; the program's order waits only on what it declares.`);
}

function range(values: readonly number[], digits: number): string {
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}-${hi.toFixed(digits)}`;
}

/** One column of the table: the range of a figure over the runs, right-aligned. */
function column(runs: readonly Figures[], figure: "seconds" | "cpuSeconds" | "peakMb", width: number): string {
    return range(
        runs.map((r) => r[figure]),
        figure === "peakMb" ? 0 : 2,
    ).padStart(width);
}

export const BENCH_USAGE = [
    "usage: npm run bench -- [--release ID] [--runs N] [--skip-baseline] [--skip-apply]",
    "Prints timings and peak memory of the program against the floor and a naive baseline, per render, then the apply order on a real API server.",
    "  --release ID      one render only (e.g. 26.03; default: every render found)",
    "  --runs N          program and floor runs each, alternating (default 3)",
    "  --skip-baseline   leave out the naive one-resource-per-object baseline",
    "  --skip-apply      leave out the real API server's apply comparison",
    "  --help            this text",
].join("\n");

export interface BenchArgs {
    readonly only?: string;
    readonly runs: number;
    readonly skipBaseline: boolean;
    readonly skipApply: boolean;
}

/** The arguments, `help`, or a one-line problem with them. */
export function parseBenchArgs(args: readonly string[]): BenchArgs | "help" | { problem: string } {
    let only: string | undefined;
    let runs = 3;
    let skipBaseline = false;
    let skipApply = false;
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        const value = (): string | undefined => (args[i + 1] !== undefined && !args[i + 1].startsWith("-") ? args[++i] : undefined);
        if (arg === "--help" || arg === "-h") {
            return "help";
        } else if (arg === "--release") {
            const id = value();
            if (id === undefined) {
                return { problem: `--release needs a release id, one of ${RELEASES.map((r) => r.id).join(", ")}` };
            }
            if (!RELEASES.some((r) => r.id === id)) {
                return { problem: `--release ${id}: not a release of the catalog (${RELEASES.map((r) => r.id).join(", ")})` };
            }
            only = id;
        } else if (arg === "--runs") {
            const n = Number(value());
            if (!Number.isInteger(n) || n < 1) {
                return { problem: "--runs takes a whole number from 1" };
            }
            runs = n;
        } else if (arg === "--skip-baseline") {
            skipBaseline = true;
        } else if (arg === "--skip-apply") {
            skipApply = true;
        } else {
            return { problem: `unknown argument ${arg} (npm run bench -- --help)` };
        }
    }
    return { only, runs, skipBaseline, skipApply };
}

function main(): void {
    const parsed = parseBenchArgs(process.argv.slice(2));
    if (parsed === "help") {
        console.log(BENCH_USAGE);
        return;
    }
    if ("problem" in parsed) {
        console.error(`bench: ${parsed.problem}`);
        process.exitCode = 2;
        return;
    }
    const { only, runs, skipBaseline, skipApply } = parsed;
    const releases = availableRenders().filter((r) => !only || r === only);
    if (releases.length === 0) {
        console.error(whereToGetRenders(upstreamDir, only));
        process.exitCode = 1;
        return;
    }
    console.log(`renders: ${upstreamDir}; program and floor ${runs} run(s) each, alternating; ranges are min-max\n`);
    console.log(
        "release   objects | program: resources  wall s      cpu s    peak MB | floor: wall s      cpu s    peak MB | program/floor wall, cpu | baseline: wall s  peak MB | baseline/program",
    );
    for (const release of releases) {
        const p: Figures[] = [];
        const f: Figures[] = [];
        for (let i = 0; i < runs; i++) {
            // Alternating, so that a change of load on the machine falls on both sides.
            p.push(measureInChild("program", release));
            f.push(measureInChild("floor", release));
        }
        const b = skipBaseline ? undefined : measureInChild("baseline", release);
        const ratios = p.map((x, i) => x.seconds / f[i].seconds);
        const cpuRatios = p.map((x, i) => x.cpuSeconds / f[i].cpuSeconds);
        const fastest = Math.min(...p.map((x) => x.seconds));
        const row = [
            release.padEnd(9),
            String(p[0].objects).padStart(7),
            "|",
            String(p[0].resources).padStart(18),
            column(p, "seconds", 11),
            column(p, "cpuSeconds", 10),
            column(p, "peakMb", 10),
            "|",
            column(f, "seconds", 13),
            column(f, "cpuSeconds", 10),
            column(f, "peakMb", 10),
            "|",
            `${range(ratios, 2)}x, ${range(cpuRatios, 2)}x`.padStart(23),
            "|",
            b ? b.seconds.toFixed(2).padStart(16) : "-".padStart(16),
            b ? b.peakMb.toFixed(0).padStart(8) : "-".padStart(8),
            "|",
            b ? `${(b.seconds / fastest).toFixed(1)}x` : "-",
        ];
        console.log(row.join(" "));
    }
    console.log(
        "\nwall s: from spawn to exit of a fresh process (Node, tsx, the modules, the evaluation); cpu s: its user + system time; peak MB: its maximum resident set.",
    );
    console.log("program: the whole program as `pulumi up` evaluates it, under the recording runtime.");
    console.log("floor: the SDKs loaded, the render parsed with js-yaml, handed over as one string in one ConfigGroup.");
    console.log("baseline: one resource per object with nested inputs (yaml v1 style), same runtime.");
    if (!skipApply) {
        printApply(only ?? (releases.includes("26.03") ? "26.03" : releases[0]));
    }
}

/** What to do when there is nothing to measure: the commands that make the renders. */
export function whereToGetRenders(dir: string, only?: string): string {
    const wanted = RELEASES.filter((r) => !only || r.id === only);
    const lines = [
        `${only ? `no render of ${only}` : "no renders"} in ${dir}: nothing to measure.`,
        `The bench reads kubeflow-<release>.yaml files from that directory (set KUBEFLOW_UPSTREAM_DIR to use another one).`,
    ];
    if (wanted.length === 0) {
        lines.push(`${only ?? ""} is not a release of the catalog: ${RELEASES.map((r) => r.id).join(", ")}`);
        return lines.join("\n");
    }
    lines.push(
        `Render ${only ? "it" : "each release"} at its pinned commit with kustomize v5, as a deploy does:`,
        "",
        `  mkdir -p ${dir}`,
        `  git clone ${MANIFESTS_REPOSITORY} kubeflow-manifests && cd kubeflow-manifests`,
    );
    for (const r of wanted) {
        lines.push(`  git checkout --quiet ${r.commit} && kustomize build ${KUSTOMIZATION_PATH} > ${path.join(dir, `kubeflow-${r.id}.yaml`)}`);
    }
    return lines.join("\n");
}

// Imported by the tests, nothing runs.
if (require.main === module) {
    if (process.argv[2] === "--child") {
        const mode = MODES.find((m) => m === process.argv[3]);
        if (!mode) {
            throw new Error(`--child takes one of ${MODES.join(", ")}`);
        }
        child(mode, process.argv[4]).catch((err: unknown) => {
            console.error(err);
            process.exit(1);
        });
    } else {
        main();
    }
}
