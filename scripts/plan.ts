/**
 * `npm run plan`: what `pulumi up` would create on a stack, without cloud credentials.
 * Evaluates the whole program under the test suites' Pulumi mocks with the stack's
 * configuration (Pulumi.yaml defaults, Pulumi.<stack>.yaml, then --config overrides),
 * prints the resources grouped by component and the Kubernetes objects inside each
 * yaml/v2 ConfigGroup, writes the plan as deterministic JSON, and diffs it against an
 * earlier plan.
 *
 *   npm run plan -- --stack dev [--config ns:key[.path]=value ...] [--json FILE] [--against FILE]
 *
 * The release is loaded as a deploy would load it: a rendered file (`manifests`) is read
 * as is and needs no network; a kustomization (a local directory, or the pinned commit
 * fetched into the same cache a deploy uses) is rendered with `kustomize build` or
 * `kubectl kustomize` from PATH, since the mocks cannot run the provider's kustomize.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RenderedRelease } from "../components/release-source";
import type { Config } from "../config";
import { findRelease } from "../manifests/catalog";
import { parseManifests } from "../manifests/parse";
import { checkRenderedRelease, fetchRelease, localSource, readRendered } from "../manifests/source";
import type { KubeObject } from "../manifests/types";
import { Override, Plan, SECRET, applyOverrides, buildPlan, canonicalJson, diffPlans, formatDiff, formatPlan, parseOverride } from "./plan-core";

export * from "./plan-core";

const PROJECT = "kubeflow-azure";

export interface PlanOptions {
    readonly stack: string;
    readonly overrides?: readonly Override[];
    /** Renders a kustomization directory; default: kustomize or kubectl from PATH. */
    readonly render?: (directory: string) => KubeObject[];
}

export interface Evaluation {
    readonly plan: Plan;
    /** Where the release came from (a path or the pinned commit), for messages only. */
    readonly origin: string;
}

/** A problem the user fixes (configuration, missing tool): printed without a stack trace. */
export class PlanError extends Error {}

/**
 * Installs the mocks (once per process), then evaluates the program on the stack's
 * configuration and records the plan. Program modules load only after the mocks are set.
 */
export async function evaluatePlan(options: PlanOptions): Promise<Evaluation> {
    const { installMocks, promiseOf } = await import("../test/mocks");
    const mocks = await installMocks({ stack: options.stack });
    const { resolveConfig, ConfigError } = await import("../config");
    const { CONTEXT, stackConfig } = await import("../test/stack-files");
    const { deploy } = await import("../program");
    const pulumi = await import("@pulumi/pulumi");

    if (!fs.existsSync(path.join(__dirname, "..", `Pulumi.${options.stack}.yaml`))) {
        throw new PlanError(`no Pulumi.${options.stack}.yaml in the project: stacks with a committed file are ${committedStacks().join(", ")}`);
    }
    let cfg: Config;
    try {
        cfg = resolveConfig(applyOverrides(stackConfig(options.stack), options.overrides ?? []), options.stack, CONTEXT);
    } catch (err) {
        throw err instanceof ConfigError ? new PlanError(err.message) : err;
    }
    const rendered = loadPlanRelease(cfg, options.render ?? renderWithCli);

    mocks.reset();
    const deployment = deploy(cfg, rendered);
    const outputs: Record<string, unknown> = {};
    await Promise.all(Object.entries(deployment.outputs).map(async ([name, o]) => {
        const output = o as import("@pulumi/pulumi").Output<unknown>;
        const value = await promiseOf(output);
        outputs[name] = (await pulumi.isSecret(output)) ? SECRET : value;
    }));
    await mocks.settle();
    const plan = buildPlan(mocks.resources, {
        project: pulumi.getProject(),
        stack: options.stack,
        releaseId: rendered.release.id,
        renderedObjects: rendered.objects.length,
        outputs,
        warnings: cfg.warnings,
    });
    return { plan, origin: rendered.origin };
}

/** loadRelease's choices, with the kustomize render done by a CLI instead of a provider invoke. */
function loadPlanRelease(cfg: Config, render: (directory: string) => KubeObject[]): RenderedRelease {
    const release = findRelease(cfg.kubeflowRelease);
    if (!release) {
        throw new PlanError(`unknown Kubeflow release ${cfg.kubeflowRelease}`);
    }
    const source = cfg.manifests ? localSource(cfg.manifests) : fetchRelease(release);
    const [objects, origin] = source.kind === "rendered" ? [readRendered(source.file), source.file] : [render(source.directory), source.origin];
    try {
        checkRenderedRelease(objects, release, origin);
    } catch (err) {
        throw new PlanError(err instanceof Error ? err.message : String(err));
    }
    return { release, objects, origin };
}

