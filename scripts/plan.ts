/**
 * `npm run plan`: what `pulumi up` would create on a stack, without cloud credentials.
 * Evaluates the whole program under the recording runtime (tools/) with the stack's
 * configuration (Pulumi.yaml defaults, Pulumi.<stack>.yaml, then --config overrides),
 * prints the resources grouped by component and the Kubernetes objects inside each
 * yaml/v2 ConfigGroup, writes the plan as deterministic JSON, and diffs it against an
 * earlier plan.
 *
 *   npm run plan -- --stack dev [--config ns:key[.path]=value ...] [--json FILE] [--against FILE [--summary]] [--graph]
 *
 * The release is loaded by the deploy's own loadRelease: a rendered file (`manifests`) is
 * read as is and needs no network; a kustomization (a local directory, or the pinned
 * commit fetched into the same cache a deploy uses) is rendered with `kustomize build` or
 * `kubectl kustomize` from PATH, since the recording runtime cannot run the provider's
 * kustomize.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { inspect } from "node:util";
import type { Config } from "../config";
import type { KubeObject } from "../manifests/types";
import { UserError as PlanError, userFacing } from "../tools/errors";
import { renderWithCli } from "../tools/kustomize-cli";
import { diffPlans } from "./plan-diff";
import { formatDiff, formatPlan } from "./plan-format";
import { SECRET, canonicalJson } from "./plan-json";
import { planGraph } from "./plan-graph";
import { Plan, buildPlan } from "./plan-model";
import { Override, applyOverrides, parseOverride } from "./plan-overrides";

export { Change, ModifiedResource, ObjectChanges, PlanDiff, ResourceRef, diffPlans } from "./plan-diff";
export { aroundFirstDifference, formatChange, formatDiff, formatPlan } from "./plan-format";
export { Json, SECRET, UNKNOWN, canonicalJson } from "./plan-json";
export { ComponentGroup, ConfigGroupSummary, PLAN_FORMAT, Plan, PlanMeta, PlanResource, buildPlan, groupPlan, keyObjects } from "./plan-model";
export { Override, applyOverrides, parseOverride } from "./plan-overrides";
export { renderWithCli } from "../tools/kustomize-cli";
export { UserError as PlanError, userFacing } from "../tools/errors";

const PROJECT = "kubeflow-azure";

export const PLAN_USAGE = [
    "usage: npm run plan -- --stack STACK [--config ns:key[.path]=value ...] [--json FILE] [--against FILE [--summary]] [--graph]",
    "  --stack STACK        the stack whose configuration is planned (Pulumi.yaml defaults, then Pulumi.<stack>.yaml)",
    "  --config k=v         a value over the stack file's, as `pulumi config set [--path]` would set it (repeatable)",
    "  --json FILE          also write the plan as deterministic JSON (what --against reads)",
    "  --against FILE       print only what changed since that plan, like `pulumi preview --diff`",
    "  --summary            with --against: one line per resource, a group's objects as counts",
    "  --graph              a Mermaid flowchart of what `pulumi up` creates and in which order",
].join("\n");

export interface PlanOptions {
    readonly stack: string;
    readonly overrides?: readonly Override[];
    /** Renders a kustomization directory; default: kustomize or kubectl from PATH. */
    readonly render?: (directory: string) => KubeObject[];
    /**
     * The release the stack runs before this plan (what `pulumi up` reads from the stack's
     * last outputs): with --against, the older plan's release, so that the plan shows the
     * upgrade's one-time steps (the artifacts' copy).
     */
    readonly deployedRelease?: string;
}

export interface Evaluation {
    readonly plan: Plan;
    /** Where the release came from (a path or the pinned commit), for messages only. */
    readonly origin: string;
}

/**
 * Installs the recording runtime (once per process), then evaluates the program on the
 * stack's configuration and records the plan. Program modules load only after the
 * runtime is set.
 */
export async function evaluatePlan(options: PlanOptions): Promise<Evaluation> {
    const { installRecordingRuntime, promiseOf } = await import("../tools/recording-runtime");
    const mocks = await installRecordingRuntime({ stack: options.stack });
    const { resolveConfig, ConfigError } = await import("../config");
    const { CONTEXT, StackFileError, stackConfig } = await import("../tools/stack-files");
    const { loadRelease } = await import("../components/release-source");
    const { deploy } = await import("../program");
    const pulumi = await import("@pulumi/pulumi");

    if (!fs.existsSync(path.join(__dirname, "..", `Pulumi.${options.stack}.yaml`))) {
        throw new PlanError(`no Pulumi.${options.stack}.yaml in the project: stacks with a committed file are ${committedStacks().join(", ")}`);
    }
    let cfg: Config;
    try {
        cfg = resolveConfig(applyOverrides(stackConfig(options.stack), options.overrides ?? []), options.stack, CONTEXT);
    } catch (err) {
        throw err instanceof ConfigError || err instanceof StackFileError ? new PlanError(err.message) : err;
    }
    const warnings = [...cfg.warnings];
    const rendered = await loadRelease(cfg, { render: options.render ?? renderWithCli, warn: (w) => warnings.push(w) });

    mocks.reset();
    const deployment = deploy(cfg, rendered, { deployedRelease: options.deployedRelease });
    const outputs: Record<string, unknown> = {};
    await Promise.all(
        Object.entries(deployment.outputs).map(async ([name, o]) => {
            const output = o as import("@pulumi/pulumi").Output<unknown>;
            const value = await promiseOf(output);
            outputs[name] = (await pulumi.isSecret(output)) ? SECRET : value;
        }),
    );
    await mocks.settle();
    const plan = buildPlan(mocks.resources, {
        project: pulumi.getProject(),
        stack: options.stack,
        releaseId: rendered.release.id,
        renderedObjects: rendered.objects.length,
        outputs,
        warnings,
    });
    return { plan, origin: rendered.origin };
}

