/**
 * Namespace completion: kustomize leaves some namespaced objects without a namespace
 * and leaves namespaces on some cluster-scoped ones.
 */
import { ResourceIndex } from "../kube";
import { KubeObject, Problem, formatProblems, objectKey } from "../types";

/**
 * Namespace for namespaced objects the render leaves without one. `kubectl apply`
 * would put them in the context's namespace; making it explicit keeps the result
 * independent of whatever namespace the Kubernetes provider is configured with.
 */
const DEFAULT_NAMESPACE = "default";

/**
 * Gives every namespaced object an explicit namespace and removes the namespace
 * kustomize sets on cluster-scoped objects (the API server would reject or ignore
 * it, and it would make the object's identity ambiguous). Scope comes from the
 * built-in list and the CRDs of the same render; an object of a kind known to
 * neither is reported, all such objects at once.
 */
export function completeNamespaces(objects: readonly KubeObject[]): KubeObject[] {
    const index = new ResourceIndex(objects);
    const problems: Problem[] = [];
    const out = objects.map((o) => {
        const info = index.of(o);
        if (!info) {
            problems.push({
                where: objectKey(o),
                value: `${o.apiVersion} ${o.kind}`,
                rule: "kind is neither built in nor defined by a CustomResourceDefinition of the render",
            });
            return o;
        }
        if (info.namespaced && !o.metadata.namespace) {
            return { ...o, metadata: { ...o.metadata, namespace: DEFAULT_NAMESPACE } };
        }
        if (!info.namespaced && o.metadata.namespace !== undefined) {
            const rest = { ...o.metadata };
            delete rest.namespace;
            return { ...o, metadata: rest };
        }
        return o;
    });
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} object(s) of unknown kind`, problems));
    }
    return out;
}
