import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { renamedObjects } from "../components/renamed-objects";
import { KubeObject } from "../manifests/types";
import { RENAMES, beforeRename, renameOf } from "../manifests/upgrades/renames";
import { loadRender, skipWithoutRenders } from "./upstream";

const args = (type: string, name: string, custom = true): pulumi.ResourceTransformArgs => ({ type, name, custom, props: { a: 1 }, opts: { protect: false } });

describe("a renamed object replaces the old one, deleted first", () => {
    it("the group's transform aliases the renamed StatefulSet to its old name, delete before replace, other options kept", () => {
        assert.deepEqual(renamedObjects(args("kubernetes:apps/v1:StatefulSet", "kf-prod-authservice:istio-system/oidc-authservice")), {
            props: { a: 1 },
            opts: { protect: false, aliases: [{ name: "kf-prod-authservice:istio-system/authservice" }], deleteBeforeReplace: true },
        });
    });

    it("leaves every other child alone: another kind, namespace or name, a component", () => {
        assert.equal(renamedObjects(args("kubernetes:apps/v1:Deployment", "p:istio-system/oidc-authservice")), undefined);
        assert.equal(renamedObjects(args("kubernetes:apps/v1:StatefulSet", "p:kubeflow/oidc-authservice")), undefined);
        assert.equal(renamedObjects(args("kubernetes:apps/v1:StatefulSet", "p:istio-system/authservice")), undefined);
        assert.equal(renamedObjects(args("kubernetes:apps/v1:StatefulSet", "p:istio-system/oidc-authservice", false)), undefined);
    });

    it(
        "the table's premise, read in the renders: v1.7.0's authservice and v1.8.1's oidc-authservice mount the same claim, and only one exists per release",
        { skip: skipWithoutRenders() },
        () => {
            const claimOf = (o: KubeObject | undefined): string | undefined =>
                (
                    o?.spec as { template?: { spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] } } } | undefined
                )?.template?.spec?.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
            for (const rename of RENAMES) {
                const [from, to] = rename.releases.split(" -> ");
                const find = (release: string, name: string): KubeObject | undefined =>
                    loadRender(release).find(
                        (o) =>
                            o.apiVersion === rename.apiVersion &&
                            o.kind === rename.kind &&
                            o.metadata.namespace === rename.namespace &&
                            o.metadata.name === name,
                    );
                const old = find(from, rename.from);
                const renamed = find(to, rename.to);
                assert.ok(old && renamed, rename.releases);
                assert.equal(find(from, rename.to), undefined);
                assert.equal(find(to, rename.from), undefined);
                assert.equal(renameOf(renamed), rename);
                assert.equal(renameOf(old), undefined);
                assert.equal(beforeRename(renamed, rename).metadata.name, rename.from);
                assert.ok(claimOf(old), "the old one mounts a claim");
                assert.equal(claimOf(renamed), claimOf(old));
            }
        },
    );
});
