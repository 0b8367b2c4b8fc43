/**
 * The contract between tools/recording-runtime.ts and the Pulumi SDK it adapts: the
 * RegisterResourceRequest getters it reads, the monitor `setMocks` installs, the queue it
 * drains. An SDK upgrade that moves any of them fails here, by name.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { answerInvoke } from "../tools/mock-answers";
import { RecordingRuntime, installRecordingRuntime, isSecretValue, recordedResource, waitForRPCs } from "../tools/recording-runtime";

let runtime: RecordingRuntime;

before(async () => {
    runtime = await installRecordingRuntime({ stack: "contract" });
});

class Thing extends pulumi.CustomResource {
    constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts?: pulumi.CustomResourceOptions) {
        super("contract:index:Thing", name, props, opts);
    }
}

class Box extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("contract:index:Box", name, {}, opts);
    }
}

class ContractProvider extends pulumi.ProviderResource {
    constructor(name: string) {
        super("contract", name, {});
    }
}

describe("recording runtime: the SDK's request", () => {
    it("reads every field it records from a RegisterResourceRequest built by hand", () => {
        const req = new RegisterResourceRequest()
            .setType("contract:index:Thing")
            .setName("t")
            .setParent("urn:parent")
            .setProvider("urn:provider::id")
            .setCustom(true)
            .setProtect(true)
            .setRetainondelete(true)
            .setDeletebeforereplace(true)
            .setDependenciesList(["urn:a", "urn:b"])
            .setIgnorechangesList(["spec"])
            .setAdditionalsecretoutputsList(["value"]);
        req.getProvidersMap().set("kubernetes", "urn:k8s::id");
        const res = new RegisterResourceResponse().setUrn("urn:t");
        assert.deepEqual(recordedResource(req, res), {
            urn: "urn:t",
            type: "contract:index:Thing",
            name: "t",
            inputs: {},
            parent: "urn:parent",
            provider: "urn:provider::id",
            providers: { kubernetes: "urn:k8s::id" },
            dependencies: ["urn:a", "urn:b"],
            custom: true,
            protect: true,
            retainOnDelete: true,
            deleteBeforeReplace: true,
            ignoreChanges: ["spec"],
            additionalSecretOutputs: ["value"],
        });
    });
});

describe("recording runtime: under setMocks", () => {
    it("wraps the SDK's MockMonitor and drains through the SDK's queue", () => {
        assert.ok(settings.getMonitor() instanceof MockMonitor, "setMocks installs a MockMonitor (runtime/mocks.js)");
        assert.equal(typeof (settings as unknown as { waitForRPCs?: unknown }).waitForRPCs, "function");
    });

    it("records a registration with its parent, provider, dependencies and options", async () => {
        runtime.reset();
        const provider = new ContractProvider("p");
        const box = new Box("box", { providers: { contract: provider } });
        const first = new Thing("first", { size: 1 }, { parent: box });
        new Thing(
            "second",
            { after: first.id },
            {
                parent: box,
                provider,
                dependsOn: [first],
                protect: true,
                retainOnDelete: true,
                deleteBeforeReplace: true,
                ignoreChanges: ["size"],
                additionalSecretOutputs: ["token"],
            },
        );
        await runtime.settle();
        const second = runtime.one("contract:index:Thing", "second");
        const boxUrn = runtime.one("contract:index:Box").urn;
        const providerUrn = runtime.one("pulumi:providers:contract").urn;
        const firstUrn = runtime.one("contract:index:Thing", "first").urn;
        assert.equal(second.parent, boxUrn);
        assert.equal(second.provider, `${providerUrn}::p-id`);
        assert.ok(second.dependencies.includes(firstUrn), second.dependencies.join(", "));
        assert.deepEqual(second.inputs, { after: "first-id" });
        assert.deepEqual(
            [second.custom, second.protect, second.retainOnDelete, second.deleteBeforeReplace, second.ignoreChanges, second.additionalSecretOutputs],
            [true, true, true, true, ["size"], ["token"]],
        );
        assert.deepEqual(runtime.one("contract:index:Box").providers, { contract: `${providerUrn}::p-id` });
        assert.deepEqual([...runtime.transitiveDependencies(second.urn)], [firstUrn]);
    });

    it("keeps a secret input wrapped in the SDK's wire form", async () => {
        runtime.reset();
        new Thing("secretive", { password: pulumi.secret("hunter2"), plain: "visible" });
        await runtime.settle();
        const recorded = runtime.one("contract:index:Thing", "secretive");
        assert.deepEqual(recorded.inputs.password, { [specialSigKey]: specialSecretSig, value: "hunter2" });
        assert.ok(isSecretValue(recorded.inputs.password));
        assert.ok(!isSecretValue(recorded.inputs.plain));
    });

    it("settles only after a registration waiting on a late input has been recorded", async () => {
        runtime.reset();
        const late = new Promise<string>((resolve) => setTimeout(() => resolve("late"), 50));
        new Thing("waiting", { value: late });
        assert.equal(runtime.resources.length, 0);
        await runtime.settle();
        assert.deepEqual(runtime.one("contract:index:Thing", "waiting").inputs, { value: "late" });
        await waitForRPCs();
    });

    it("records an invoke, and refuses one it has no answer for, naming where to add it", async () => {
        runtime.reset();
        const answer = (await pulumi.runtime.invoke("azuread:index/getClientConfig:getClientConfig", {})) as { tenantId?: unknown };
        assert.equal(typeof answer.tenantId, "string");
        assert.deepEqual(
            runtime.invokes.map((i) => i.token),
            ["azuread:index/getClientConfig:getClientConfig"],
        );
        await assert.rejects(pulumi.runtime.invoke("contract:index:nothing", {}));
        assert.throws(
            () => answerInvoke({ token: "contract:index:nothing", inputs: {} }),
            /tools\/mock-answers\.ts does not know the invoke contract:index:nothing/,
        );
    });
});

describe("recording runtime: suites sharing a process", () => {
    it("installs the SDK's mocks anew for another stack, hands back the same runtime with its records cleared, and again for the first", async () => {
        new Thing("before-switch", {});
        await runtime.settle();
        assert.ok(runtime.resources.length > 0);
        const other = await installRecordingRuntime({ stack: "contract-other" });
        assert.equal(other, runtime, "one runtime per process");
        assert.equal(pulumi.getStack(), "contract-other");
        assert.deepEqual(runtime.resources, [], "records cleared");
        new Thing("after-switch", {});
        await runtime.settle();
        assert.match(runtime.one("contract:index:Thing", "after-switch").urn, /^urn:pulumi:contract-other::/);
        assert.equal(await installRecordingRuntime({ stack: "contract-other" }), runtime);
        await installRecordingRuntime({ stack: "contract" });
        assert.equal(pulumi.getStack(), "contract");
    });
});
