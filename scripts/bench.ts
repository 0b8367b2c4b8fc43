/**
 * `npm run bench`: for each render in ../shared/upstream (or KUBEFLOW_UPSTREAM_DIR), the
 * whole program's evaluation under Pulumi mocks (wall time, peak RSS) against a naive
 * baseline that registers one resource per object with nested inputs. Each measurement
 * runs in a fresh process so peak RSS belongs to it alone. Prints figures; asserts nothing.
 *
 *   npm run bench [-- --release 26.03] [-- --skip-baseline]
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { KUSTOMIZATION_PATH, MANIFESTS_REPOSITORY, RELEASES } from "../manifests/catalog";
import { availableRenders, upstreamDir } from "../test/upstream";

type Mode = "program" | "baseline";

interface Figures { objects: number; resources: number; seconds: number; peakMb: number }

function measureInChild(mode: Mode, release: string): Figures {
    const result = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", mode, release], {
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, PULUMI_CONFIG: process.env.PULUMI_CONFIG ?? "" },
    });
    if (result.status !== 0) {
        throw new Error(`${mode} ${release} failed:\n${result.stderr}`);
    }
    return JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as Figures;
}

async function child(mode: Mode, release: string): Promise<void> {
    const { installMocks } = await import("../test/mocks");
    const mocks = await installMocks({ stack: "bench" });
    const { findRelease } = await import("../manifests/catalog");
    const { loadRender } = await import("../test/upstream");
    const objects = loadRender(release);
    const rel = findRelease(release);
    if (!rel) {
        throw new Error(`unknown release ${release}`);
    }
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const start = process.hrtime.bigint();
    if (mode === "program") {
        const { resolveConfig } = await import("../config");
        const { deploy } = await import("../program");
        const { CONTEXT, stackConfig } = await import("../test/stack-files");
        const cfg = resolveConfig(stackConfig("dev", { "kubeflow-azure:kubeflowRelease": release, "kubeflow-azure:kubernetesVersion": rel.kubernetes.max }), "dev", CONTEXT);
        deploy(cfg, { release: rel, objects, origin: release });
    } else {
        const k8s = await import("@pulumi/kubernetes");
        const provider = new k8s.Provider("baseline", { kubeconfig: "baseline" });
        objects.forEach((o, i) => {
            const { apiVersion, kind, ...rest } = o;
            new k8s.apiextensions.CustomResource(`o${i}-${o.metadata.name}`, { apiVersion, kind, ...rest }, { provider });
        });
    }
    await mocks.settle();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(JSON.stringify({ objects: objects.length, resources: mocks.resources.length, seconds, peakMb: peak / 2 ** 20 }));
}

function main(): void {
    const args = process.argv.slice(2);
    const only = args.includes("--release") ? args[args.indexOf("--release") + 1] : undefined;
    const skipBaseline = args.includes("--skip-baseline");
    const releases = availableRenders().filter((r) => !only || r === only);
    if (releases.length === 0) {
        console.error(whereToGetRenders(upstreamDir, only));
        process.exitCode = 1;
        return;
    }
    console.log(`renders: ${upstreamDir}\n`);
    console.log("release   objects | program: resources  wall s  peak MB | baseline: resources  wall s  peak MB | speed-up");
    for (const release of releases) {
        const p = measureInChild("program", release);
        const b = skipBaseline ? undefined : measureInChild("baseline", release);
        const row = [
            release.padEnd(9), String(p.objects).padStart(7), "|",
            String(p.resources).padStart(18), p.seconds.toFixed(2).padStart(7), p.peakMb.toFixed(0).padStart(8), "|",
            b ? String(b.resources).padStart(19) : "-".padStart(19), b ? b.seconds.toFixed(2).padStart(7) : "-".padStart(7), b ? b.peakMb.toFixed(0).padStart(8) : "-".padStart(8), "|",
            b ? `${(b.seconds / p.seconds).toFixed(1)}x` : "-",
        ];
        console.log(row.join(" "));
    }
    console.log("\nprogram: the whole program (Azure half + Kubeflow half) as `pulumi up` evaluates it, under mocks.");
    console.log("baseline: one resource per object with nested inputs (yaml v1 style), same mocks.");
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
    lines.push(`Render ${only ? "it" : "each release"} at its pinned commit with kustomize v5, as a deploy does:`, "", `  mkdir -p ${dir}`, `  git clone ${MANIFESTS_REPOSITORY} kubeflow-manifests && cd kubeflow-manifests`);
    for (const r of wanted) {
        lines.push(`  git checkout --quiet ${r.commit} && kustomize build ${KUSTOMIZATION_PATH} > ${path.join(dir, `kubeflow-${r.id}.yaml`)}`);
    }
    return lines.join("\n");
}

// Imported by the tests, nothing runs.
if (require.main === module) {
    if (process.argv[2] === "--child") {
        child(process.argv[3] as Mode, process.argv[4]).catch((err: unknown) => {
            console.error(err);
            process.exit(1);
        });
    } else {
        main();
    }
}

