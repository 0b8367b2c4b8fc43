import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeObject } from "../manifests/types";
import { CONFIG_DIGEST_ANNOTATION, readsOf, rolloutOnConfigChange } from "../manifests/upgrades/config-rollout";
import { replacementFields } from "../manifests/upgrades/replacement";
import { loadRender, skipWithoutRenders } from "./upstream";

const configMap = (name: string, data: Record<string, string>, namespace = "kubeflow"): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    data,
});

const deployment = (kind: string, reads: Record<string, unknown>, namespace = "kubeflow"): KubeObject => ({
    apiVersion: kind === "Job" ? "batch/v1" : "apps/v1",
    kind,
    metadata: { name: "server", namespace },
    spec: { template: { metadata: { labels: { app: "server" } }, spec: { containers: [{ name: "c", ...reads }] } } },
});

function digestOf(o: KubeObject): string | undefined {
    return (o.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations?.[
        CONFIG_DIGEST_ANNOTATION
    ];
}

describe("ConfigMaps and Secrets change in place, and the pods that read them roll", () => {
    const reads = { envFrom: [{ configMapRef: { name: "server-config" } }] };

    it("a workload's digest follows the content of the ConfigMap it reads, and nothing else", () => {
        const v1 = rolloutOnConfigChange([configMap("server-config", { LEVEL: "info" }), configMap("other", { X: "1" }), deployment("Deployment", reads)]);
        const v2 = rolloutOnConfigChange([configMap("server-config", { LEVEL: "debug" }), configMap("other", { X: "1" }), deployment("Deployment", reads)]);
        const unrelated = rolloutOnConfigChange([
            configMap("server-config", { LEVEL: "info" }),
            configMap("other", { X: "2" }),
            deployment("Deployment", reads),
        ]);
        const d1 = digestOf(v1[2]);
        assert.match(d1 ?? "", /^[0-9a-f]{16}$/);
        assert.notEqual(digestOf(v2[2]), d1, "new data, new template: the pods roll");
        assert.equal(digestOf(unrelated[2]), d1, "a ConfigMap it does not read changes nothing");
        // The same name in another namespace is another object.
        const elsewhere = rolloutOnConfigChange([configMap("server-config", { LEVEL: "debug" }, "other-ns"), deployment("Deployment", reads)]);
        assert.equal(digestOf(elsewhere[1]), undefined);
        // Key order is not content.
        const a = rolloutOnConfigChange([configMap("server-config", { A: "1", B: "2" }), deployment("StatefulSet", reads)]);
        const b = rolloutOnConfigChange([configMap("server-config", { B: "2", A: "1" }), deployment("StatefulSet", reads)]);
        assert.equal(digestOf(a[1]), digestOf(b[1]));
    });

    it("reads every way a pod names a ConfigMap or Secret, and leaves Jobs (immutable templates) and inputs alone", () => {
        assert.deepEqual(
            readsOf({
                initContainers: [{ env: [{ valueFrom: { secretKeyRef: { name: "s1" } } }] }],
                containers: [{ env: [{ valueFrom: { configMapKeyRef: { name: "c1" } } }], envFrom: [{ secretRef: { name: "s2" } }] }],
                volumes: [
                    { configMap: { name: "c2" } },
                    { secret: { secretName: "s3" } },
                    { projected: { sources: [{ configMap: { name: "c3" } }, { secret: { name: "s4" } }] } },
                ],
            }),
            ["ConfigMap c1", "ConfigMap c2", "ConfigMap c3", "Secret s1", "Secret s2", "Secret s3", "Secret s4"],
        );
        const input = [configMap("server-config", { LEVEL: "info" }), deployment("Job", reads)];
        const frozen = JSON.stringify(input);
        const out = rolloutOnConfigChange(input);
        assert.equal(out[1], input[1], "a Job is returned as it is");
        assert.equal(JSON.stringify(input), frozen, "inputs are not mutated");
    });

    it("a ConfigMap's new data is an update for the provider, unless it is immutable (then a replacement)", () => {
        assert.deepEqual(replacementFields(configMap("c", { A: "1" }), configMap("c", { A: "2" })), []);
        assert.deepEqual(replacementFields({ ...configMap("c", { A: "1" }), immutable: true }, { ...configMap("c", { A: "2" }), immutable: true }), ["data"]);
        const secret = (v: string): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n" }, stringData: { k: v } });
        assert.deepEqual(replacementFields(secret("a"), secret("b")), []);
    });

    it("on a real release (v1.10.2): ml-pipeline's pods roll when pipeline-install-config changes", { skip: skipWithoutRenders() }, () => {
        const render = loadRender("v1.10.2");
        const before = rolloutOnConfigChange(render);
        const changed = render.map((o) =>
            o.kind === "ConfigMap" && o.metadata.name === "pipeline-install-config"
                ? { ...o, data: { ...(o.data as Record<string, string>), cacheImage: "example.invalid/cache:2" } }
                : o,
        );
        const after = rolloutOnConfigChange(changed);
        const find = (list: KubeObject[], name: string): KubeObject => {
            const o = list.find((x) => x.kind === "Deployment" && x.metadata.namespace === "kubeflow" && x.metadata.name === name);
            assert.ok(o, name);
            return o;
        };
        assert.ok(digestOf(find(before, "ml-pipeline")));
        assert.notEqual(digestOf(find(after, "ml-pipeline")), digestOf(find(before, "ml-pipeline")));
        // A workload that does not read it keeps its digest.
        const others = before.filter((o, i) => digestOf(o) !== undefined && digestOf(o) === digestOf(after[i]));
        assert.ok(others.length > 0, "some workloads read other objects only");
    });
});
