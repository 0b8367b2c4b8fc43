/**
 * The whole program under the recording runtime, as the suites run it: the stack's file
 * with overrides on top, a render, and the run awaited until every output and every
 * registration has settled. The program's modules load here on first use, after the
 * suite has installed the mocks (test/mocks.ts: mocks before any program module).
 */
import assert from "node:assert/strict";
import type { Output } from "@pulumi/pulumi";
import type { RenderedRelease } from "../../components/release-source";
import type { Release } from "../../manifests/catalog";
import { parseManifests } from "../../manifests/parse";
import type { KubeObject } from "../../manifests/types";
import type { Deployment } from "../../program";
import { Mocks, RecordedResource, isSecretValue, promiseOf } from "../mocks";
import { CONTEXT, stackConfig, templateValues } from "../stack-files";
import { loadRender } from "../upstream";

export interface ProgramRun {
    readonly stack: string;
    /** Config keys (`kubeflow-azure:...`) on top of the stack file. */
    readonly overrides?: Record<string, unknown>;
    readonly rendered: RenderedRelease;
    /** The release the stack ran before (the program's deployedRelease), if any. */
    readonly deployedRelease?: string;
    /** Where the stack kept its state before (the program's deployedState), if anywhere. */
    readonly deployedState?: "in-cluster" | "managed";
}

/**
 * Clears the records, deploys, and waits for the outputs and the registrations. The
 * template's placeholders get real-looking values under the overrides (templateValues):
 * Pulumi.prod.yaml as committed is refused.
 */
export async function runProgram(mocks: Mocks, run: ProgramRun): Promise<Deployment> {
    const program = await import("../../program");
    const config = await import("../../config");
    mocks.reset();
    const values = { ...templateValues(run.stack), ...run.overrides };
    const deployment = program.deploy(config.resolveConfig(stackConfig(run.stack, values), run.stack, CONTEXT), run.rendered, {
        deployedRelease: run.deployedRelease,
        deployedState: run.deployedState,
    });
    await Promise.all(Object.values(deployment.outputs).map((o) => promiseOf(o as Output<unknown>)));
    await mocks.settle();
    return deployment;
}

/** A real render (../shared/upstream) as loadRelease hands it to the program. */
export function realRelease(release: Release): RenderedRelease {
    return { release, objects: loadRender(release.id), origin: release.id };
}

/** The objects a recorded yaml/v2 group applies: its `yaml` text, known under the mocks (secret or not). */
export function groupObjects(group: RecordedResource): KubeObject[] {
    const text = isSecretValue(group.inputs.yaml) ? group.inputs.yaml.value : group.inputs.yaml;
    assert.equal(typeof text, "string", `${group.name}: yaml is text under the mocks`);
    return parseManifests(text as string, group.name);
}
