/**
 * `npm run plan` on the mini render: the plan groups the Azure components and the
 * Kubeflow ConfigGroups, its JSON is byte-identical across processes, secrets never
 * appear in it, and `--against` names the resources, paths and objects that changed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { MOCK, SECRET_PLAINTEXTS, installMocks } from "./mocks";
import { miniObjects } from "./fixtures/mini-release";
import { CONTEXT, projectDir } from "./stack-files";
import { stackSuffix } from "../config";
import { KubeObject } from "../manifests/types";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { recordedResource } from "./support/recorded";
import { renderPath, skipWithoutRenders } from "./upstream";

type PlanModule = typeof import("../scripts/plan");
type Plan = import("../scripts/plan").Plan;

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubeflow-azure-plan-"));
const miniFile = path.join(tmp, "mini.yaml");
const manifests = (file: string): string => `kubeflow-azure:manifests=${file}`;

function writeRender(file: string, objects: readonly KubeObject[]): void {
    fs.writeFileSync(file, objects.map((o) => JSON.stringify(o)).join("\n---\n"));
}

/** The plan script in a fresh process, as `npm run plan` runs it. */
function planCli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    return run(process.execPath, ["--import", "tsx", path.join(projectDir, "scripts", "plan.ts"), ...args], { cwd: projectDir, maxBuffer: 64 * 1024 * 1024 })
        .then(({ stdout, stderr }) => ({ stdout, stderr, code: 0 }))
        .catch((err: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: err.stdout ?? "", stderr: err.stderr ?? "", code: err.code ?? -1 }));
}

/** The same command in this process: what it prints, and the exit code it returns. */
async function planInProcess(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await plan.cli(args, { out: (t) => out.push(`${t}\n`), err: (t) => err.push(`${t}\n`) });
    return { stdout: out.join(""), stderr: err.join(""), code };
}

let plan: PlanModule;
let base: Plan;

