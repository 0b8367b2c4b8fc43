import * as pulumi from "@pulumi/pulumi";
import { retainedWhenDropped } from "../manifests/upgrades/retained";

/**
 * A transform for a yaml/v2 group: each CustomResourceDefinition child is registered with
 * `retainOnDelete`, so that a release that no longer ships it leaves it, and every object
 * of its kind, on the cluster (manifests/upgrades/retained.ts). The engine runs a remote
 * component's transforms on the children its provider registers (see version-aliases.ts
 * for the source); a `pulumi destroy` keeps the CRDs too, which the README says.
 */
export const retainCustomResourceDefinitions: pulumi.ResourceTransform = (args) => {
    const match = /^kubernetes:([^:]+):([^:]+)$/.exec(args.type);
    if (!args.custom || !match || !retainedWhenDropped({ apiVersion: match[1], kind: match[2] })) {
        return undefined;
    }
    return { props: args.props, opts: { ...args.opts, retainOnDelete: true } };
};
