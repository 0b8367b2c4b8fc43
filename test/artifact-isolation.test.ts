/**
 * Each profile namespace its own object-store key on the MinIO releases (v1.7.0 to
 * v1.10.2): the render's profile controller copies a key MinIO does not know, Argo and
 * KFP v2 write under `private-artifacts/<namespace>/`, and the CronJob's script, run
 * here with kubectl and jq as the CronJob's account against the real API server, gives
 * each namespace its own MinIO user and writes that key and the namespace's pipeline
 * root where the pipelines read them.
 *
 * What MinIO itself does with the calls is not run here (no MinIO on these machines):
 * the `mc` on PATH is a recorder, and the policy's meaning is checked with MinIO's
 * wildcard rule for resources (minio RELEASE.2019-08-14T20-37-41Z
 * pkg/iam/policy/resource.go: `*` any run of characters, `/` included; `?` one).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as k8s from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import {
    ARTIFACT_BUCKET,
    ARTIFACT_KEYS,
    ARTIFACT_KEYS_NAMESPACE,
    ARTIFACT_KEYS_SCRIPT,
    POLICY_TEMPLATE,
    UNASSIGNED_KEY,
    UNASSIGNED_ROOT,
    artifactKeysObjects,
    copiesRootKey,
    isolateArtifacts,
    namespacePolicy,
    namespacedKeyFormat,
} from "../manifests/authorization/artifact-isolation";
import { findRelease } from "../manifests/catalog";
import { MIGRATION_JOB, REPLACE_KEYS_SCRIPT, artifactMigration } from "../manifests/upgrades/artifacts";
import { KubeObject, objectKey } from "../manifests/types";
import { ServerSideApplier } from "../tools/kube-apply";
import { KubeServer, startKubeServer } from "../tools/kube-server";
import { accountMay, onPath, runScriptAs } from "./support/as-account";
import { kubeBinariesOrSkip } from "./support/kube";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const ACCOUNT = { namespace: ARTIFACT_KEYS_NAMESPACE, name: ARTIFACT_KEYS };

interface Statement {
    Effect: string;
    Action: string[];
    Resource: string[];
    Condition?: { StringLike?: Record<string, string[]> };
}

/** MinIO's resource match: `*` any run of characters (slashes too), `?` exactly one. */
function wildcard(pattern: string, value: string): boolean {
    const source = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${source}$`).test(value);
}

/** Whether namespacePolicy allows `action` on an object key, or (ListBucket) a listing with that prefix. */
function allows(policy: Record<string, unknown>, action: string, key: string): boolean {
    return (policy.Statement as Statement[]).some((s) => {
        if (s.Effect !== "Allow" || !s.Action.includes(action)) {
            return false;
        }
        if (action === "s3:ListBucket") {
            const prefixes = s.Condition?.StringLike?.["s3:prefix"] ?? ["*"];
            return s.Resource.includes(`arn:aws:s3:::${ARTIFACT_BUCKET}`) && prefixes.some((p) => wildcard(p, key));
        }
        return s.Resource.some((r) => wildcard(r, `arn:aws:s3:::${ARTIFACT_BUCKET}/${key}`));
    });
}

/** What Argo's keyFormat gives for a workflow (its date and pod variables filled in). */
function argoKey(keyFormat: string, namespace: string): string {
    return keyFormat
        .replace(/\{\{workflow\.namespace\}\}/g, namespace)
        .replace(/\{\{workflow\.name\}\}/g, "train-x7k2p")
        .replace(/\{\{workflow\.creationTimestamp\.(\w)\}\}/g, (_m, part: string) => ({ Y: "2026", m: "12", d: "05" })[part] ?? part)
        .replace(/\{\{pod\.name\}\}/g, "train-x7k2p-123");
}

const minioRenders = (): string[] => availableRenders().filter((id) => findRelease(id)?.objectStore === "minio");

describe("artifact isolation: the render (every MinIO release)", { skip: skipWithoutRenders() }, () => {
    it("finds the copied root key on exactly the MinIO releases", () => {
        assert.ok(minioRenders().length >= 4, minioRenders().join(", "));
        for (const id of availableRenders()) {
            assert.equal(copiesRootKey(loadRender(id)), findRelease(id)?.objectStore === "minio", id);
        }
    });

    for (const id of minioRenders()) {
        it(`${id}: the profile controller copies the unassigned key and writes kfp-launcher; Argo writes under the workflow's namespace`, () => {
            const render = loadRender(id);
            const frozen = JSON.stringify(render);
            const out = isolateArtifacts(render);
            assert.equal(JSON.stringify(render), frozen, "the input is not changed");

            const controller = out.find((o) => objectKey(o) === "apps/Deployment:kubeflow/kubeflow-pipelines-profile-controller");
            assert.ok(controller);
            const env = (
                controller.spec as { template: { spec: { containers: { env?: { name: string; value?: string; valueFrom?: unknown }[] }[] } } }
            ).template.spec.containers.flatMap((c) => c.env ?? []);
            const byName = new Map(env.map((e) => [e.name, e]));
            assert.deepEqual(byName.get("MINIO_ACCESS_KEY"), { name: "MINIO_ACCESS_KEY", value: UNASSIGNED_KEY });
            assert.deepEqual(byName.get("MINIO_SECRET_KEY"), { name: "MINIO_SECRET_KEY", value: UNASSIGNED_KEY });
            assert.deepEqual(byName.get("KFP_DEFAULT_PIPELINE_ROOT"), { name: "KFP_DEFAULT_PIPELINE_ROOT", value: UNASSIGNED_ROOT });
            assert.equal(env.filter((e) => e.name === "MINIO_ACCESS_KEY").length, 1);
            assert.doesNotMatch(JSON.stringify(controller), /mlpipeline-minio-artifact/, "the controller no longer reads the root key");

            const config = (o: readonly KubeObject[]): { s3: { keyFormat: string; bucket: string; accessKeySecret: { name: string } } } => {
                const cm = o.find((x) => objectKey(x) === "/ConfigMap:kubeflow/workflow-controller-configmap");
                assert.ok(cm);
                return yaml.load((cm.data as Record<string, string>).artifactRepository) as {
                    s3: { keyFormat: string; bucket: string; accessKeySecret: { name: string } };
                };
            };
            const upstream = config(render).s3;
            const changed = config(out).s3;
            assert.match(upstream.keyFormat, /^artifacts\/\{\{workflow\.name\}\}\//, "upstream's keys carry no namespace");
            assert.equal(changed.keyFormat, namespacedKeyFormat(upstream.keyFormat));
            assert.match(changed.keyFormat, /^private-artifacts\/\{\{workflow\.namespace\}\}\/\{\{workflow\.name\}\}\//);
            assert.equal(changed.bucket, ARTIFACT_BUCKET);
            assert.equal(changed.accessKeySecret.name, "mlpipeline-minio-artifact", "credentials still from the workflow's namespace");

            const install = render.find((o) => objectKey(o) === "/ConfigMap:kubeflow/pipeline-install-config");
            assert.equal((install?.data as Record<string, string> | undefined)?.bucketName, ARTIFACT_BUCKET);
            const minio = render.find((o) => objectKey(o) === "/Service:kubeflow/minio-service");
            assert.ok((minio?.spec as { ports: { port: number }[] }).ports.some((p) => p.port === 9000));

            const ui = (o: readonly KubeObject[]): { name: string; value?: string }[] => {
                const d = o.find((x) => objectKey(x) === "apps/Deployment:kubeflow/ml-pipeline-ui");
                assert.ok(d);
                return (d.spec as { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } }).template.spec.containers.flatMap(
                    (c) => c.env ?? [],
                );
            };
            const readsArchivedLogs = ui(render).some((e) => e.name === "ARGO_ARCHIVE_LOGS");
            assert.equal(readsArchivedLogs, id === "v1.10.2", "only KFP 2.5.0's UI reads archived logs itself");
            assert.deepEqual(
                ui(out).filter((e) => e.name === "ARGO_KEYFORMAT"),
                readsArchivedLogs ? [{ name: "ARGO_KEYFORMAT", value: changed.keyFormat }] : [],
                "the UI finds the archived logs where Argo now writes them",
            );

            for (const added of artifactKeysObjects()) {
                assert.ok(
                    out.some((o) => objectKey(o) === objectKey(added)),
                    objectKey(added),
                );
            }
        });
    }

    it("leaves the SeaweedFS releases as they are (their controller gives each namespace its own identity)", () => {
        for (const id of availableRenders().filter((r) => findRelease(r)?.objectStore === "seaweedfs")) {
            const render = loadRender(id);
            assert.deepEqual(isolateArtifacts(render), render, id);
        }
    });
});

