import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { loadConfig } from "./config";
import { loadRelease } from "./components/release-source";
import { deployedStack } from "./components/deployed-release";
import { deploy } from "./program";
import { StackOutputValues } from "./outputs";

// Validation happens first, before any resource is registered; then the release is
// read or rendered (no cluster needed), then the whole graph is declared at once.
// The subscription is read once, up front (an invoke, not a resource), so the default
// DNS label derived from it, and the host name with it, are plain values at preview.
export = async (): Promise<StackOutputValues> => {
    const client = await authorization.getClientConfig();
    const cfg = loadConfig({ subscriptionId: client.subscriptionId, organization: pulumi.getOrganization(), project: pulumi.getProject() });
    const rendered = await loadRelease(cfg);
    // What the stack runs now decides the upgrade's one-time steps (the artifacts' copy)
    // and whether the configured state is where the stack's data already is.
    const deployed = await deployedStack();
    return deploy(cfg, rendered, {
        deployedRelease: deployed.release,
        deployedState: deployed.state,
        deployedStateAddressSpace: deployed.stateAddressSpace,
    }).outputs;
};
