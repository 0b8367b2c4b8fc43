import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { moveToServedVersions } from "../manifests/transforms/served-versions";
import { KubeObject } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const hpa = (apiVersion: string): KubeObject => ({
    apiVersion,
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "webhook", namespace: "knative-serving" },
    spec: { maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 100 } } }] },
});

describe("objects at API versions the cluster serves", () => {
    it("moves an autoscaling/v2beta2 HorizontalPodAutoscaler to autoscaling/v2, fields as they are, the input untouched", () => {
        const input = [hpa("autoscaling/v2beta2")];
        const out = moveToServedVersions(input, "1.32", "v1.7.0");
        assert.deepEqual(out.problems, []);
        assert.deepEqual(out.objects, [{ ...hpa("autoscaling/v2beta2"), apiVersion: "autoscaling/v2" }]);
        assert.deepEqual(out.moved, ["autoscaling/HorizontalPodAutoscaler:knative-serving/webhook: autoscaling/v2beta2 -> autoscaling/v2"]);
        assert.equal(input[0].apiVersion, "autoscaling/v2beta2");
    });

    it("moves it on any cluster that serves autoscaling/v2 (1.23 on), and leaves it on an older one that still serves v2beta2", () => {
        assert.equal(moveToServedVersions([hpa("autoscaling/v2beta2")], "1.23.4", "v1.7.0").objects[0].apiVersion, "autoscaling/v2");
        assert.equal(moveToServedVersions([hpa("autoscaling/v2beta2")], "1.22", "v1.7.0").objects[0].apiVersion, "autoscaling/v2beta2");
    });

    it("refuses, all at once, what is no longer served and has no same-fields successor, naming object, release and version", () => {
        const cron: KubeObject = { apiVersion: "batch/v1beta1", kind: "CronJob", metadata: { name: "c", namespace: "kubeflow" } };
        const ingress: KubeObject = { apiVersion: "networking.k8s.io/v1beta1", kind: "Ingress", metadata: { name: "i", namespace: "kubeflow" } };
        const out = moveToServedVersions([cron, ingress, hpa("autoscaling/v2beta1")], "1.32", "v1.7.0");
        assert.deepEqual(
            out.problems.map((p) => p.where),
            ["batch/CronJob:kubeflow/c", "networking.k8s.io/Ingress:kubeflow/i", "autoscaling/HorizontalPodAutoscaler:knative-serving/webhook"],
        );
        assert.match(out.problems[0].value, /batch\/v1beta1 CronJob in Kubeflow v1\.7\.0/);
        assert.match(out.problems[0].rule, /Kubernetes 1\.32 no longer serves it \(removed in 1\.25\)/);
        // Still served on 1.24: nothing to say.
        assert.deepEqual(moveToServedVersions([cron], "1.24", "v1.7.0").problems, []);
    });

    it("on the real renders at 1.32: v1.7.0's knative-serving/webhook HPA is the one object moved, nothing refused", { skip: skipWithoutRenders() }, () => {
        for (const id of availableRenders()) {
            const out = moveToServedVersions(loadRender(id), "1.32", id);
            assert.deepEqual(out.problems, [], id);
            assert.deepEqual(
                out.moved,
                id === "v1.7.0" ? ["autoscaling/HorizontalPodAutoscaler:knative-serving/webhook: autoscaling/v2beta2 -> autoscaling/v2"] : [],
                id,
            );
        }
    });
});