describe("artifact isolation: a namespace's policy", () => {
    const keyFormat = namespacedKeyFormat(
        "artifacts/{{workflow.name}}/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}/{{workflow.creationTimestamp.d}}/{{pod.name}}",
    );

    it("allows the namespace's own Argo and KFP v2 keys, and listing under its prefix", () => {
        const policy = namespacePolicy("team-a");
        const own = [argoKey(keyFormat, "team-a") + "/main.log", "private-artifacts/team-a/v2/artifacts/train/3f2a/model/model.pt"];
        for (const key of own) {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                assert.ok(allows(policy, action, key), `${action} ${key}`);
            }
        }
        assert.ok(allows(policy, "s3:ListBucket", "private-artifacts/team-a/"));
    });

    it("allows nothing of another namespace, one whose name extends it, upstream's shared prefixes or the pipeline packages", () => {
        const policy = namespacePolicy("team-a");
        const foreign = [
            argoKey(keyFormat, "team-ab") + "/main.log",
            argoKey(keyFormat, "team-b") + "/main.log",
            "private-artifacts/team-ab/v2/artifacts/x",
            "artifacts/train-x7k2p/2026/12/05/train-x7k2p-123/main.log",
            "v2/artifacts/train/3f2a/model/model.pt",
            "pipelines/0b5c1a.yaml",
        ];
        for (const key of foreign) {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]) {
                assert.ok(!allows(policy, action, key), `${action} ${key}`);
            }
        }
        assert.ok(!allows(policy, "s3:ListBucket", ""), "no listing of the whole bucket");
        assert.ok(!allows(policy, "s3:ListBucket", "private-artifacts/"), "no listing of the other namespaces");
    });

    it("is what the script writes for a namespace (the template with the name filled in)", () => {
        for (const ns of ["team-a", "kubeflow-user-example-com", "a"]) {
            assert.deepEqual(JSON.parse(POLICY_TEMPLATE.replaceAll("__NAMESPACE__", ns)), namespacePolicy(ns));
        }
    });
});