before(async () => {
    writeRender(miniFile, miniObjects());
    await installMocks();
    plan = await import("../scripts/plan");
    base = (await plan.evaluatePlan({ stack: "dev", overrides: [plan.parseOverride(manifests(miniFile), "kubeflow-azure")] })).plan;
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function evaluate(...overrides: string[]): Promise<Plan> {
    const all = [manifests(miniFile), ...overrides].map((o) => plan.parseOverride(o, "kubeflow-azure"));
    return (await plan.evaluatePlan({ stack: "dev", overrides: all })).plan;
}

describe("plan: grouped by component", () => {
    it("groups the Azure components with their resources by type", () => {
        const groups = new Map(plan.groupPlan(base).map((g) => [g.component, g]));
        assert.deepEqual(groups.get("kubeflow-azure:azure:PublicEndpoint kf-dev-endpoint")?.types, {
            "azure-native:network:PublicIPAddress": 1,
            "azure-native:resources:ResourceGroup": 1,
        });
        const cluster = groups.get("kubeflow-azure:azure:AksCluster kf-dev-cluster");
        assert.equal(cluster?.types["azure-native:containerservice:ManagedCluster"], 1);
        assert.equal(cluster?.types["pulumi:providers:kubernetes"], 1);
        // 26.03's oauth2-proxy authenticates through workload identity: a federated credential, no password.
        assert.equal(
            groups.get("kubeflow-azure:azure:EntraApp kf-dev-entra")?.types[
                "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
            ],
            1,
        );
        assert.ok(!groups.has("(stack)"), "every resource belongs to a component");
        const total = [...groups.values()].reduce((n, g) => n + g.resources, 0) + groups.size;
        assert.equal(total, base.resources.length, "each resource is counted once, the components themselves included");
    });

    it("counts the Kubernetes objects inside every ConfigGroup by kind", () => {
        const groups = new Map(plan.groupPlan(base).map((g) => [g.component, g]));
        const platform = groups.get("kubeflow-azure:kubeflow:KubeflowPlatform kf-dev-kubeflow");
        const phase0 = platform?.configGroups.find((c) => c.name === "kf-dev-kubeflow-phase-0");
        assert.deepEqual(phase0?.kinds, { CustomResourceDefinition: 4, Namespace: 4 });
        const edge = groups.get("kubeflow-azure:kubeflow:IstioGateway kf-dev-edge");
        assert.deepEqual(
            edge?.configGroups.map((c) => [c.name, c.kinds]),
            [
                ["kf-dev-edge-certificate", { Certificate: 1 }],
                ["kf-dev-edge-gateway", { EnvoyFilter: 1, Gateway: 1 }],
                ["kf-dev-edge-service", { Service: 1 }],
            ],
        );
        const auth = groups.get("kubeflow-azure:kubeflow:Authservice kf-dev-auth");
        assert.equal(auth?.configGroups[0].kinds?.Deployment, 1);
        const text = plan.formatPlan(base);
        assert.match(text, /kf-dev-kubeflow-phase-0: 8 objects: 4 CustomResourceDefinition, 4 Namespace/);
        assert.match(text, /^kubeflow-azure:azure:AksCluster kf-dev-cluster {2}\(9 resources\)$/m);
    });

    it("replaces a ConfigGroup's yaml text by its objects, keyed Kind namespace/name", () => {
        const service = base.resources.find((r) => r.name === "kf-dev-edge-service");
        assert.equal(service?.inputs.yaml, undefined);
        assert.deepEqual(Object.keys(service?.objects ?? {}), ["Service istio-system/istio-ingressgateway"]);
    });
});

describe("plan: JSON", () => {
    it("is byte-identical in this process and in a fresh one", async () => {
        const a = path.join(tmp, "a.json");
        const ra = await planCli("--stack", "dev", "--config", manifests(miniFile), "--json", a);
        assert.equal(ra.code, 0, ra.stderr);
        // Another process loads the modules and resolves the outputs in its own order: the bytes must not change.
        assert.equal(fs.readFileSync(a, "utf8"), plan.canonicalJson(base));
        assert.match(ra.stdout, /kubeflow-azure:kubeflow:KubeflowPlatform kf-dev-kubeflow/);
    });

    it("sorts resources by URN and keys everywhere", () => {
        const urns = base.resources.map((r) => r.urn);
        assert.deepEqual(
            urns,
            [...urns].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
        );
        const json = plan.canonicalJson(base);
        const reparsed = JSON.parse(json) as Plan;
        assert.deepEqual(Object.keys(reparsed.resources[0]), [...Object.keys(reparsed.resources[0])].sort());
        assert.equal(
            plan.canonicalJson({ b: 1, a: { d: 2, c: [{ f: 1, e: 0 }] } }),
            '{\n  "a": {\n    "c": [\n      {\n        "e": 0,\n        "f": 1\n      }\n    ],\n    "d": 2\n  },\n  "b": 1\n}\n',
        );
    });

    it("masks secrets: no client secret, password or kubeconfig token, [secret] in their place", () => {
        const json = plan.canonicalJson(base);
        for (const plaintext of [...SECRET_PLAINTEXTS, MOCK.kubeconfig]) {
            assert.ok(!json.includes(plaintext), `the plan JSON holds ${plaintext}`);
        }
        const provider = base.resources.find((r) => r.type === "pulumi:providers:kubernetes");
        assert.equal(provider?.inputs.kubeconfig, "[secret]");
        const authSecret = base.resources.find((r) => r.name === "kf-dev-auth-secret");
        assert.equal(authSecret?.inputs.stringData, "[secret]");
        assert.match(authSecret?.secretDigests?.["inputs.stringData"] ?? "", /^sha256:[0-9a-f]{16}$/);
    });

    it("masks the data of a Kubernetes Secret inside a ConfigGroup's yaml", () => {
        const yaml = JSON.stringify({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "db", namespace: "kubeflow" },
            stringData: { password: "hunter2-plaintext" },
        });
        const p = plan.buildPlan([recorded("kubernetes:yaml/v2:ConfigGroup", "g", { yaml })], meta);
        assert.deepEqual(p.resources[0].objects, {
            "Secret kubeflow/db": { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "kubeflow" }, stringData: { password: "[secret]" } },
        });
        assert.ok(!plan.canonicalJson(p).includes("hunter2"));
    });

    it("writes [unknown] for values not known at plan time", () => {
        const p = plan.buildPlan([recorded("kubernetes:yaml/v2:ConfigGroup", "g", { yaml: unknownValue })], meta);
        assert.equal(p.resources[0].inputs.yaml, "[unknown]");
        assert.equal(p.resources[0].objects, undefined);
    });
});

