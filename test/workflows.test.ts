/**
 * The GitHub Actions workflows, read as GitHub would read them: triggers, jobs,
 * permissions, the stacks they deploy, and the hygiene rules (pinned actions, no secret
 * in the files, no write-all token).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";

const root = path.resolve(__dirname, "..");
const workflowDir = path.join(root, ".github", "workflows");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    "working-directory"?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}

interface Job {
    if?: string;
    "runs-on"?: string;
    needs?: string | string[];
    environment?: string | { name: string; url?: string };
    permissions?: string | Record<string, string>;
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean | string };
    strategy?: { matrix?: { stack?: string[]; include?: Record<string, string>[] } };
    env?: Record<string, string>;
    steps?: Step[];
    uses?: string;
}

interface Workflow {
    name: string;
    // js-yaml reads the key `on` as the string "on" (YAML 1.2 core schema, not a boolean).
    on: Record<string, unknown>;
    permissions?: string | Record<string, string>;
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean | string };
    jobs: Record<string, Job>;
}

function read(file: string): { text: string; workflow: Workflow } {
    const text = fs.readFileSync(path.join(workflowDir, file), "utf8");
    return { text, workflow: yaml.load(text) as Workflow };
}

const files = fs
    .readdirSync(workflowDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const workflows = new Map(files.map((f) => [f, read(f)]));

function workflowOn(event: string): { file: string; text: string; workflow: Workflow } {
    const found = [...workflows.entries()].filter(([, { workflow }]) => event in workflow.on);
    assert.equal(found.length, 1, `exactly one workflow should run on ${event}, found ${found.length}`);
    const [file, { text, workflow }] = found[0];
    return { file, text, workflow };
}

const prFile = workflowOn("pull_request");
const pr = prFile.workflow;
const deployFile = workflowOn("push");
const deploy = deployFile.workflow;

/** Stacks with a Pulumi.<stack>.yaml in the project. */
const stackFiles = fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

const steps = (job: Job): Step[] => job.steps ?? [];
const usesOf = (job: Job, action: string): Step[] => steps(job).filter((s) => s.uses?.split("@")[0] === action);
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));
const permissionsOf = (job: Job): Record<string, string> => {
    assert.ok(typeof job.permissions === "object", "job declares its permissions as a map");
    return job.permissions;
};
/** The stacks of a matrix, listed as `stack: [...]` or as `include` entries. */
const matrixStacks = (job: Job): string[] =>
    [...(job.strategy?.matrix?.stack ?? []), ...(job.strategy?.matrix?.include ?? []).map((e) => e.stack)].filter((x): x is string => x !== undefined).sort();
const allJobs = (): [string, string, Job][] =>
    [...workflows.entries()].flatMap(([file, { workflow }]) => Object.entries(workflow.jobs).map(([id, job]): [string, string, Job] => [file, id, job]));

/** True when a job logs in to Azure or runs Pulumi against a real backend. */
const needsCloud = (job: Job): boolean => usesOf(job, "azure/login").length + usesOf(job, "pulumi/actions").length > 0;

/** The deploy jobs running `pulumi up`, with their stack. */
const upJobs = (): [string, Job, string][] =>
    Object.entries(deploy.jobs)
        .map(([id, job]): [string, Job, Step | undefined] => [id, job, usesOf(job, "pulumi/actions")[0]])
        .filter(([, , step]) => step?.with?.command === "up")
        .map(([id, job, step]) => [id, job, String(step!.with!["stack-name"])]);

/**
 * GitHub's path filter patterns, the part the workflows use: `**` matches any characters,
 * `*` any but `/` (docs.github.com, "Workflow syntax: filter pattern cheat sheet").
 */
function globMatch(pattern: string, file: string): boolean {
    if (/[?+[\]!]/.test(pattern)) {
        throw new Error(`globMatch: ${pattern} uses a pattern character this check does not implement`);
    }
    const re = pattern
        .split("**")
        .map((part) =>
            part
                .split("*")
                .map((lit) => lit.replace(/[.^${}()|\\]/g, "\\$&"))
                .join("[^/]*"),
        )
        .join(".*");
    return new RegExp(`^${re}$`).test(file);
}

/** The project's files, relative and with `/`, without dependencies and VCS data. */
function projectFiles(dir = root): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        if (["node_modules", ".git", ".cache", "bin"].includes(entry.name)) {
            return [];
        }
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? projectFiles(full) : [path.relative(root, full).split(path.sep).join("/")];
    });
}

