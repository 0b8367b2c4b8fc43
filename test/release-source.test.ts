import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { Mocks, installMocks } from "./mocks";
import { miniObjects } from "./fixtures/mini-release";
import { toYamlText } from "../manifests/parse";
import { CONTEXT, stackConfig } from "./stack-files";

let mocks: Mocks;
let source: typeof import("../components/release-source");
let config: typeof import("../config");

before(async () => {
    mocks = await installMocks();
    source = await import("../components/release-source");
    config = await import("../config");
});

function writeRender(dir: string, name: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, toYamlText(miniObjects()));
    return file;
}

describe("loadRelease", () => {
    it("reads a rendered file without rendering anything", async () => {
        mocks.reset();
        const file = writeRender(fs.mkdtempSync(path.join(os.tmpdir(), "kf-rel-")), "render.yaml");
        const cfg = config.resolveConfig(stackConfig("dev", { "kubeflow-azure:manifests": file }), "dev", CONTEXT);
        const rendered = await source.loadRelease(cfg);
        assert.equal(rendered.release.id, "26.03");
        assert.equal(rendered.objects.length, miniObjects().length);
        assert.equal(rendered.origin, file);
        await mocks.settle();
        assert.deepEqual(
            mocks.invokes.filter((i) => i.token.startsWith("kubernetes:")),
            [],
        );
        assert.equal(mocks.resources.length, 0, "no provider, no resource");
    });

    it("refuses a rendered file of another release before anything is registered, naming both releases", async () => {
        mocks.reset();
        const objects = miniObjects().map((o) =>
            o.kind === "Deployment" && o.metadata.name === "ml-pipeline"
                ? { ...o, spec: { template: { spec: { containers: [{ name: "ml-pipeline-api-server", image: "gcr.io/ml-pipeline/api-server:2.3.0" }] } } } }
                : o,
        );
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kf-rel-")), "v191.yaml");
        fs.writeFileSync(file, toYamlText(objects));
        const cfg = config.resolveConfig(stackConfig("dev", { "kubeflow-azure:manifests": file }), "dev", CONTEXT);
        await assert.rejects(
            source.loadRelease(cfg),
            /is a render of Kubeflow v1\.9\.1 \(Kubeflow Pipelines 2\.3\.0\), but kubeflow-azure:kubeflowRelease is 26\.03/,
        );
        await mocks.settle();
        assert.equal(mocks.resources.length, 0);
    });

    it("renders a kustomization through a render-only provider, never the cluster's", async () => {
        mocks.reset();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kf-kust-"));
        writeRender(dir, "all.yaml");
        fs.writeFileSync(path.join(dir, "kustomization.yaml"), "resources: [all.yaml]\n");
        const cfg = config.resolveConfig(stackConfig("dev", { "kubeflow-azure:manifests": dir }), "dev", CONTEXT);
        const rendered = await source.loadRelease(cfg);
        await mocks.settle();
        assert.deepEqual(
            rendered.objects.map((o) => o.metadata.name),
            miniObjects().map((o) => o.metadata.name),
        );
        const invoke = mocks.invokes.find((i) => i.token === "kubernetes:kustomize:directory");
        assert.ok(invoke);
        assert.equal(invoke.inputs.directory, dir);
        const renderer = mocks.one("pulumi:providers:kubernetes", "kustomize-render");
        assert.ok(invoke.provider.startsWith(`${renderer.urn}::`), `invoke went through ${invoke.provider}`);
        // Its configuration is fixed text, known at preview: nothing of the cluster's.
        assert.equal(typeof renderer.inputs.kubeconfig, "string");
        assert.match(renderer.inputs.kubeconfig as string, /render-only\.invalid/);
    });
});
