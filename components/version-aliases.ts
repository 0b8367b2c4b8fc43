import * as pulumi from "@pulumi/pulumi";
import { versionAliasTypes } from "../manifests/api-versions";

/**
 * A transform for a yaml/v2 group: each child of a kind served in several versions gets
 * aliases to its type at the other versions, so an upgrade that changes an object's
 * apiVersion updates the live object instead of creating it again (AlreadyExists) and
 * deleting the old one. yaml/v2 children carry no aliases of their own
 * (manifests/api-versions.ts).
 *
 * Why this reaches children the provider registers: the engine keeps the transforms
 * of a remote component's registration and runs them on the component the provider's
 * Construct registers and on all of its descendants (pulumi/pulumi
 * pkg/resource/deploy/source_eval.go RegisterResource, pendingTransforms and
 * resourceTransforms; pkg/engine/lifecycletest/transformation_test.go
 * TestRemoteComponentTransforms; engine 3.113.0 and newer). A `{ type }` alias keeps the
 * child's name and parent (step_generator.go collapseAliasToUrn) and the engine looks
 * the old state up by URN first, then by aliases (getOldResource). The alias must have
 * no `parent` key: the Node SDK sends `parent: undefined` as "no parent"
 * (@pulumi/pulumi runtime/resource.js mapAliasesForRequest).
 *
 * Children of one version only are returned unchanged (`undefined`), so their options
 * are not round-tripped through the SDK at all.
 */
export const versionAliases: pulumi.ResourceTransform = (args) => {
    const types = args.custom ? versionAliasTypes(args.type) : [];
    if (types.length === 0) {
        return undefined;
    }
    return {
        props: args.props,
        opts: { ...args.opts, aliases: [...(args.opts.aliases ?? []), ...types.map((type) => ({ type }))] },
    };
};