// Checks reused by the tests below, each proven against a bad example in the last suite.
const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/;
function unpinned(uses: string): boolean {
    return !uses.startsWith("./") && !uses.startsWith("docker://") && !PINNED.test(uses);
}

const SECRET_SHAPES: [string, RegExp][] = [
    ["GUID (client, tenant or subscription id, or an old-style secret)", /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i],
    ["Entra client secret", /[A-Za-z0-9_.~-]{3}[0-9]Q~[A-Za-z0-9_.~-]{31,34}/],
    ["GitHub token", /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}/],
    ["Pulumi access token", /\bpul-[0-9a-f]{30,}/],
    ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["inline client secret variable", /(ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|client-secret)\s*:/i],
];
function secretShapes(text: string): string[] {
    return SECRET_SHAPES.filter(([, re]) => re.test(text)).map(([what]) => what);
}

describe("workflow files", () => {
    it("parse as YAML with a name, triggers and jobs", () => {
        assert.ok(files.length >= 2, `expected the PR and deploy workflows in ${workflowDir}`);
        for (const [file, { workflow }] of workflows) {
            assert.equal(typeof workflow.name, "string", `${file}: name`);
            assert.ok(workflow.on && typeof workflow.on === "object", `${file}: on`);
            assert.ok(Object.keys(workflow.jobs ?? {}).length > 0, `${file}: jobs`);
            for (const [id, job] of Object.entries(workflow.jobs)) {
                for (const need of needsOf(job)) {
                    assert.ok(need in workflow.jobs, `${file}: job ${id} needs unknown job ${need}`);
                }
            }
        }
    });

    it("trigger on pull requests to main and on pushes to main only", () => {
        assert.deepEqual(Object.keys(pr.on), ["pull_request"]);
        assert.deepEqual((pr.on.pull_request as { branches: string[] }).branches, ["main"]);
        // pull_request_target would hand a fork's code a write token and the secrets.
        for (const [file, { workflow }] of workflows) {
            assert.ok(!("pull_request_target" in workflow.on), `${file} must not use pull_request_target`);
        }
        assert.deepEqual(Object.keys(deploy.on), ["push"]);
        assert.deepEqual((deploy.on.push as { branches: string[] }).branches, ["main"]);
    });

    it("pin every action to a version tag or a commit SHA", () => {
        const seen: string[] = [];
        for (const [file, id, job] of allJobs()) {
            for (const uses of [job.uses, ...steps(job).map((s) => s.uses)].filter((u): u is string => u !== undefined)) {
                seen.push(uses);
                assert.ok(!unpinned(uses), `${file} job ${id}: ${uses} is not pinned to vN[.N[.N]] or a 40-hex SHA`);
            }
        }
        assert.ok(seen.length > 10, "the workflows use actions");
    });

    it("contain no credential: no id, secret or token literal, only vars/secrets expressions", () => {
        for (const [file, { text }] of workflows) {
            assert.deepEqual(secretShapes(text), [], `${file} contains something shaped like a credential`);
        }
    });
});

describe("permissions", () => {
    it("are read-only at the top of each workflow and never write-all/read-all", () => {
        for (const [file, { text, workflow }] of workflows) {
            assert.deepEqual(workflow.permissions, { contents: "read" }, `${file}: top-level permissions`);
            assert.doesNotMatch(text, /write-all|read-all/, `${file}: blanket permissions`);
        }
    });

    it("grant id-token: write exactly to the jobs that log in to Azure", () => {
        let cloudJobs = 0;
        for (const [file, id, job] of allJobs()) {
            const idToken = typeof job.permissions === "object" ? job.permissions["id-token"] : undefined;
            if (needsCloud(job)) {
                cloudJobs++;
                assert.equal(idToken, "write", `${file} job ${id} logs in to Azure without id-token: write`);
                assert.equal(usesOf(job, "azure/login").length, 1, `${file} job ${id}: one azure/login`);
            } else {
                assert.notEqual(idToken, "write", `${file} job ${id} does not log in to Azure and needs no OIDC token`);
            }
        }
        assert.equal(cloudJobs, 3, "preview (matrix), dev and prod log in to Azure");
    });

    it("let only the commenting jobs write to pull requests", () => {
        for (const [file, id, job] of allJobs()) {
            const perms = typeof job.permissions === "object" ? job.permissions : {};
            for (const [scope, level] of Object.entries(perms)) {
                if (level !== "write") {
                    continue;
                }
                assert.ok(
                    (scope === "id-token" && needsCloud(job)) || (scope === "pull-requests" && file === prFile.file),
                    `${file} job ${id}: unexpected ${scope}: write`,
                );
            }
        }
        assert.equal(permissionsOf(pr.jobs.preview)["pull-requests"], "write");
        assert.equal(permissionsOf(pr.jobs.plan)["pull-requests"], "write");
        assert.equal(pr.jobs.test.permissions, undefined, "the test job keeps the read-only default");
    });
});

