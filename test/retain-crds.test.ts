import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { retainCustomResourceDefinitions } from "../components/retain-crds";
import { retainedWhenDropped } from "../manifests/upgrades/retained";

const args = (type: string, custom = true): pulumi.ResourceTransformArgs => ({ type, name: "child", custom, props: { a: 1 }, opts: { protect: false } });

describe("a CRD a newer release drops stays on the cluster with its objects", () => {
    it("the group's transform registers each CustomResourceDefinition child with retainOnDelete, its other options kept", () => {
        assert.deepEqual(retainCustomResourceDefinitions(args("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition")), {
            props: { a: 1 },
            opts: { protect: false, retainOnDelete: true },
        });
    });

    it("leaves every other child, and a component, alone", () => {
        assert.equal(retainCustomResourceDefinitions(args("kubernetes:core/v1:ConfigMap")), undefined);
        assert.equal(retainCustomResourceDefinitions(args("kubernetes:kubeflow.org/v1:Profile")), undefined);
        assert.equal(retainCustomResourceDefinitions(args("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", false)), undefined);
        assert.equal(retainCustomResourceDefinitions(args("kubernetes:yaml/v2:ConfigGroup", false)), undefined);
    });

    it("the predicate the upgrade harness shares with the transform", () => {
        assert.equal(retainedWhenDropped({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" }), true);
        assert.equal(retainedWhenDropped({ apiVersion: "v1", kind: "PersistentVolumeClaim" }), false);
    });
});
