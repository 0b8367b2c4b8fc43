/**
 * What a release change keeps on the cluster when the new release no longer ships it.
 * A CustomResourceDefinition: deleting it deletes every object of its kind in every
 * namespace (the API server's own cleanup, no controller needed), and the releases of the
 * catalog drop CRDs whose objects are users' work (11 knative-eventing kinds and
 * `istiooperators` from v1.8.1 to v1.9.1, `mxjobs` from v1.9.1 to v1.10.2, the Training
 * Operator v1 jobs from v1.10.2 to v1.11.0). Such a CRD stays, with its objects, until
 * the user deletes it; the program forgets it (Pulumi's retainOnDelete). Pure: no Pulumi.
 */
import { KubeObject, apiGroup } from "../types";

/** Kept on the cluster when the program stops declaring it. */
export function retainedWhenDropped(o: Pick<KubeObject, "apiVersion" | "kind">): boolean {
    return o.kind === "CustomResourceDefinition" && apiGroup(o.apiVersion) === "apiextensions.k8s.io";
}