describe("Azure login through OIDC federation", () => {
    it("takes the identity from repository variables and the Pulumi token from secrets", () => {
        for (const [file, id, job] of allJobs().filter(([, , j]) => needsCloud(j))) {
            const env = job.env ?? {};
            assert.equal(env.ARM_USE_OIDC, "true", `${file} job ${id}: ARM_USE_OIDC`);
            for (const name of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) {
                assert.match(
                    env[name] ?? "",
                    /^\$\{\{ (vars|secrets)\.AZURE_[A-Z_]+( \|\| (vars|secrets)\.AZURE_[A-Z_]+)? \}\}$/,
                    `${file} job ${id}: ${name}`,
                );
            }
            assert.match(env.PULUMI_ACCESS_TOKEN ?? "", /^\$\{\{ secrets\.PULUMI_[A-Z_]*ACCESS_TOKEN \}\}$/, `${file} job ${id}: PULUMI_ACCESS_TOKEN`);
            const login = usesOf(job, "azure/login")[0];
            assert.deepEqual(
                Object.keys(login.with ?? {}).sort(),
                ["client-id", "subscription-id", "tenant-id"],
                `${file} job ${id}: azure/login inputs (no creds JSON)`,
            );
            assert.equal(login.with?.["client-id"], env.ARM_CLIENT_ID, `${file} job ${id}: az and the providers use the same identity`);
        }
    });
});

