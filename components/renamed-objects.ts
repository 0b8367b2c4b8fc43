import * as pulumi from "@pulumi/pulumi";
import { RENAMES } from "../manifests/upgrades/renames";

/**
 * A transform for a yaml/v2 group: a child that a release renamed (manifests/upgrades/
 * renames.ts) is registered with an alias to its old name and deleteBeforeReplace, so
 * that an upgrade deletes the old object before it creates the new one. A yaml/v2 child
 * is named `<resourcePrefix>:<namespace>/<name>` (pulumi-kubernetes v4.32.0
 * provider/pkg/provider/yaml/v2/yaml.go); the alias keeps the type and the parent. On a
 * fresh install no old object exists and the alias does nothing.
 */
export const renamedObjects: pulumi.ResourceTransform = (args) => {
    if (!args.custom) {
        return undefined;
    }
    const rename = RENAMES.find((r) => args.type === `kubernetes:${r.apiVersion}:${r.kind}` && args.name.endsWith(`:${r.namespace}/${r.to}`));
    if (!rename) {
        return undefined;
    }
    const name = `${args.name.slice(0, args.name.length - rename.to.length)}${rename.from}`;
    return { props: args.props, opts: { ...args.opts, aliases: [...(args.opts.aliases ?? []), { name }], deleteBeforeReplace: true } };
};
