import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RELEASES } from "../manifests/catalog";
import { isRecord } from "../manifests/kube";
import { DROPPED_VERSIONS, keepDroppedVersions } from "../manifests/upgrades/stored-versions";
import { KubeObject } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const versionsOf = (o: KubeObject): Record<string, unknown>[] => (isRecord(o.spec) && Array.isArray(o.spec.versions) ? o.spec.versions.filter(isRecord) : []);

const domainMappings = (versions: Record<string, unknown>[]): KubeObject => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "domainmappings.serving.knative.dev" },
    spec: { group: "serving.knative.dev", versions },
});

describe("CRD versions an older release stored, kept unserved", () => {
    it("adds the dropped version back, unserved, not stored, with a structural schema that admits what was stored", () => {
        const input = [domainMappings([{ name: "v1beta1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }])];
        const [out] = keepDroppedVersions(input);
        assert.deepEqual(versionsOf(out), [
            { name: "v1beta1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
            { name: "v1alpha1", served: false, storage: false, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } },
        ]);
        assert.equal(versionsOf(input[0]).length, 1, "the input is untouched");
    });

    it("leaves a CRD that still lists the version, and every other object, as they are", () => {
        const both = domainMappings([
            { name: "v1alpha1", served: true, storage: true },
            { name: "v1beta1", served: true, storage: false },
        ]);
        assert.equal(keepDroppedVersions([both])[0], both);
        const other: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "domainmappings.serving.knative.dev" } };
        assert.equal(keepDroppedVersions([other])[0], other);
    });

    it("the table lists exactly the versions a newer release of the catalog drops from a CRD of an older one", { skip: skipWithoutRenders() }, () => {
        // Oldest first, as a cluster is upgraded.
        const ids = RELEASES.map((r) => r.id)
            .reverse()
            .filter((id) => availableRenders().includes(id));
        const ever = new Map<string, Set<string>>();
        const dropped: Record<string, string[]> = {};
        for (const id of ids) {
            for (const crd of loadRender(id).filter((o) => o.kind === "CustomResourceDefinition")) {
                const now = new Set(versionsOf(crd).map((v) => String(v.name)));
                const before = ever.get(crd.metadata.name) ?? new Set<string>();
                for (const v of [...before].filter((v) => !now.has(v))) {
                    dropped[crd.metadata.name] = [...new Set([...(dropped[crd.metadata.name] ?? []), v])];
                }
                ever.set(crd.metadata.name, new Set([...before, ...now]));
            }
        }
        assert.deepEqual(dropped, DROPPED_VERSIONS);
    });
});