describe("pull request workflow", () => {
    it("runs npm ci and npm test with the npm cache", () => {
        const test = pr.jobs.test;
        assert.equal(usesOf(test, "actions/checkout").length, 1);
        const node = usesOf(test, "actions/setup-node")[0];
        assert.equal(node?.with?.cache, "npm");
        const runs = steps(test)
            .map((s) => s.run?.trim())
            .filter(Boolean);
        assert.ok(
            runs.some((r) => /^npm ci\b/.test(r!)),
            "npm ci",
        );
        assert.ok(runs.includes("npm test"), "npm test");
        assert.ok(runs.findIndex((r) => /^npm ci\b/.test(r!)) < runs.indexOf("npm test"), "npm ci before npm test");
    });

    it("previews every stack that has a Pulumi.<stack>.yaml, commenting on the PR", () => {
        const preview = pr.jobs.preview;
        assert.deepEqual(matrixStacks(preview), stackFiles);
        const pulumi = usesOf(preview, "pulumi/actions");
        assert.equal(pulumi.length, 1);
        assert.equal(pulumi[0].with?.command, "preview");
        assert.equal(pulumi[0].with?.["stack-name"], "${{ matrix.stack }}");
        assert.equal(pulumi[0].with?.["comment-on-pr"], true);
        assert.ok(stackFiles.includes("dev") && stackFiles.includes("prod"), "the project has dev and prod stacks");
    });

    it("skips the cloud preview for forks, which get neither secrets nor a write token", () => {
        const condition = pr.jobs.preview.if ?? "";
        assert.match(condition, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
    });

    it("plans offline on the base and the head for every stack, without any credential", () => {
        const plan = pr.jobs.plan;
        assert.equal(plan.if, undefined, "the offline plan runs for forks too");
        assert.deepEqual(matrixStacks(plan), stackFiles);
        assert.ok(!needsCloud(plan), "no Azure login or Pulumi backend");
        assert.doesNotMatch(JSON.stringify(plan), /secrets\.|vars\.|id-token/, "no secret, variable or OIDC token");

        const checkouts = usesOf(plan, "actions/checkout");
        assert.equal(checkouts.length, 2, "base and head checkouts");
        assert.ok(checkouts.some((c) => c.with?.ref === "${{ github.event.pull_request.base.sha }}" && c.with?.path === "base"));
        assert.ok(checkouts.some((c) => c.with?.ref === undefined && c.with?.path === "head"));

        const runs = steps(plan).filter((s) => s.run);
        const base = runs.find((s) => s["working-directory"] === "base");
        const head = runs.find((s) => s["working-directory"] === "head");
        assert.match(base?.run ?? "", /npm run (--silent )?plan -- --stack "\$STACK" --json /);
        assert.match(head?.run ?? "", /npm run (--silent )?plan -- /);
        assert.match(head?.run ?? "", /--against /);
        assert.match(prFile.text, /pull_request_target/, "the choice against pull_request_target is documented in a comment");
    });

    it("posts the offline plan as a PR comment from same-repository PRs and to the job summary always", () => {
        const plan = pr.jobs.plan;
        const comment = usesOf(plan, "actions/github-script");
        assert.equal(comment.length, 1);
        assert.match(comment[0].if ?? "", /head\.repo\.full_name == github\.repository/, "forks have a read-only token");
        assert.match(String(comment[0].with?.script), /createComment/);
        assert.match(String(comment[0].with?.script), /updateComment/, "one comment per stack, edited on later pushes");
        assert.ok(
            steps(plan).some((s) => s.run?.includes("GITHUB_STEP_SUMMARY")),
            "the summary carries the diff for forks",
        );
    });

    it("caches the fetched Kubeflow releases keyed on the catalog", () => {
        for (const id of ["plan", "preview"]) {
            const cache = usesOf(pr.jobs[id], "actions/cache")[0];
            assert.equal(cache?.with?.path, "~/.cache/kubeflow-azure", id);
            assert.match(String(cache?.with?.key), /hashFiles\([^)]*manifests\/catalog\.ts/, id);
        }
    });
});

describe("deploy workflow", () => {
    it("runs pulumi up once for every stack", () => {
        assert.deepEqual(
            upJobs()
                .map(([, , stack]) => stack)
                .sort(),
            stackFiles,
        );
    });

    it("deploys dev after the tests and prod after dev, behind the production environment", () => {
        const byStack = new Map(upJobs().map(([id, job, stack]) => [stack, { id, job }]));
        const dev = byStack.get("dev")!;
        const prod = byStack.get("prod")!;
        assert.ok(needsOf(dev.job).includes("test"), "dev needs the tests");
        assert.ok(needsOf(prod.job).includes(dev.id), "prod needs dev");
        const environment = typeof prod.job.environment === "object" ? prod.job.environment.name : prod.job.environment;
        assert.equal(environment, "production");
        assert.equal(dev.job.environment, undefined, "dev deploys without approval");
    });

    it("deploys in push order: one run of the workflow at a time, from its first job, never cancelled", () => {
        // A group taken per job after the tests lets a later push whose tests finish first
        // deploy before an earlier one; only a workflow-level group keeps push order.
        const group = deploy.concurrency;
        assert.ok(typeof group === "object", "deploy.yml declares concurrency at the workflow level");
        assert.equal(group["cancel-in-progress"], false, "a running up is never cancelled midway");
        assert.doesNotMatch(
            group.group,
            /github\.(sha|run_id|run_number|run_attempt|event\.after)/,
            "the group is shared by every run on main, not one per run",
        );
        for (const [id, job, stack] of upJobs()) {
            if (typeof job.concurrency === "object") {
                assert.ok(job.concurrency.group.includes(stack), `${id}: a job-level group is named after ${stack}`);
                assert.equal(job.concurrency["cancel-in-progress"], false, `${id}: never cancelled`);
            }
        }
    });

    it("does not deploy a push that changes only documentation, and deploys any other change", () => {
        const push = deploy.on.push as { "paths-ignore"?: string[]; paths?: string[] };
        const ignored = push["paths-ignore"] ?? [];
        assert.equal(push.paths, undefined, "paths-ignore, not an allow-list that a new directory would escape");
        const isIgnored = (file: string): boolean => ignored.some((p) => globMatch(p, file));
        for (const doc of ["README.md", "examples/consumer/README.md", "policy/README.md"]) {
            assert.ok(isIgnored(doc), `${doc} alone does not deploy`);
        }
        const deployed = projectFiles()
            .filter(isIgnored)
            .filter((f) => !f.endsWith(".md"));
        assert.deepEqual(deployed, [], "only documentation is ignored");
        for (const code of ["index.ts", "Pulumi.prod.yaml", "manifests/catalog.ts", "policy/index.ts", "package-lock.json"]) {
            assert.ok(!isIgnored(code), `${code} deploys`);
        }
    });

    it("checks the live deployment with npm run verify after each up", () => {
        for (const [id, job, stack] of upJobs()) {
            const all = steps(job);
            const up = all.findIndex((s) => s.uses?.split("@")[0] === "pulumi/actions");
            const verify = all.findIndex((s) => s.run?.trim() === `npm run verify -- --stack ${stack}`);
            assert.ok(verify > up, `${id}: npm run verify -- --stack ${stack} after the up`);
        }
    });
});

describe("the policy pack", () => {
    it("runs in every step that previews or changes a stack, with its dependencies installed first", () => {
        assert.ok(fs.existsSync(path.join(root, "policy", "PulumiPolicy.yaml")), "policy/ is a policy pack");
        let pulumiSteps = 0;
        for (const [file, id, job] of allJobs()) {
            const all = steps(job);
            all.forEach((step, i) => {
                if (step.uses?.split("@")[0] !== "pulumi/actions") {
                    return;
                }
                pulumiSteps++;
                // pulumi/actions v7.0.0 action.yml: `policyPacks`, passed as --policy-pack.
                assert.equal(step.with?.policyPacks, "policy", `${file} job ${id}: policyPacks`);
                const install = all.findIndex((s) => /^npm ci --prefix policy\b/.test(s.run?.trim() ?? ""));
                assert.ok(install >= 0 && install < i, `${file} job ${id}: npm ci --prefix policy before pulumi/actions`);
            });
        }
        assert.equal(pulumiSteps, 3, "the PR preview and the dev and prod ups");
    });
});

describe("production credentials", () => {
    // Every secret or variable with PROD in its name but the runner label, which is no credential.
    const PROD_NAMES = /\b(secrets|vars)\.(?!PULUMI_RUNNER_)[A-Z_]*PROD[A-Z_]*\b/g;
    const prodRefs = (job: Job): string[] => JSON.stringify(job).match(PROD_NAMES) ?? [];

    it("are named only in the job that runs in the production environment", () => {
        for (const [file, id, job] of allJobs()) {
            const environment = typeof job.environment === "object" ? job.environment.name : job.environment;
            if (environment !== "production") {
                assert.deepEqual(prodRefs(job), [], `${file} job ${id} is outside the production environment`);
            }
        }
        const prod = deploy.jobs.prod;
        assert.equal(prod.environment, "production");
        assert.equal(prod.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_PROD_ACCESS_TOKEN }}");
        assert.equal(prod.env?.ARM_CLIENT_ID, "${{ vars.AZURE_PROD_CLIENT_ID }}");
        assert.doesNotMatch(prFile.text, PROD_NAMES, "the PR workflow names no prod credential");
    });

    it("never reach a pull request: the preview uses the read-only preview identity, with no fallback", () => {
        const preview = pr.jobs.preview;
        assert.equal(preview.env?.ARM_CLIENT_ID, "${{ vars.AZURE_PREVIEW_CLIENT_ID }}", "no `||` fallback to a deploy identity");
        assert.equal(usesOf(preview, "azure/login")[0]?.with?.["client-id"], "${{ vars.AZURE_PREVIEW_CLIENT_ID }}");
        for (const [id, job] of Object.entries(deploy.jobs)) {
            assert.doesNotMatch(JSON.stringify(job), /AZURE_PREVIEW_CLIENT_ID/, `deploy job ${id} does not use the preview identity`);
        }
    });
});

