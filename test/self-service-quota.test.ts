/**
 * The default quota of self-made namespaces (selfService on), on the real API server: the
 * CronJob's objects are accepted (its pods admitted by the restricted Pod Security
 * Standard, in a dry run), and its script, run here with kubectl and jq as the CronJob's
 * service account, gives exactly the Profiles without a quota that the stack does not
 * configure the default, and nothing else; the account can do nothing beyond that.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as k8s from "@kubernetes/client-node";
import {
    SELF_SERVICE_QUOTA,
    SELF_SERVICE_QUOTA_NAMESPACE,
    SELF_SERVICE_QUOTA_SCRIPT,
    selfServiceQuotaObjects,
} from "../manifests/authorization/self-service-quota";
import { KubeObject } from "../manifests/types";
import { ServerSideApplier } from "../tools/kube-apply";
import { KubeServer, startKubeServer } from "../tools/kube-server";
import { accountMay, onPath, runScriptAs } from "./support/as-account";
import { kubeBinariesOrSkip } from "./support/kube";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const QUOTA = { "requests.cpu": "4", "requests.memory": "16Gi", "requests.nvidia.com/gpu": "0" };
const ACCOUNT = { namespace: SELF_SERVICE_QUOTA_NAMESPACE, name: SELF_SERVICE_QUOTA };

function skipReason(): string | false {
    const binaries = kubeBinariesOrSkip();
    if (typeof binaries === "string") {
        return binaries;
    }
    const renders = skipWithoutRenders();
    if (renders) {
        return renders;
    }
    return onPath("kubectl") && onPath("jq") ? false : "kubectl and jq are needed on PATH to run the CronJob's script (apt-get install kubectl jq)";
}

const skip = skipReason();

describe("the self-service default quota on the real API server", { skip }, () => {
    let server: KubeServer;
    let dir: string;
    const profile = (name: string, hard?: Record<string, string>): KubeObject => ({
        apiVersion: "kubeflow.org/v1",
        kind: "Profile",
        metadata: { name },
        spec: { owner: { kind: "User", name: `${name}@contoso.com` }, ...(hard ? { resourceQuotaSpec: { hard } } : {}) },
    });
    const read = async (name: string): Promise<k8s.KubernetesObject & { spec?: { resourceQuotaSpec?: { hard?: Record<string, string> } } }> =>
        k8s.KubernetesObjectApi.makeApiClient(server.config).read({ apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name } });
    /** Runs the CronJob's script as its service account, as its pod would. */
    const runScript = (managed: readonly string[]): string => {
        const result = runScriptAs(server, dir, ACCOUNT, SELF_SERVICE_QUOTA_SCRIPT, { QUOTA: JSON.stringify(QUOTA), MANAGED: [...managed].join("\n") });
        assert.equal(result.status, 0, result.stderr);
        return result.stdout;
    };

    before(async () => {
        const binaries = kubeBinariesOrSkip();
        assert.ok(typeof binaries !== "string");
        server = await startKubeServer(binaries);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeflow-azure-quota-"));
        const applier = new ServerSideApplier(server.config);
        const render = loadRender(availableRenders().includes("26.03") ? "26.03" : availableRenders()[0]);
        const crd = render.find((o) => o.kind === "CustomResourceDefinition" && o.metadata.name === "profiles.kubeflow.org");
        assert.ok(crd, "the render has the Profile CRD");
        await applier.apply(crd);
        await applier.apply({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: SELF_SERVICE_QUOTA_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
        });
        // The CRD serves once established: retry the first Profile until it does.
        for (let attempt = 0; ; attempt++) {
            try {
                await applier.apply(profile("team-a"));
                break;
            } catch (e) {
                if (attempt > 120) {
                    throw e;
                }
                await new Promise((r) => setTimeout(r, 500));
            }
        }
        await applier.apply(profile("ada"));
        await applier.apply(profile("bob", { "requests.cpu": "1" }));
        for (const o of selfServiceQuotaObjects(QUOTA, ["team-a"])) {
            await applier.apply(o);
        }
    });

    after(async () => {
        await server?.stop();
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("accepts the CronJob, and its pods under the restricted Pod Security Standard (dry run)", async () => {
        const cronJob = selfServiceQuotaObjects(QUOTA, []).find((o) => o.kind === "CronJob");
        assert.ok(cronJob);
        const live = await k8s.KubernetesObjectApi.makeApiClient(server.config).read({
            apiVersion: "batch/v1",
            kind: "CronJob",
            metadata: { name: SELF_SERVICE_QUOTA, namespace: SELF_SERVICE_QUOTA_NAMESPACE },
        });
        assert.equal((live as { spec?: { schedule?: string } }).spec?.schedule, "* * * * *");
        const jobTemplate = (cronJob.spec as { jobTemplate: { spec: { template: Record<string, unknown> } } }).jobTemplate.spec.template;
        const core = server.config.makeApiClient(k8s.CoreV1Api);
        const pod = await core.createNamespacedPod({
            namespace: SELF_SERVICE_QUOTA_NAMESPACE,
            body: { apiVersion: "v1", kind: "Pod", metadata: { name: "dry-run" }, spec: jobTemplate.spec as k8s.V1PodSpec },
            dryRun: "All",
        });
        assert.equal(pod.metadata?.name, "dry-run");
    });

    it("gives the default quota to a self-made Profile without one, and leaves the stack's and a quota'd one alone", async () => {
        const before = { teamA: await read("team-a"), bob: await read("bob") };
        runScript(["team-a"]);
        assert.deepEqual((await read("ada")).spec?.resourceQuotaSpec, { hard: QUOTA });
        const teamA = await read("team-a");
        assert.equal(teamA.spec?.resourceQuotaSpec, undefined, "the stack's Profile stays as configured");
        assert.equal(teamA.metadata?.resourceVersion, before.teamA.metadata?.resourceVersion);
        const bob = await read("bob");
        assert.deepEqual(bob.spec?.resourceQuotaSpec, { hard: { "requests.cpu": "1" } });
        assert.equal(bob.metadata?.resourceVersion, before.bob.metadata?.resourceVersion);
        // A second run changes nothing.
        const ada = await read("ada");
        runScript(["team-a"]);
        assert.equal((await read("ada")).metadata?.resourceVersion, ada.metadata?.resourceVersion);
    });

    it("its account may list and patch Profiles, and nothing else", async () => {
        const may = (verb: string, group: string, resource: string, namespace?: string): Promise<boolean> =>
            accountMay(server, ACCOUNT, { verb, group, resource, ...(namespace ? { namespace } : {}) });
        assert.equal(await may("list", "kubeflow.org", "profiles"), true);
        assert.equal(await may("patch", "kubeflow.org", "profiles"), true);
        for (const [verb, group, resource, namespace] of [
            ["create", "kubeflow.org", "profiles"],
            ["delete", "kubeflow.org", "profiles"],
            ["get", "", "secrets", "kubeflow"],
            ["create", "", "resourcequotas", "ada"],
            ["patch", "", "namespaces"],
        ] as const) {
            assert.equal(await may(verb, group, resource, namespace), false, `${verb} ${resource}`);
        }
    });
});