function skipReason(): string | false {
    const binaries = kubeBinariesOrSkip();
    if (typeof binaries === "string") {
        return binaries;
    }
    return ["kubectl", "jq", "sha256sum"].every(onPath) ? false : "kubectl, jq and sha256sum are needed on PATH to run the CronJob's script";
}

/** The access key the script derives for a namespace. */
const accessKeyOf = (ns: string): string => `kfp${createHash("sha256").update(ns).digest("hex").slice(0, 17)}`;

/** A recorder in place of mc: one tab-separated line per call; fails for a policy naming team-fail. */
const FAKE_MC = [
    "#!/bin/sh",
    'case "$1 $2 $3" in',
    '  "admin policy add") printf "policy-add\\t%s\\t%s\\t%s\\n" "$5" "$(cat "$6")" "$MC_HOST_kfp" >> "$MC_LOG"; grep -q team-fail "$6" && exit 1 ;;',
    '  "admin user add") printf "user-add\\t%s\\t%s\\n" "$5" "$6" >> "$MC_LOG" ;;',
    '  "admin policy set") printf "policy-set\\t%s\\t%s\\n" "$5" "$6" >> "$MC_LOG" ;;',
    '  *) echo "unexpected mc call: $*" >&2; exit 2 ;;',
    "esac",
    "exit 0",
    "",
].join("\n");