describe("runners per stack", () => {
    /** The runner a job gets for a stack: its own runs-on, or its matrix entry's runner. */
    const runnerFor = (job: Job, stack: string): string => {
        const runsOn = job["runs-on"] ?? "";
        if (runsOn === "${{ matrix.runner }}") {
            return job.strategy?.matrix?.include?.find((e) => e.stack === stack)?.runner ?? "";
        }
        return runsOn;
    };

    it("come from a PULUMI_RUNNER_<STACK> variable, GitHub's runner by default, for previews and deploys", () => {
        const cases: [string, Job, string][] = [
            ...matrixStacks(pr.jobs.preview).map((stack): [string, Job, string] => ["preview", pr.jobs.preview, stack]),
            ...upJobs(),
        ];
        assert.equal(cases.length, 2 * stackFiles.length);
        for (const [id, job, stack] of cases) {
            assert.equal(runnerFor(job, stack), `\${{ vars.PULUMI_RUNNER_${stack.toUpperCase()} || 'ubuntu-latest' }}`, `${id} ${stack}`);
        }
    });
});

describe("Node", () => {
    const engines = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;

    it("is 22.14 or newer in package.json, and the newest 22 or 24 (which setup-node resolves a major to) in every setup-node step", () => {
        assert.equal(engines, ">=22.14");
        let seen = 0;
        for (const [file, id, job] of allJobs()) {
            for (const node of usesOf(job, "actions/setup-node")) {
                seen++;
                const version = String(node.with?.["node-version"]);
                assert.match(version, /^(22|24)$/, `${file} job ${id}: node-version ${version}`);
            }
        }
        assert.ok(seen >= 5, `${seen} setup-node steps`);
    });
});