/** `kustomize build` or `kubectl kustomize`, with the provider's load restrictions (none). */
export function renderWithCli(directory: string): KubeObject[] {
    const candidates: [string, string[]][] = [
        ["kustomize", ["build", "--load-restrictor", "LoadRestrictionsNone", directory]],
        ["kubectl", ["kustomize", "--load-restrictor", "LoadRestrictionsNone", directory]],
    ];
    const found = candidates.find(([tool]) => onPath(tool));
    if (!found) {
        throw new PlanError(
            `${directory} is a kustomization, and rendering it offline needs kustomize or kubectl on PATH (the Pulumi provider's kustomize does not run under mocks). ` +
            `Install one, or render it once and pass the file: --config ${PROJECT}:manifests=<rendered file>`,
        );
    }
    const [tool, args] = found;
    let text: string;
    try {
        text = execFileSync(tool, args, { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? String(err);
        throw new PlanError(`${tool} ${args.join(" ")} failed: ${stderr.trim().split("\n").slice(0, 5).join("\n")}\nOr pass a rendered file: --config ${PROJECT}:manifests=<rendered file>`);
    }
    return parseManifests(text, `${tool} render of ${directory}`);
}

function onPath(tool: string): boolean {
    return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir !== "" && isExecutable(path.join(dir, tool)));
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function committedStacks(): string[] {
    return fs.readdirSync(path.join(__dirname, "..")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}

export interface CliArgs {
    readonly stack: string;
    readonly overrides: Override[];
    readonly json?: string;
    readonly against?: string;
}

function override(text: string): Override {
    try {
        return parseOverride(text, PROJECT);
    } catch (err) {
        throw new PlanError(err instanceof Error ? err.message : String(err));
    }
}

export function parseArgs(argv: readonly string[]): CliArgs {
    let stack: string | undefined;
    let json: string | undefined;
    let against: string | undefined;
    const overrides: Override[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") && !arg.startsWith("--config=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
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
            default:
                if (arg.startsWith("--config=")) {
                    overrides.push(override(arg.slice("--config=".length)));
                    break;
                }
                throw new PlanError(`unknown argument ${arg}\nusage: npm run plan -- --stack STACK [--config ns:key[.path]=value ...] [--json FILE] [--against FILE]`);
        }
    }
    if (!stack) {
        throw new PlanError("--stack is required, e.g. npm run plan -- --stack dev");
    }
    return { stack, overrides, json, against };
}

async function main(argv: readonly string[]): Promise<void> {
    const args = parseArgs(argv);
    let previous: Plan | undefined;
    if (args.against) {
        try {
            previous = JSON.parse(fs.readFileSync(args.against, "utf8")) as Plan;
        } catch (err) {
            throw new PlanError(`--against ${args.against}: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    const { plan, origin } = await evaluatePlan({ stack: args.stack, overrides: args.overrides });
    if (previous && args.against) {
        // Like `pulumi preview --diff`: only what changes, not the whole plan again.
        let diff: ReturnType<typeof diffPlans>;
        try {
            diff = diffPlans(previous, plan);
        } catch (err) {
            throw new PlanError(`--against ${args.against}: ${err instanceof Error ? err.message : String(err)}`);
        }
        console.log(formatDiff(diff, args.against));
    } else {
        console.log(formatPlan(plan, origin));
    }
    if (args.json) {
        fs.writeFileSync(args.json, canonicalJson(plan));
        console.log(`\nPlan written to ${args.json}`);
    }
}

/**
 * Errors the user can act on print their message alone: the program's own checks throw
 * plain Errors (and ConfigError, PlanError) whose message says what to fix. A TypeError
 * or ReferenceError is a bug in this program and keeps its stack.
 */
export function userFacing(err: unknown): string | undefined {
    if (!(err instanceof Error)) {
        return undefined;
    }
    return err instanceof PlanError || err.name === "ConfigError" || Object.getPrototypeOf(err) === Error.prototype ? err.message : undefined;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        // The mocked runtime can keep handles open; the plan is done.
        () => process.exit(0),
        (err: unknown) => {
            console.error(userFacing(err) ?? err);
            process.exit(1);
        },
    );
}
