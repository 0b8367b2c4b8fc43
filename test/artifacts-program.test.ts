/**
 * The copy of the pipelines' artifacts in the program (components/artifact-migration.ts),
 * under the mocks: declared only when the stack crosses from MinIO to SeaweedFS, after the
 * whole platform; and the deployed release read from the stack itself
 * (components/deployed-release.ts).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Mocks, installMocks } from "./mocks";
import { releaseConfig } from "./stack-files";
import { groupObjects, realRelease, runProgram } from "./support/program-run";
import { skipWithoutRenders } from "./upstream";

let mocks: Mocks;

before(async () => {
    mocks = await installMocks();
});

async function run(deployedRelease: string | undefined): Promise<void> {
    const catalog = await import("../manifests/catalog");
    const release = catalog.findRelease("v1.11.0");
    assert.ok(release);
    await runProgram(mocks, { stack: "dev", rendered: realRelease(release), overrides: releaseConfig(release), deployedRelease });
}

const GROUP = "kubernetes:yaml/v2:ConfigGroup";

describe("the artifacts' copy in the program", { skip: skipWithoutRenders() }, () => {
    it("over a stack that runs v1.10.2 (MinIO), v1.11.0 declares the copy, waiting for every phase of the platform", async () => {
        await run("v1.10.2");
        const copy = mocks.one(GROUP, "kf-dev-artifacts-objects");
        const kinds = groupObjects(copy).map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
        assert.deepEqual(kinds, [
            "Service kubeflow/minio-retired",
            "ServiceAccount kubeflow/artifact-migration",
            "ClusterRole /kubeflow-azure-artifact-migration",
            "ClusterRoleBinding /kubeflow-azure-artifact-migration",
            "Job kubeflow/artifact-migration",
        ]);
        const waits = mocks.transitiveDependencies(copy.urn);
        const phases = mocks.ofType(GROUP).filter((g) => /-kubeflow-phase-\d+$/.test(g.name));
        assert.ok(phases.length >= 3);
        for (const p of phases) {
            assert.ok(waits.has(p.urn), `the copy waits for ${p.name}`);
        }
        assert.equal(mocks.ofType("kubeflow-azure:index:ArtifactMigration").length, 1);
    });

    it("a first deploy, or a stack already on SeaweedFS, declares no copy", async () => {
        for (const deployed of [undefined, "v1.11.0"]) {
            await run(deployed);
            assert.equal(mocks.ofType(GROUP).filter((g) => g.name.includes("-artifacts-")).length, 0, String(deployed));
            assert.equal(mocks.ofType("kubeflow-azure:index:ArtifactMigration").length, 0);
        }
    });
});

describe("the release a stack runs, read from the stack itself", () => {
    it("references <organization>/<project>/<stack> and returns its kubeflowRelease output", async () => {
        mocks.reset();
        const { deployedRelease, selfStackName } = await import("../components/deployed-release");
        // The mocks run as organization "organization" (a DIY backend's), project kubeflow-azure.
        assert.equal(selfStackName(), `organization/kubeflow-azure/${pulumi.getStack()}`);
        // The mocks answer every StackReference with this program's outputs (tools/mock-answers.ts).
        assert.equal(await deployedRelease(), "26.03");
    });
});