describe("the test jobs", () => {
    it("render the catalog and run the real-render suites on it, cached by the catalog", () => {
        for (const [file, job] of [
            [prFile.file, pr.jobs.test],
            [deployFile.file, deploy.jobs.test],
        ] as const) {
            const all = steps(job);
            const render = all.findIndex((s) => /^node --import tsx scripts\/render-catalog\.ts "\$RUNNER_TEMP\/upstream"$/.test(s.run?.trim() ?? ""));
            const test = all.findIndex((s) => s.run?.trim() === "npm test");
            assert.ok(render >= 0 && render < test, `${file}: the catalog is rendered before npm test`);
            assert.equal(all[test].env?.KUBEFLOW_UPSTREAM_DIR, "${{ runner.temp }}/upstream", `${file}: npm test reads the renders`);
            const cache = usesOf(job, "actions/cache").find((c) => c.with?.path === "${{ runner.temp }}/upstream");
            assert.match(
                String(cache?.with?.key),
                /hashFiles\('manifests\/catalog\.ts', 'scripts\/render-catalog\.ts'\)/,
                `${file}: renders cached on the catalog`,
            );
            assert.ok(
                all.some((s) => /^npm ci --prefix policy\b/.test(s.run?.trim() ?? "")),
                `${file}: the policy suite gets the pack's dependencies`,
            );
        }
        assert.ok(fs.existsSync(path.join(root, "scripts", "render-catalog.ts")));
    });
});

describe("the README", () => {
    it("names every variable and secret the workflows read", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        const names = new Set([...workflows.values()].flatMap(({ text }) => [...text.matchAll(/\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1])));
        assert.ok(names.has("AZURE_PROD_CLIENT_ID") && names.has("PULUMI_RUNNER_PROD"), [...names].join(", "));
        for (const name of names) {
            assert.ok(readme.includes(`\`${name}\``), `README does not name ${name}`);
        }
    });
});

describe("the checks themselves", () => {
    it("flag unpinned actions and accept pinned ones", () => {
        for (const bad of ["actions/checkout@main", "actions/checkout", "pulumi/actions@latest", "azure/login@v3-beta", "actions/cache@abc123"]) {
            assert.ok(unpinned(bad), bad);
        }
        for (const good of [
            "actions/checkout@v6",
            "actions/setup-node@v6.0.0",
            "pulumi/actions@v7.0",
            "./.github/actions/setup",
            "actions/cache@" + "0".repeat(40),
        ]) {
            assert.ok(!unpinned(good), good);
        }
    });

    it("match path filters as GitHub does for ** and *", () => {
        assert.ok(globMatch("**.md", "README.md"));
        assert.ok(globMatch("**.md", "a/b/c.md"));
        assert.ok(!globMatch("**.md", "index.ts"));
        assert.ok(!globMatch("**.md", "README.md.ts"));
        assert.ok(globMatch("docs/**", "docs/a/b.png"));
        assert.ok(!globMatch("docs/*", "docs/a/b.png"));
        assert.ok(!globMatch("docs/**", "manifests/docs.ts"));
        assert.throws(() => globMatch("!x", "x"), /does not implement/);
    });

    it("flag credential-shaped strings and pass expressions", () => {
        const fakeGuid = ["12345678", "9abc", "def0", "1234", "56789abcdef0"].join("-");
        const fakeSecret = "abc" + "8Q~" + "x".repeat(34);
        assert.deepEqual(secretShapes(`client-id: ${fakeGuid}`), [SECRET_SHAPES[0][0]]);
        assert.ok(secretShapes(`value: ${fakeSecret}`).includes("Entra client secret"));
        assert.ok(secretShapes("token: ghp_" + "a".repeat(36)).includes("GitHub token"));
        assert.ok(secretShapes("  ARM_CLIENT_SECRET: ${{ secrets.X }}").includes("inline client secret variable"));
        assert.deepEqual(secretShapes("ARM_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}\nkey: kubeflow-releases-${{ hashFiles('x') }}"), []);
    });
});