describe("plan: --against", () => {
    it("names the user AgentPool and its maxCount when userPool.maxCount changes", async () => {
        const changed = await evaluate("kubeflow-azure:userPool.maxCount=5");
        const diff = plan.diffPlans(base, changed);
        assert.deepEqual(diff.added, []);
        assert.deepEqual(diff.removed, []);
        assert.deepEqual(
            diff.modified.map((m) => m.type),
            ["azure-native:containerservice:AgentPool"],
        );
        assert.deepEqual(diff.modified[0].changes, [{ path: "maxCount", kind: "changed", before: 2, after: 5 }]);
    });

    it("prints that diff from the command, exit 0", async () => {
        const before = path.join(tmp, "before.json");
        fs.writeFileSync(before, plan.canonicalJson(base));
        const r = await planInProcess("--stack", "dev", "--config", manifests(miniFile), "--config", "kubeflow-azure:userPool.maxCount=5", "--against", before);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /0 to create, 1 to update, 0 to replace, 0 to delete/);
        assert.match(r.stdout, /~ update +azure-native:containerservice:AgentPool kf-dev-cluster-user/);
        assert.match(r.stdout, /~ maxCount: 2 => 5/);
    });

    it("prints only the differences with --against, not the whole plan", async () => {
        const before = path.join(tmp, "before-only.json");
        fs.writeFileSync(before, plan.canonicalJson(base));
        const r = await planInProcess("--stack", "dev", "--config", manifests(miniFile), "--against", before);
        assert.equal(r.code, 0, r.stderr);
        // The diff, then the warnings every preview of dev prints (open sign-in, open API server).
        const [first, ...rest] = r.stdout.trim().split("\n");
        assert.equal(first, `No changes since ${before}.`);
        assert.deepEqual(
            rest.filter((l) => l.trim() !== "").map((l) => l.replace(/^(warning: kubeflow-azure:\w+).*/, "$1")),
            ["warning: kubeflow-azure:authorizedIpRanges", "warning: kubeflow-azure:allowedGroupIds"],
            r.stdout,
        );
    });

    it("--summary: one line per changed resource, a group's objects as counts, no field values", async () => {
        const objects = miniObjects()
            .filter((o) => !(o.kind === "Deployment" && o.metadata.name === "ml-pipeline"))
            .map((o) => (o.kind === "Deployment" && o.metadata.name === "istiod" ? withImage(o, "example.invalid/istiod:2") : o));
        const file = path.join(tmp, "changed-summary.yaml");
        writeRender(file, objects);
        const before = path.join(tmp, "before-summary.json");
        fs.writeFileSync(before, plan.canonicalJson(base));
        const full = await planInProcess("--stack", "dev", "--config", manifests(file), "--config", "kubeflow-azure:userPool.maxCount=5", "--against", before);
        const short = await planInProcess(
            "--stack",
            "dev",
            "--config",
            manifests(file),
            "--config",
            "kubeflow-azure:userPool.maxCount=5",
            "--against",
            before,
            "--summary",
        );
        assert.equal(short.code, 0, short.stderr);
        assert.match(full.stdout, /example\.invalid\/istiod:2/);
        assert.doesNotMatch(short.stdout, /example\.invalid|maxCount: 2 => 5/, "no field values");
        assert.match(short.stdout, /~ update +azure-native:containerservice:AgentPool kf-dev-cluster-user.*: 1 field$/m);
        assert.match(short.stdout, /kubernetes:yaml\/v2:ConfigGroup kf-dev-kubeflow-phase-\d.*: .*objects 1 to update, 1 to delete$/m);
        assert.ok(short.stdout.split("\n").length < full.stdout.split("\n").length, "shorter than the full diff");
        assert.equal(short.stdout.split("\n")[0], full.stdout.split("\n")[0], "the same counts line");
    });

    it("--help prints the usage and evaluates nothing; --summary without --against is refused", async () => {
        const help = await planInProcess("--help");
        assert.equal(help.code, 0);
        assert.match(help.stdout, /^usage: npm run plan -- --stack STACK/);
        assert.match(help.stdout, /--graph/);
        const bad = await planInProcess("--stack", "dev", "--summary");
        assert.equal(bad.code, 1);
        assert.equal(bad.stderr.trim(), "--summary shortens the diff: give it with --against FILE");
    });

    it("--graph: each phase after the one before, the cluster before the platform, in the README as printed", { skip: skipWithoutRenders() }, async () => {
        const render = renderPath("26.03");
        const r = await planInProcess("--stack", "dev", "--config", manifests(render), "--graph");
        assert.equal(r.code, 0, r.stderr);
        const graph = r.stdout.trim();
        const id = (label: string): string => {
            const m = new RegExp(`(n\\d+)\\["${label}`).exec(graph);
            assert.ok(m, `a node ${label}`);
            return m[1];
        };
        const edge = (a: string, b: string): boolean => graph.includes(`    ${id(a)} --> ${id(b)}`);
        assert.ok(edge("PublicEndpoint", "AksCluster"), "the cluster waits for the IP's group (its network role)");
        assert.ok(edge("AksCluster", "kf-dev-kubeflow-phase-0"), "the platform waits for the cluster");
        for (let i = 0; i < 7; i++) {
            assert.ok(edge(`kf-dev-kubeflow-phase-${i}`, `kf-dev-kubeflow-phase-${i + 1}`) || i === 0, `phase ${i + 1} after phase ${i}`);
        }
        assert.ok(edge("kf-dev-kubeflow-phase-7", "kf-dev-edge-service"), "the edge after the last phase");
        const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
        const block = /<!-- plan-graph:[^>]*-->\n```mermaid\n([\s\S]*?)\n```\n<!-- plan-graph end -->/.exec(readme);
        assert.ok(block, "README holds the graph between its markers");
        assert.equal(block[1], graph, "README's graph is the one the program prints: run the command in the marker and paste");
    });

    it("lists the objects removed from and changed in a ConfigGroup when the render changes", async () => {
        const objects = miniObjects()
            .filter((o) => !(o.kind === "Deployment" && o.metadata.name === "ml-pipeline"))
            .map((o) => (o.kind === "Deployment" && o.metadata.name === "istiod" ? withImage(o, "example.invalid/istiod:2") : o));
        const file = path.join(tmp, "changed.yaml");
        writeRender(file, objects);
        const changed = (await plan.evaluatePlan({ stack: "dev", overrides: [plan.parseOverride(manifests(file), "kubeflow-azure")] })).plan;
        const diff = plan.diffPlans(base, changed);
        const phase1 = diff.modified.find((m) => m.name === "kf-dev-kubeflow-phase-1");
        assert.deepEqual(phase1?.objects?.removed, ["Deployment kubeflow/ml-pipeline"]);
        assert.deepEqual(phase1?.objects?.changed, [
            {
                key: "Deployment istio-system/istiod",
                changes: [
                    { path: "spec.template.spec.containers[0].image", kind: "changed", before: "example.invalid/istiod:1", after: "example.invalid/istiod:2" },
                ],
            },
        ]);
        assert.deepEqual(phase1?.changes, []);
        const text = plan.formatDiff(diff, "before.json");
        assert.match(text, /in +kubernetes:yaml\/v2:ConfigGroup kf-dev-kubeflow-phase-1[^\n]*\n +- delete +Deployment kubeflow\/ml-pipeline/);
        assert.match(
            text,
            /~ update +Deployment istio-system\/istiod\n +~ spec\.template\.spec\.containers\[0\]\.image: "example\.invalid\/istiod:1" => "example\.invalid\/istiod:2"/,
        );
        assert.match(text, /^Changes since before\.json: 0 to create, 1 to update, 0 to replace, 1 to delete/);
    });

    it("marks an object the Kubernetes provider replaces (an immutable ConfigMap's data, a Deployment's selector) as +- replace, a mutable ConfigMap's data as an update (pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go forceNewProperties)", () => {
        const group = (obj: Record<string, unknown>) => plan.buildPlan([recorded("kubernetes:yaml/v2:ConfigGroup", "g", { yaml: JSON.stringify(obj) })], meta);
        const configMap = (value: string, immutable?: boolean) => ({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "c", namespace: "n", labels: { v: value } },
            data: { FORCE_HTTPS: value },
            ...(immutable === undefined ? {} : { immutable }),
        });
        // The program's provider has enableConfigMapMutable on: new data is an update in place.
        const mutable = plan.diffPlans(group(configMap("false")), group(configMap("true")));
        assert.equal(mutable.modified[0].objects?.changed[0].replaces, undefined);
        assert.match(plan.formatDiff(mutable, "b.json"), /0 to create, 1 to update, 0 to replace, 0 to delete/);
        const diff = plan.diffPlans(group(configMap("false", true)), group(configMap("true", true)));
        assert.deepEqual(diff.modified[0].objects?.changed[0].replaces, ["data.FORCE_HTTPS"]);
        assert.match(
            plan.formatDiff(diff, "b.json"),
            /0 to create, 0 to update, 1 to replace, 0 to delete[\s\S]*\+- replace ConfigMap n\/c +\(data\.FORCE_HTTPS cannot change in place\)/,
        );
        const labelsOnly = plan.diffPlans(
            group(configMap("false")),
            group({ ...configMap("false"), metadata: { name: "c", namespace: "n", labels: { v: "x" } } }),
        );
        assert.equal(labelsOnly.modified[0].objects?.changed[0].replaces, undefined, "a label change is an update");
        const deployment = (app: string, replicas: number) => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "d", namespace: "n" },
            spec: { selector: { matchLabels: { app } }, replicas },
        });
        const selector = plan.diffPlans(group(deployment("a", 1)), group(deployment("b", 2)));
        assert.deepEqual(selector.modified[0].objects?.changed[0].replaces, ["spec.selector.matchLabels.app"]);
    });

    it("shows a long changed string around its first difference, not two equal prefixes", () => {
        const head = "x".repeat(500);
        const change: import("../scripts/plan").Change = {
            path: "data.conf",
            kind: "changed",
            before: `${head}cookie_secure = false\n${"y".repeat(300)}`,
            after: `${head}cookie_secure = true\n${"y".repeat(300)}`,
        };
        const text = plan.formatChange(change);
        assert.match(text, /^~ data\.conf: "\.\.\.x{14}cookie_secure = false\\ny+\.\.\." => "\.\.\.x{14}cookie_secure = true\\ny+\.\.\."$/);
        assert.ok(text.length < 300, `${text.length} characters`);
        assert.deepEqual(plan.aroundFirstDifference("short a", "short b"), ['"short a"', '"short b"']);
    });

    it("lists the stack outputs (kubeconfig as [secret]) and diffs them", async () => {
        const host = `kf-dev-${stackSuffix(CONTEXT, "dev")}.westeurope.cloudapp.azure.com`;
        const hostPattern = host.replace(/\./g, "\\.");
        assert.equal(base.outputs.kubeflowUrl, `https://${host}/`);
        assert.equal(base.outputs.kubeconfig, "[secret]");
        assert.match(plan.formatPlan(base), new RegExp(`Outputs:\\n(.*\\n)* {4}kubeflowUrl: "https://${hostPattern}/"`));
        const changed = await evaluate("kubeflow-azure:dnsLabel=kf-other");
        const diff = plan.diffPlans(base, changed);
        assert.deepEqual(
            diff.outputs.find((c) => c.path === "kubeflowUrl"),
            { path: "kubeflowUrl", kind: "changed", before: `https://${host}/`, after: "https://kf-other.westeurope.cloudapp.azure.com/" },
        );
        assert.match(
            plan.formatDiff(diff, "a.json"),
            new RegExp(`Outputs:\\n(.*\\n)* {4}~ hostname: "${hostPattern}" => "kf-other\\.westeurope\\.cloudapp\\.azure\\.com"`),
        );
    });

    it("shows placeholders that cannot pass for real: no real tenant, the cluster issuer in the stack's own region", async () => {
        assert.equal(base.outputs.tenantId, "00000000-0000-0000-0000-00000000cafe");
        assert.match(JSON.stringify(base.outputs.clusterOidcIssuerUrl), /^"https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//);
        const sweden = await evaluate("azure-native:location=swedencentral");
        assert.match(JSON.stringify(sweden.outputs.clusterOidcIssuerUrl), /^"https:\/\/swedencentral\.oic\.prod-aks\.azure\.com\//);
        assert.match(JSON.stringify(sweden.outputs.hostname), /\.swedencentral\.cloudapp\.azure\.com"$/);
    });

    it("prints the warnings pulumi up would print, with the plan and with the diff", async () => {
        const warned = await evaluate("kubeflow-azure:kubernetesVersion=1.20", "kubeflow-azure:selfService=true");
        // dev's standing warnings (open sign-in, open API server) and the version's.
        assert.equal(warned.warnings.length, 3);
        assert.match(plan.formatPlan(warned), /\nwarning: kubeflow-azure:kubernetesVersion 1\.20 is outside the range Kubeflow 26\.03 is tested on/);
        assert.match(plan.formatDiff(plan.diffPlans(base, warned), "a.json"), /\nwarning: kubeflow-azure:kubernetesVersion 1\.20 is outside/);
        assert.deepEqual(
            base.warnings.map((w) => w.split(" ")[0]),
            ["kubeflow-azure:authorizedIpRanges", "kubeflow-azure:allowedGroupIds"],
        );
    });

    it("prints a changed secret as [secret] changed, never its values", () => {
        const secretA = { [specialSigKey]: specialSecretSig, value: { password: "old-plaintext" } };
        const secretB = { ...secretA, value: { password: "new-plaintext" } };
        const a = plan.buildPlan([recorded("kubernetes:core/v1:Secret", "s", { stringData: secretA })], meta);
        const b = plan.buildPlan([recorded("kubernetes:core/v1:Secret", "s", { stringData: secretB })], meta);
        const same = plan.buildPlan([recorded("kubernetes:core/v1:Secret", "s", { stringData: { ...secretA } })], meta);
        assert.deepEqual(plan.diffPlans(a, same).modified, []);
        const diff = plan.diffPlans(a, b);
        assert.deepEqual(diff.modified[0].changes, [{ path: "stringData", kind: "changed", secret: true }]);
        const text = plan.formatDiff(diff, "a.json");
        assert.match(text, /~ stringData: \[secret\] changed/);
        assert.ok(!/plaintext/.test(text + plan.canonicalJson(a) + plan.canonicalJson(b)));
    });

    it("reports resources added and removed, and option changes such as protect", () => {
        const a = plan.buildPlan(
            [recorded("random:index/randomPassword:RandomPassword", "old", {}), recorded("random:index/randomPassword:RandomPassword", "kept", {})],
            meta,
        );
        const b = plan.buildPlan(
            [
                recorded("random:index/randomPassword:RandomPassword", "new", {}),
                { ...recorded("random:index/randomPassword:RandomPassword", "kept", {}), protect: true },
            ],
            meta,
        );
        const diff = plan.diffPlans(a, b);
        assert.deepEqual(
            diff.added.map((r) => r.name),
            ["new"],
        );
        assert.deepEqual(
            diff.removed.map((r) => r.name),
            ["old"],
        );
        assert.deepEqual(
            diff.modified.map((m) => [m.name, m.changes]),
            [["kept", [{ path: "options.protect", kind: "added", after: true }]]],
        );
    });
});

describe("plan: configuration and sources", () => {
    it("sets a path override inside the stack's object and keeps a whole-key value as typed", () => {
        const raw = { "kubeflow-azure:userPool": '{"vmSize":"Standard_D8s_v5","maxCount":2}' };
        const out = plan.applyOverrides(raw, [
            plan.parseOverride("kubeflow-azure:userPool.maxCount=5", "kubeflow-azure"),
            plan.parseOverride("kubeflow-azure:userPool.spot=true", "kubeflow-azure"),
            plan.parseOverride("kubernetesVersion=1.30", "kubeflow-azure"),
            plan.parseOverride("kubeflow-azure:zones[0]=1", "kubeflow-azure"),
        ]);
        assert.deepEqual(JSON.parse(out["kubeflow-azure:userPool"]), { vmSize: "Standard_D8s_v5", maxCount: 5, spot: true });
        assert.equal(out["kubeflow-azure:kubernetesVersion"], "1.30");
        assert.equal(out["kubeflow-azure:zones"], "[1]");
        assert.throws(() => plan.parseOverride("kubeflow-azure:userPool", "kubeflow-azure"), /expected key=value/);
    });

    it("fails with the configuration problem, naming key and rule, before evaluating", async () => {
        await assert.rejects(evaluate("kubeflow-azure:userPool.maxCount=0"), (err: Error) => {
            assert.ok(err instanceof plan.PlanError);
            assert.match(err.message, /kubeflow-azure:userPool\.maxCount: 0: an integer from 1 to 1000/);
            return true;
        });
    });

    it("exits 1 with the configuration message from the command line", async () => {
        const r = await planCli("--stack", "dev", "--config", manifests(miniFile), "--config", "kubeflow-azure:tls=acme");
        assert.equal(r.code, 1);
        assert.match(r.stderr, /configuration problem\(s\); nothing was created:\n {2}- kubeflow-azure:tls\.issuer/);
        assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, "a configuration problem prints no stack trace");
    });

    it("prints a known error's message without a stack trace, and keeps the stack of a bug", async () => {
        const partial = path.join(tmp, "partial.yaml");
        writeRender(
            partial,
            miniObjects().filter((o) => o.kind !== "Service"),
        );
        const r = await planInProcess("--stack", "dev", "--config", manifests(partial));
        assert.equal(r.code, 1);
        assert.match(r.stderr, /lacks \d+ object\(s\)/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(plan.userFacing(new Error("fix this")), "fix this");
        assert.equal(plan.userFacing(new TypeError("x is undefined")), undefined);
    });

    it("asks for a rendered file when a kustomization cannot be rendered offline", () => {
        const saved = process.env.PATH;
        process.env.PATH = tmp;
        try {
            assert.throws(
                () => plan.renderWithCli(tmp),
                (err: Error) => err instanceof plan.PlanError && /--config kubeflow-azure:manifests=<rendered file>/.test(err.message),
            );
        } finally {
            process.env.PATH = saved;
        }
    });
});

const meta = { project: "kubeflow-azure", stack: "dev", releaseId: "26.03", renderedObjects: 0 };

function recorded(type: string, name: string, inputs: Record<string, unknown>): import("./mocks").RecordedResource {
    return recordedResource({ urn: `urn:pulumi:dev::kubeflow-azure::${type}::${name}`, type, name, inputs });
}

function withImage(o: KubeObject, image: string): KubeObject {
    const copy = structuredClone(o) as KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    copy.spec.template.spec.containers[0].image = image;
    return copy;
}

describe("plan: --against, what an upgrade keeps and drops", () => {
    const crd = (name: string): Record<string, unknown> => ({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name } });
    const group = (...objects: Record<string, unknown>[]) =>
        recorded("kubernetes:yaml/v2:ConfigGroup", "phase-0", { yaml: objects.map((o) => JSON.stringify(o)).join("\n---\n") });
    const claim = (name: string, retainOnDelete: boolean) => ({
        ...recorded("kubernetes:core/v1:PersistentVolumeClaim", name, { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name } }),
        retainOnDelete,
    });

    it("warns of every CRD the new release drops (kept with its objects) and every volume claim it drops (kept or deleted)", () => {
        const a = plan.buildPlan([group(crd("tfjobs.kubeflow.org"), crd("notebooks.kubeflow.org")), claim("minio-pvc", true), claim("scratch", false)], meta);
        const b = plan.buildPlan([group(crd("notebooks.kubeflow.org"))], meta);
        const warnings = plan.diffPlans(a, b).warnings;
        assert.equal(warnings.length, 3, warnings.join("\n"));
        assert.match(
            warnings[0],
            /^CustomResourceDefinition tfjobs\.kubeflow\.org: the new release no longer ships it; it stays on the cluster .* kubectl delete crd tfjobs\.kubeflow\.org$/,
        );
        assert.match(warnings[1], /^volume claim minio-pvc: .* kept on the cluster with its data/);
        assert.match(warnings[2], /^volume claim scratch: .* its volume and data are deleted/);
        assert.match(plan.formatDiff(plan.diffPlans(a, b), "a.json"), /\nwarning: CustomResourceDefinition tfjobs\.kubeflow\.org: /);
        assert.deepEqual(plan.diffPlans(b, b).warnings, []);
    });
    it("warns of the artifacts' copy when the new plan brings it (a move from MinIO to SeaweedFS)", () => {
        const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "artifact-migration", namespace: "kubeflow" } };
        const copy = recorded("kubernetes:yaml/v2:ConfigGroup", "kf-dev-artifacts-objects", { yaml: JSON.stringify(job) });
        const a = plan.buildPlan([group(crd("notebooks.kubeflow.org"))], meta);
        const b = plan.buildPlan([group(crd("notebooks.kubeflow.org")), copy], meta);
        const warnings = plan.diffPlans(a, b).warnings;
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0], /^Job kubeflow\/artifact-migration: the upgrade crosses from MinIO to SeaweedFS; .*before MinIO is deleted/);
        // Once applied, the same Job in both plans is no news.
        assert.deepEqual(plan.diffPlans(b, b).warnings, []);
    });

    it("warns of the authservice StatefulSet's rename, the old one deleted before the new one is created", () => {
        const sts = (name: string) => ({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, namespace: "istio-system" } });
        const a = plan.buildPlan([group(sts("authservice"))], meta);
        const b = plan.buildPlan([group(sts("oidc-authservice"))], meta);
        const warnings = plan.diffPlans(a, b).warnings;
        assert.deepEqual(warnings.length, 1, warnings.join("\n"));
        assert.match(
            warnings[0],
            /^StatefulSet istio-system\/oidc-authservice: renamed from authservice \(v1\.7\.0 -> v1\.8\.1\); the old StatefulSet is deleted before the new one is created/,
        );
        // Another object appearing is no rename.
        assert.deepEqual(plan.diffPlans(a, plan.buildPlan([group(sts("authservice"), sts("other"))], meta)).warnings, []);
    });
});
