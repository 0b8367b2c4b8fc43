import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { VERSION_FAMILIES, childTypeToken, needsVersionAliases, versionAliasTypes } from "../manifests/api-versions";
import { versionAliases } from "../components/version-aliases";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

describe("API version aliases", () => {
    it("names the other versions of a kind served in several, under yaml/v2's type tokens", () => {
        assert.deepEqual(versionAliasTypes("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").sort(), [
            "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
            "kubernetes:autoscaling/v2beta1:HorizontalPodAutoscaler",
            "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
        ]);
        assert.deepEqual(versionAliasTypes("kubernetes:networking.istio.io/v1beta1:Gateway").sort(), [
            "kubernetes:networking.istio.io/v1:Gateway",
            "kubernetes:networking.istio.io/v1alpha3:Gateway",
        ]);
        assert.deepEqual(versionAliasTypes("kubernetes:security.istio.io/v1:AuthorizationPolicy"), [
            "kubernetes:security.istio.io/v1beta1:AuthorizationPolicy",
        ]);
    });

    it("names none for a kind of one version, a kind of the same name in another group, or no Kubernetes type", () => {
        assert.deepEqual(versionAliasTypes("kubernetes:core/v1:ConfigMap"), []);
        assert.deepEqual(versionAliasTypes("kubernetes:gateway.networking.k8s.io/v1:Gateway"), []);
        assert.deepEqual(versionAliasTypes("kubernetes:yaml/v2:ConfigGroup"), []);
        assert.deepEqual(versionAliasTypes("kubeflow-azure:kubeflow:KubeflowPlatform"), []);
    });

    it("writes the core group as core/v1, as yaml/v2 registers it", () => {
        assert.equal(childTypeToken("v1", "Service"), "kubernetes:core/v1:Service");
        assert.equal(childTypeToken("networking.istio.io/v1", "Gateway"), "kubernetes:networking.istio.io/v1:Gateway");
    });

    it("tells which groups need the transform at all", () => {
        assert.equal(
            needsVersionAliases([
                { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" },
                { apiVersion: "v1", kind: "Namespace" },
            ]),
            false,
        );
        assert.equal(
            needsVersionAliases([
                { apiVersion: "v1", kind: "Namespace" },
                { apiVersion: "networking.istio.io/v1alpha3", kind: "Gateway" },
            ]),
            true,
        );
    });

    it("lists, for each built-in kind, the versions the SDK's typed constructor aliases (@pulumi/kubernetes <group>/<version>/<kind>.js)", () => {
        const builtIn = VERSION_FAMILIES.filter((f) => f.apiVersions.every((v) => !v.includes(".")));
        assert.ok(builtIn.length > 0);
        for (const family of builtIn) {
            for (const apiVersion of family.apiVersions) {
                const file = require.resolve(`@pulumi/kubernetes/${apiVersion}/${family.kind[0].toLowerCase()}${family.kind.slice(1)}.js`);
                const aliases = [...fs.readFileSync(file, "utf8").matchAll(/\{ type: "(kubernetes:[^"]+)" \}/g)].map((m) => m[1]);
                assert.ok(aliases.length > 0, `${file}: aliases found`);
                assert.deepEqual(aliases.sort(), versionAliasTypes(childTypeToken(apiVersion, family.kind)).sort(), file);
            }
        }
    });
});

describe("API version aliases against the catalog's renders", { skip: skipWithoutRenders() }, () => {
    const renders = availableRenders();
    const versionsOf = new Map<string, Set<string>>();
    const add = (group: string, kind: string, apiVersion: string): void => {
        const key = `${group}/${kind}`;
        versionsOf.set(key, (versionsOf.get(key) ?? new Set()).add(apiVersion));
    };
    const applied = new Set<string>();
    for (const id of renders) {
        for (const o of loadRender(id)) {
            if (o.kind === "CustomResourceDefinition") {
                const spec = o.spec as { group: string; names: { kind: string }; versions: { name: string }[] };
                for (const v of spec.versions) {
                    add(spec.group, spec.names.kind, `${spec.group}/${v.name}`);
                }
            }
            const group = o.apiVersion.includes("/") ? o.apiVersion.slice(0, o.apiVersion.indexOf("/")) : "";
            add(group, o.kind, o.apiVersion);
            applied.add(`${group}/${o.kind}`);
        }
    }

    it("covers every version of every kind the renders apply, as their CRDs list it or as the renders use it, when there are several", () => {
        const missing: string[] = [];
        let several = 0;
        for (const key of applied) {
            const versions = [...(versionsOf.get(key) ?? [])];
            if (versions.length < 2) {
                continue;
            }
            several++;
            const kind = key.slice(key.lastIndexOf("/") + 1);
            for (const apiVersion of versions) {
                const others = new Set(versionAliasTypes(childTypeToken(apiVersion, kind)));
                missing.push(
                    ...versions.filter((v) => v !== apiVersion && !others.has(childTypeToken(v, kind))).map((v) => `${kind} ${apiVersion}: no alias to ${v}`),
                );
            }
        }
        assert.ok(several >= 3, `the renders apply kinds of several versions (${several})`);
        assert.deepEqual(missing, []);
    });
});

describe("the version alias transform (components/version-aliases.ts)", () => {
    it("adds a { type } alias per other version, without a parent key (the Node SDK sends parent: undefined as no parent), and keeps the other options", async () => {
        const dependsOn = { urn: "dep" } as unknown as import("@pulumi/pulumi").Resource;
        const result = await versionAliases({
            custom: true,
            type: "kubernetes:security.istio.io/v1:AuthorizationPolicy",
            name: "kf-dev-kubeflow:istio-system/cluster-local-gateway",
            props: { kind: "AuthorizationPolicy" },
            opts: { aliases: [], dependsOn: [dependsOn], ignoreChanges: ["spec"] },
        });
        assert.ok(result);
        assert.deepEqual(result.props, { kind: "AuthorizationPolicy" });
        assert.deepEqual(result.opts.aliases, [{ type: "kubernetes:security.istio.io/v1beta1:AuthorizationPolicy" }]);
        for (const alias of result.opts.aliases ?? []) {
            assert.equal(Object.prototype.hasOwnProperty.call(alias, "parent"), false);
        }
        assert.deepEqual(result.opts.dependsOn, [dependsOn]);
        assert.deepEqual(result.opts.ignoreChanges, ["spec"]);
    });

    it("leaves children of one version, and the group itself, untouched", async () => {
        assert.equal(await versionAliases({ custom: true, type: "kubernetes:core/v1:ConfigMap", name: "x:ns/cm", props: {}, opts: {} }), undefined);
        assert.equal(
            await versionAliases({ custom: false, type: "kubernetes:yaml/v2:ConfigGroup", name: "kf-dev-kubeflow-phase-3", props: {}, opts: {} }),
            undefined,
        );
    });
});
