/**
 * examples/consumer under the mocks: it reads a kubeflow-azure stack through a
 * StackReference (answered by test/mocks.ts with the outputs this program exports) and
 * deploys a namespace with a provider built on the referenced kubeconfig.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { MOCK, Mocks, RecordedResource, SECRET_PLAINTEXTS, installMocks, isSecretOutput, isSecretValue, plaintextLeaks, promiseOf } from "./mocks";

const REFERENCED = "acme/kubeflow-azure/dev";

let mocks: Mocks;
let consumer: typeof import("../examples/consumer/index");
let provider: RecordedResource;
let namespace: RecordedResource;

before(async () => {
    mocks = await installMocks();
    // The consumer reads its own project's config; under the mocks the project is the mocks'.
    pulumi.runtime.setConfig(`${pulumi.getProject()}:kubeflowStack`, REFERENCED);
    mocks.reset();
    consumer = await import("../examples/consumer/index");
    await promiseOf(consumer.namespaceName);
    await mocks.settle();
    provider = mocks.one("pulumi:providers:kubernetes", "kubeflow-cluster");
    namespace = mocks.one("kubernetes:core/v1:Namespace");
});

describe("examples/consumer", () => {
    it("reads the stack named by kubeflowStack", () => {
        // A StackReference is read, not registered; the provider's inputs come from it.
        assert.ok(
            provider.dependencies.some((urn) => urn.endsWith(`pulumi:pulumi:StackReference::${REFERENCED}`)),
            `provider dependencies: ${provider.dependencies.join(", ")}`,
        );
    });

    it("builds its Kubernetes provider on the referenced kubeconfig, kept secret", () => {
        const kubeconfig = provider.inputs.kubeconfig as { value?: unknown };
        assert.ok(isSecretValue(kubeconfig), "the kubeconfig reaches the provider as a secret");
        assert.equal(kubeconfig.value, MOCK.kubeconfig);
        assert.deepEqual(
            mocks.resources.flatMap((r) => plaintextLeaks(r.inputs, SECRET_PLAINTEXTS).map((p) => `${r.name}: ${p}`)),
            [],
        );
    });

    it("deploys the team namespace through that provider, never the ambient kubeconfig", async () => {
        assert.equal((namespace.inputs.metadata as { name?: string }).name, "team-a");
        assert.equal(namespace.provider.split("::").slice(0, -1).join("::"), provider.urn);
        assert.equal(await promiseOf(consumer.namespaceName), "team-a");
    });

    it("exports the referenced kubeflowUrl, in clear", async () => {
        assert.equal(await promiseOf(consumer.kubeflowUrl), "https://kf-dev.westeurope.cloudapp.azure.com/");
        assert.equal(await isSecretOutput(consumer.kubeflowUrl), false);
    });
});