describe("artifact isolation: the CronJob on the real API server", { skip: skipReason() }, () => {
    let server: KubeServer;
    let dir: string;
    let bin: string;
    const log = (): string[][] =>
        (fs.existsSync(path.join(dir, "mc.log")) ? fs.readFileSync(path.join(dir, "mc.log"), "utf8") : "")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split("\t"));
    const api = (): k8s.KubernetesObjectApi => k8s.KubernetesObjectApi.makeApiClient(server.config);
    const secretOf = async (ns: string): Promise<Record<string, string>> => {
        const s = await api().read<k8s.V1Secret>({ apiVersion: "v1", kind: "Secret", metadata: { name: "mlpipeline-minio-artifact", namespace: ns } });
        return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    };
    const rootOf = async (ns: string): Promise<string | undefined> =>
        (await api().read<k8s.V1ConfigMap>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kfp-launcher", namespace: ns } })).data
            ?.defaultPipelineRoot;
    const run = (): ReturnType<typeof runScriptAs> => {
        fs.rmSync(path.join(dir, "mc.log"), { force: true });
        return runScriptAs(
            server,
            dir,
            ACCOUNT,
            ARTIFACT_KEYS_SCRIPT,
            {
                ROOT_ACCESS_KEY: "rootak",
                ROOT_SECRET_KEY: "rootsk",
                MINIO_ENDPOINT: "minio-service.kubeflow:9000",
                POLICY_TEMPLATE,
                MC_LOG: path.join(dir, "mc.log"),
            },
            `${bin}:`,
        );
    };

    const namespace = (name: string, enabled: boolean): KubeObject => ({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, ...(enabled ? { labels: { "pipelines.kubeflow.org/enabled": "true" } } : {}) },
    });
    const secret = (ns: string, accesskey: string): KubeObject => ({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "mlpipeline-minio-artifact", namespace: ns },
        stringData: { accesskey, secretkey: accesskey },
    });
    const launcher = (ns: string): KubeObject => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "kfp-launcher", namespace: ns },
        data: { defaultPipelineRoot: UNASSIGNED_ROOT },
    });
    const artifactServer = (ns: string): KubeObject => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "ml-pipeline-ui-artifact", namespace: ns },
        spec: {
            selector: { matchLabels: { app: "ml-pipeline-ui-artifact" } },
            template: {
                metadata: { labels: { app: "ml-pipeline-ui-artifact" } },
                spec: { containers: [{ name: "ui", image: "ghcr.io/kubeflow/kfp-frontend:2.5.0" }] },
            },
        },
    });

    before(async () => {
        const binaries = kubeBinariesOrSkip();
        assert.ok(typeof binaries !== "string");
        server = await startKubeServer(binaries);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeflow-azure-artifact-keys-"));
        bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "mc"), FAKE_MC, { mode: 0o755 });
        const applier = new ServerSideApplier(server.config);
        const objects: KubeObject[] = [
            // Enforcing the restricted Pod Security Standard, as kubeflow does from v1.11.0, and
            // (wrongly) labelled as a profile namespace: the root key it holds must stay as it is.
            {
                apiVersion: "v1",
                kind: "Namespace",
                metadata: {
                    name: ARTIFACT_KEYS_NAMESPACE,
                    labels: { "pod-security.kubernetes.io/enforce": "restricted", "pipelines.kubeflow.org/enabled": "true" },
                },
            },
            secret(ARTIFACT_KEYS_NAMESPACE, "root-key"),
            launcher(ARTIFACT_KEYS_NAMESPACE),
            ...artifactKeysObjects(),
        ];
        for (const ns of ["team-a", "team-ab", "team-b"]) {
            objects.push(namespace(ns, true), secret(ns, UNASSIGNED_KEY), launcher(ns), artifactServer(ns));
        }
        // The profile controller has not written kfp-launcher yet.
        objects.push(namespace("pending", true), secret("pending", UNASSIGNED_KEY));
        // Not served by the pipelines: its Secret is none of the CronJob's business.
        objects.push(namespace("plain", false), secret("plain", "someone-elses"), launcher("plain"));
        for (const o of objects) {
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
        const cronJob = artifactKeysObjects().find((o) => o.kind === "CronJob");
        assert.ok(cronJob);
        const template = (cronJob.spec as { jobTemplate: { spec: { template: { spec: k8s.V1PodSpec } } } }).jobTemplate.spec.template;
        const pod = await server.config.makeApiClient(k8s.CoreV1Api).createNamespacedPod({
            namespace: ARTIFACT_KEYS_NAMESPACE,
            body: { apiVersion: "v1", kind: "Pod", metadata: { name: "dry-run" }, spec: template.spec },
            dryRun: "All",
        });
        assert.equal(pod.metadata?.name, "dry-run");
    });

    it("gives each served namespace its own key and prefix, MinIO first, and leaves the others alone", async () => {
        const result = run();
        assert.equal(result.status, 0, result.stderr);
        const calls = log();
        for (const ns of ["team-a", "team-ab", "team-b"]) {
            const ak = accessKeyOf(ns);
            assert.equal(ak.length, 20, "MinIO of this era takes access keys of 3 to 20 characters");
            const s = await secretOf(ns);
            assert.equal(s.accesskey, ak, ns);
            assert.match(s.secretkey, /^[A-Za-z0-9]{32}$/);
            assert.equal(await rootOf(ns), `minio://${ARTIFACT_BUCKET}/private-artifacts/${ns}/v2/artifacts`);
            const ours = calls.filter((c) => c[1] === ak);
            assert.deepEqual(
                ours.map((c) => c[0]),
                ["policy-add", "user-add", "policy-set"],
            );
            assert.deepEqual(JSON.parse(ours[0][2]), namespacePolicy(ns));
            assert.equal(ours[0][3], "http://rootak:rootsk@minio-service.kubeflow:9000", "mc speaks to MinIO with the root key");
            assert.equal(ours[1][2], s.secretkey, "MinIO holds the secret the namespace holds");
            assert.equal(ours[2][2], `user=${ak}`);
            assert.match(result.stdout, new RegExp(`${ns}: own key ${ak}`));
            const deployment = await api().read<k8s.V1Deployment>({
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "ml-pipeline-ui-artifact", namespace: ns },
            });
            assert.ok(deployment.spec?.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"], "the artifact server restarts onto the new key");
        }
        assert.notEqual((await secretOf("team-a")).secretkey, (await secretOf("team-b")).secretkey);
        assert.deepEqual(await secretOf("pending"), { accesskey: UNASSIGNED_KEY, secretkey: UNASSIGNED_KEY }, "left for the run after kfp-launcher exists");
        assert.match(result.stdout, /pending: no kfp-launcher yet/);
        assert.deepEqual(await secretOf("plain"), { accesskey: "someone-elses", secretkey: "someone-elses" });
        assert.deepEqual(await secretOf(ARTIFACT_KEYS_NAMESPACE), { accesskey: "root-key", secretkey: "root-key" }, "the root key is never replaced");
        assert.equal(await rootOf("plain"), UNASSIGNED_ROOT);
        assert.ok(!calls.some((c) => c[1] === accessKeyOf("plain") || c[1] === accessKeyOf("pending")));
    });

    it("keeps each namespace's secret on the next run, and says it again to MinIO", async () => {
        const before = await secretOf("team-a");
        const result = run();
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(await secretOf("team-a"), before);
        const userAdd = log().find((c) => c[0] === "user-add" && c[1] === accessKeyOf("team-a"));
        assert.deepEqual(userAdd, ["user-add", accessKeyOf("team-a"), before.secretkey]);
        assert.doesNotMatch(result.stdout, /own key/, "no namespace got a new key");
    });

    it("reports a namespace MinIO refuses, goes on with the others, and fails the Job", async () => {
        const applier = new ServerSideApplier(server.config);
        for (const o of [
            namespace("team-fail", true),
            secret("team-fail", UNASSIGNED_KEY),
            launcher("team-fail"),
            namespace("team-z", true),
            secret("team-z", UNASSIGNED_KEY),
            launcher("team-z"),
        ]) {
            await applier.apply(o);
        }
        const result = run();
        assert.equal(result.status, 1);
        assert.match(result.stderr, /team-fail: failed/);
        assert.deepEqual(await secretOf("team-fail"), { accesskey: UNASSIGNED_KEY, secretkey: UNASSIGNED_KEY }, "no key MinIO does not hold");
        assert.equal((await secretOf("team-z")).accesskey, accessKeyOf("team-z"), "the namespace after it still got its key");
    });

    it("the upgrade to SeaweedFS deletes every served namespace's key, for the newer controller to issue its own", async () => {
        const migration = artifactMigration(findRelease("v1.10.2"), findRelease("v1.11.0") ?? assert.fail(), [
            {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: "mlpipeline-minio-artifact", namespace: "kubeflow" },
                stringData: { accesskey: "a", secretkey: "b" },
            },
            {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "seaweedfs", namespace: "kubeflow" },
                spec: { template: { metadata: { labels: { app: "seaweedfs" } } } },
            },
            {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "seaweedfs", namespace: "kubeflow" },
                spec: { selector: { app: "seaweedfs" }, ports: [{ port: 8333 }] },
            },
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "pipeline-install-config", namespace: "kubeflow" }, data: { bucketName: "mlpipeline" } },
        ]);
        assert.ok(migration);
        const applier = new ServerSideApplier(server.config);
        for (const o of migration.objects.filter((x) => x.kind !== "Job")) {
            await applier.apply(o);
        }
        const account = { namespace: "kubeflow", name: MIGRATION_JOB };
        const result = runScriptAs(server, dir, account, REPLACE_KEYS_SCRIPT, {});
        assert.equal(result.status, 0, result.stderr);
        const exists = async (ns: string): Promise<boolean> =>
            api()
                .read({ apiVersion: "v1", kind: "Secret", metadata: { name: "mlpipeline-minio-artifact", namespace: ns } })
                .then(
                    () => true,
                    () => false,
                );
        for (const ns of ["team-a", "team-b", "pending", "team-z"]) {
            assert.equal(await exists(ns), false, ns);
        }
        assert.equal(await exists("plain"), true, "a namespace the pipelines do not serve keeps its Secret");
        assert.equal(await exists(ARTIFACT_KEYS_NAMESPACE), true, "the store's own key is never deleted");
        assert.equal(
            await accountMay(server, account, { verb: "get", group: "", resource: "secrets", namespace: "team-a", name: "mlpipeline-minio-artifact" }),
            false,
        );
        assert.equal(
            await accountMay(server, account, { verb: "delete", group: "", resource: "secrets", namespace: "team-a", name: "default-editor-token" }),
            false,
        );
        // A second attempt of the Job finds nothing to delete and succeeds.
        assert.equal(runScriptAs(server, dir, account, REPLACE_KEYS_SCRIPT, {}).status, 0);
    });

    it("its account reads and writes only the named objects, and lists namespaces", async () => {
        const may = (verb: string, group: string, resource: string, namespace?: string, name?: string): Promise<boolean> =>
            accountMay(server, ACCOUNT, { verb, group, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) });
        assert.equal(await may("list", "", "namespaces"), true);
        assert.equal(await may("patch", "", "secrets", "team-a", "mlpipeline-minio-artifact"), true);
        assert.equal(await may("patch", "", "configmaps", "team-a", "kfp-launcher"), true);
        for (const [verb, group, resource, namespace, name] of [
            ["get", "", "secrets", "team-a", "default-editor-token"],
            ["list", "", "secrets", "team-a", undefined],
            ["create", "", "secrets", "team-a", undefined],
            ["get", "", "secrets", "kubeflow", "kubeflow-azure-entra"],
            ["patch", "", "configmaps", "team-a", "other"],
            ["patch", "apps", "deployments", "team-a", "other"],
            ["delete", "", "namespaces", undefined, "team-a"],
        ] as const) {
            assert.equal(await may(verb, group, resource, namespace, name), false, `${verb} ${resource} ${name ?? ""}`);
        }
    });
});
