/**
 * Plain Kubernetes objects as they come out of a kustomize render. Everything in
 * manifests/ works on these and knows nothing of Pulumi.
 */

export interface ObjectMeta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    [key: string]: unknown;
}

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: ObjectMeta;
    [key: string]: unknown;
}

/** The API group of an apiVersion: "" for the core group ("v1"). */
export function apiGroup(apiVersion: string): string {
    const slash = apiVersion.indexOf("/");
    return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * A stable identity for an object: `group/Kind:namespace/name` (namespace empty for
 * cluster-scoped objects). Versions are left out on purpose: the same object may be
 * served at several versions.
 */
export function objectKey(o: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
    return `${apiGroup(o.apiVersion)}/${o.kind}:${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/**
 * The reference format of the `config.kubernetes.io/depends-on` annotation that
 * Pulumi's yaml/v2 ConfigGroup understands:
 * `<group>/namespaces/<namespace>/<kind>/<name>` or `<group>/<kind>/<name>`.
 */
export function dependsOnRef(o: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
    const group = apiGroup(o.apiVersion);
    const ns = o.metadata.namespace;
    return ns ? `${group}/namespaces/${ns}/${o.kind}/${o.metadata.name}` : `${group}/${o.kind}/${o.metadata.name}`;
}

/** A problem found in input; collected so that every problem is reported at once. */
export interface Problem {
    /** Where: a config key, a file:line, an object key. */
    where: string;
    /** What was found. */
    value: string;
    /** The rule it breaks. */
    rule: string;
}

export function formatProblems(title: string, problems: readonly Problem[]): string {
    return [title, ...problems.map((p) => `  - ${p.where}: ${p.value}: ${p.rule}`)].join("\n");
}