function committedStacks(): string[] {
    return fs
        .readdirSync(path.join(__dirname, ".."))
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export interface CliArgs {
    readonly stack: string;
    readonly overrides: Override[];
    readonly json?: string;
    readonly against?: string;
    /** With --against: one line per resource, objects as counts. */
    readonly summary: boolean;
    /** The Mermaid flowchart of what `pulumi up` creates, in order, instead of the listing. */
    readonly graph: boolean;
    /** --help: the usage, and nothing evaluated. */
    readonly help?: boolean;
}

function override(text: string): Override {
    try {
        return parseOverride(text, PROJECT);
    } catch (err) {
        throw new PlanError(err instanceof Error ? err.message : String(err));
    }
}

export function parseArgs(argv: readonly string[]): CliArgs {
    if (argv.includes("--help") || argv.includes("-h")) {
        return { stack: "", overrides: [], summary: false, graph: false, help: true };
    }
    let stack: string | undefined;
    let json: string | undefined;
    let against: string | undefined;
    let summary = false;
    let graph = false;
    const overrides: Override[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] =
            arg.startsWith("--") && arg.includes("=") && !arg.startsWith("--config=")
                ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
                : [arg, undefined];
        const value = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined) {
                throw new PlanError(`${flag} needs a value`);
            }
            return v;
        };
        switch (flag) {
            case "--stack":
            case "-s":
                stack = value();
                break;
            case "--config":
            case "-c":
                overrides.push(override(value()));
                break;
            case "--json":
                json = value();
                break;
            case "--against":
                against = value();
                break;
            case "--summary":
                summary = true;
                break;
            case "--graph":
                graph = true;
                break;

            default:
                if (arg.startsWith("--config=")) {
                    overrides.push(override(arg.slice("--config=".length)));
                    break;
                }
                throw new PlanError(`unknown argument ${arg}\n${PLAN_USAGE}`);
        }
    }
    if (!stack) {
        throw new PlanError("--stack is required, e.g. npm run plan -- --stack dev");
    }
    if (summary && !against) {
        throw new PlanError("--summary shortens the diff: give it with --against FILE");
    }
    return { stack, overrides, json, against, summary, graph };
}

/** Where the command writes: the console, or a test's buffers. */
export interface CliOutput {
    out(text: string): void;
    err(text: string): void;
}

/**
 * `npm run plan` without the process around it: prints the plan or the diff, and a
 * known error's message alone (a bug with its stack); returns the exit code.
 */
export async function cli(argv: readonly string[], output: CliOutput): Promise<number> {
    try {
        await main(argv, output);
        return 0;
    } catch (err) {
        output.err(userFacing(err) ?? inspect(err));
        return 1;
    }
}

async function main(argv: readonly string[], output: CliOutput): Promise<void> {
    const args = parseArgs(argv);
    if (args.help) {
        output.out(PLAN_USAGE);
        return;
    }
    let previous: Plan | undefined;
    if (args.against) {
        try {
            previous = JSON.parse(fs.readFileSync(args.against, "utf8")) as Plan;
        } catch (err) {
            throw new PlanError(`--against ${args.against}: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    const { plan, origin } = await evaluatePlan({ stack: args.stack, overrides: args.overrides, deployedRelease: previous?.release.id });
    if (previous && args.against) {
        // Like `pulumi preview --diff`: only what changes, not the whole plan again.
        let diff: ReturnType<typeof diffPlans>;
        try {
            diff = diffPlans(previous, plan);
        } catch (err) {
            throw new PlanError(`--against ${args.against}: ${err instanceof Error ? err.message : String(err)}`);
        }
        output.out(formatDiff(diff, args.against, { summary: args.summary }));
    } else if (args.graph) {
        output.out(planGraph(plan));
    } else {
        output.out(formatPlan(plan, origin));
    }
    if (args.json) {
        fs.writeFileSync(args.json, canonicalJson(plan));
        output.out(`\nPlan written to ${args.json}`);
    }
}

if (require.main === module) {
    // The mocked runtime can keep handles open; the plan is done either way.
    void cli(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) }).then((code) => process.exit(code));
}
