import * as pulumi from "@pulumi/pulumi";

/**
 * The release the stack runs now: the `kubeflowRelease` output of its last update, read
 * through a StackReference to the stack itself (`<organization>/<project>/<stack>`; a DIY
 * backend's organization is `organization`). The engine answers it from the stack's last
 * checkpoint, before this update registers anything (pulumi v3.259.0
 * pkg/resource/deploy/builtins.go readStackReference -> GetStackOutputs), and has no guard
 * against a stack reading itself (used so in pulumi/pulumi#3722 and #4341). A stack never
 * deployed has no outputs: undefined, a first install.
 */
export async function deployedRelease(): Promise<string | undefined> {
    const self = new pulumi.StackReference(selfStackName());
    const details = await self.getOutputDetails("kubeflowRelease");
    return typeof details.value === "string" ? details.value : undefined;
}

/** This stack's fully qualified name, as a StackReference takes it. */
export function selfStackName(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}
