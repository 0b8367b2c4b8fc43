/**
 * Objects a release renames while the old and the new one cannot run side by side. The
 * v1.8.1 authservice StatefulSet is `oidc-authservice`, v1.7.0's was `authservice`; both
 * mount the claim `authservice-pvc`, a ReadWriteOnce Azure disk that attaches to one node
 * at a time. Created beside the old one (the engine creates new resources first and
 * deletes dropped ones last), the new pod can wait for the disk until the update times
 * out, and the old StatefulSet is deleted only after that. Registered as the old object
 * under its new name (an alias) with deleteBeforeReplace, the engine deletes the old
 * StatefulSet and then creates the new one (pulumi v3.259.0
 * pkg/resource/deploy/step_generator.go: a name change is a replacement, and the goal's
 * deleteBeforeReplace decides its order). Pure: no Pulumi.
 */
import { KubeObject } from "../types";

export interface Rename {
    readonly apiVersion: string;
    readonly kind: string;
    readonly namespace: string;
    readonly from: string;
    readonly to: string;
    /** The release pair, for the plan's warning and the README. */
    readonly releases: string;
}

export const RENAMES: readonly Rename[] = [
    { apiVersion: "apps/v1", kind: "StatefulSet", namespace: "istio-system", from: "authservice", to: "oidc-authservice", releases: "v1.7.0 -> v1.8.1" },
];

/** The rename that gives an object its name, if any. */
export function renameOf(o: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): Rename | undefined {
    return RENAMES.find((r) => r.apiVersion === o.apiVersion && r.kind === o.kind && r.namespace === o.metadata.namespace && r.to === o.metadata.name);
}

/** The object as it was called before the rename. */
export function beforeRename(o: KubeObject, rename: Rename): KubeObject {
    return { ...o, metadata: { ...o.metadata, name: rename.from } };
}
