import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RELEASES, Release, findRelease } from "../manifests/catalog";
import { KubeObject } from "../manifests/types";
import { MC_IMAGE, MIGRATION_JOB, REPLACE_KEYS_SCRIPT, RETIRED_SERVICE, artifactMigration } from "../manifests/upgrades/artifacts";
import { loadRender, skipWithoutRenders } from "./upstream";

const release = (id: string): Release => {
    const r = findRelease(id);
    assert.ok(r, id);
    return r;
};

interface Container {
    name: string;
    image: string;
    args?: string[];
    command?: string[];
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    ports?: { containerPort: number }[];
}

interface PodTemplate {
    metadata?: { labels?: Record<string, string> };
    spec: {
        automountServiceAccountToken?: boolean;
        initContainers?: Container[];
        containers: Container[];
    };
}

const templateOf = (o: KubeObject | undefined): PodTemplate => {
    assert.ok(o);
    return (o.spec as { template: PodTemplate }).template;
};

describe("the pipelines' artifacts cross from MinIO to SeaweedFS", () => {
    it("the catalog says which store each release runs, as its render has it", { skip: skipWithoutRenders() }, () => {
        for (const r of RELEASES) {
            const render = loadRender(r.id);
            const has = (name: string): boolean =>
                render.some((o) => o.kind === "Deployment" && o.metadata.namespace === "kubeflow" && o.metadata.name === name);
            assert.equal(has("minio"), r.objectStore === "minio", r.id);
            assert.equal(has("seaweedfs"), r.objectStore === "seaweedfs", r.id);
        }
    });

    it("nothing to copy on a first deploy, or between two releases of the same store", () => {
        const objects: KubeObject[] = [];
        assert.equal(artifactMigration(undefined, release("v1.11.0"), objects), undefined);
        assert.equal(artifactMigration(release("v1.9.1"), release("v1.10.2"), objects), undefined);
        assert.equal(artifactMigration(release("v1.11.0"), release("26.03"), objects), undefined);
    });

    for (const [from, to] of [
        ["v1.10.2", "v1.11.0"],
        ["v1.10.2", "26.03"],
        ["v1.7.0", "v1.11.0"],
    ]) {
        it(
            `${from} -> ${to}: a Service to the older release's MinIO pods and a Job that mirrors the bucket into SeaweedFS's S3 port`,
            { skip: skipWithoutRenders() },
            () => {
                const plan = artifactMigration(release(from), release(to), loadRender(to));
                assert.ok(plan);
                assert.equal(plan.bucket, "mlpipeline");
                assert.equal(plan.source, `${RETIRED_SERVICE}.kubeflow.svc.cluster.local:9000`);
                assert.equal(plan.target, "seaweedfs.kubeflow.svc.cluster.local:8333");
                // The Service selects the pods of the older release's MinIO Deployment, on its port.
                const older = loadRender(from).find((o) => o.kind === "Deployment" && o.metadata.namespace === "kubeflow" && o.metadata.name === "minio");
                const service = plan.objects.find((o) => o.kind === "Service");
                const selector = (service?.spec as { selector: Record<string, string>; ports: { port: number; targetPort: number }[] }).selector;
                const labels = templateOf(older).metadata?.labels ?? {};
                assert.ok(Object.keys(selector).length > 0);
                for (const [k, v] of Object.entries(selector)) {
                    assert.equal(labels[k], v, `${from}'s MinIO pods carry ${k}=${v}`);
                }
                const port = (service?.spec as { ports: { targetPort: number }[] }).ports[0].targetPort;
                assert.ok(templateOf(older).spec.containers[0].ports?.some((p) => p.containerPort === port));
                // No pod of the newer release carries those labels: the Service reaches the retired pods only.
                for (const o of loadRender(to).filter((x) => x.kind === "Deployment" || x.kind === "StatefulSet")) {
                    const l = templateOf(o).metadata?.labels ?? {};
                    assert.ok(!Object.entries(selector).every(([k, v]) => l[k] === v), `${o.metadata.name} would be selected`);
                }
                // The Job: mc mirror first, the keys by reference only; then the namespaces' keys deleted.
                const job = plan.objects.find((o) => o.kind === "Job");
                assert.equal(job?.metadata.name, MIGRATION_JOB);
                const [container, ...moreFirst] = templateOf(job).spec.initContainers ?? [];
                assert.equal(moreFirst.length, 0);
                const [replace, ...more] = templateOf(job).spec.containers;
                assert.equal(more.length, 0);
                assert.deepEqual(replace.command, ["/bin/sh", "-c", REPLACE_KEYS_SCRIPT]);
                assert.equal(templateOf(job).spec.automountServiceAccountToken, true);
                const role = plan.objects.find((o) => o.kind === "ClusterRole") as (KubeObject & { rules: unknown[] }) | undefined;
                assert.deepEqual(role?.rules, [
                    { apiGroups: [""], resources: ["namespaces"], verbs: ["list"] },
                    { apiGroups: [""], resources: ["secrets"], resourceNames: ["mlpipeline-minio-artifact"], verbs: ["delete"] },
                ]);
                assert.equal(container.image, MC_IMAGE);
                assert.deepEqual(container.args, ["--config-dir", "/tmp/mc", "mirror", "--overwrite", "retired/mlpipeline", "seaweedfs/mlpipeline"]);
                const env = new Map((container.env ?? []).map((e) => [e.name, e]));
                assert.deepEqual(env.get("ACCESS_KEY")?.valueFrom, { secretKeyRef: { name: "mlpipeline-minio-artifact", key: "accesskey" } });
                assert.equal(env.get("MC_HOST_retired")?.value, `http://$(ACCESS_KEY):$(SECRET_KEY)@${plan.source}`);
                assert.equal(env.get("MC_HOST_seaweedfs")?.value, `http://$(ACCESS_KEY):$(SECRET_KEY)@${plan.target}`);
                // SeaweedFS reads its admin's keys from the same Secret.
                const store = loadRender(to).find((o) => o.kind === "Deployment" && o.metadata.name === "seaweedfs");
                assert.match(JSON.stringify(templateOf(store).spec), /"secretRef":\{"name":"mlpipeline-minio-artifact"\}/);
                assert.doesNotMatch(JSON.stringify(plan.objects), /minio123/, "no upstream default key");
                assert.equal(job?.metadata.annotations?.["pulumi.com/timeoutSeconds"], "14400");
            },
        );
    }

    it("a render without what the copy needs is refused, naming every missing piece", () => {
        assert.throws(
            () => artifactMigration(release("v1.10.2"), release("v1.11.0"), []),
            (e: Error) => {
                assert.match(e.message, /v1\.10\.2 -> v1\.11\.0: cannot plan the copy/);
                assert.match(e.message, /kubeflow\/mlpipeline-minio-artifact/);
                assert.match(e.message, /kubeflow\/seaweedfs/);
                assert.match(e.message, /kubeflow\/pipeline-install-config/);
                return true;
            },
        );
    });
});
