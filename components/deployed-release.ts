import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_STATE_ADDRESS_SPACE } from "../azure/network";
import type { StateMode } from "../config";

/** What the stack runs now, from the outputs of its last update. */
export interface DeployedStack {
    /** Its `kubeflowRelease` output; undefined on a stack never deployed (a first install). */
    readonly release?: string;
    /** Its `state` output; `in-cluster` for a stack deployed before the output existed (state was always in the cluster then). */
    readonly state?: StateMode;
    /** With managed state, its network's range: the `stateAddressSpace` output, or the only range there was for a stack deployed before that output existed. */
    readonly stateAddressSpace?: string;
}

/**
 * What the stack runs now: its last update's outputs, read through a StackReference to
 * the stack itself (`<organization>/<project>/<stack>`; a DIY backend's organization is
 * `organization`). The engine answers it from the stack's last checkpoint, before this
 * update registers anything (pulumi v3.259.0 pkg/resource/deploy/builtins.go
 * readStackReference -> GetStackOutputs), and has no guard against a stack reading itself
 * (used so in pulumi/pulumi#3722 and #4341). Called once per program: a second reference
 * of the same name would be a duplicate resource.
 */
export async function deployedStack(): Promise<DeployedStack> {
    const self = new pulumi.StackReference(selfStackName());
    const [release, state, addressSpace] = await Promise.all([
        self.getOutputDetails("kubeflowRelease"),
        self.getOutputDetails("state"),
        self.getOutputDetails("stateAddressSpace"),
    ]);
    return readDeployedStack(release.value, state.value, addressSpace.value);
}

/** What the stack runs now, from the values of its `kubeflowRelease`, `state` and `stateAddressSpace` outputs (undefined where absent). */
export function readDeployedStack(release: unknown, state: unknown, addressSpace: unknown): DeployedStack {
    if (typeof release !== "string") {
        return {};
    }
    if (state !== "managed") {
        return { release, state: "in-cluster" };
    }
    return {
        release,
        state: "managed",
        stateAddressSpace: typeof addressSpace === "string" && addressSpace !== "" ? addressSpace : DEFAULT_STATE_ADDRESS_SPACE,
    };
}

/** The release the stack runs now (deployedStack's), undefined on a first deploy. */
export async function deployedRelease(): Promise<string | undefined> {
    return (await deployedStack()).release;
}

/** This stack's fully qualified name, as a StackReference takes it. */
export function selfStackName(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}
