/**
 * The release's example user, `user@example.com`, and its profile
 * `kubeflow-user-example-com`: a namespace nobody can sign in to (Entra replaces dex,
 * whose static password was that user's). In the six supported renders three objects
 * name the user: the Profile, the `default-install-config-*` ConfigMap that kustomize
 * rendered the Profile from (v1.7.0 to v1.11.0), and dex's ConfigMap in `auth`, which
 * dropDex removes with the rest of dex.
 */
import { isRecord, someString } from "../kube";
import { KubeObject, Problem, apiGroup, objectKey } from "../types";

export const EXAMPLE_USER = "user@example.com";

/** The example Profile and the ConfigMap that holds its owner and name. */
export function isExampleProfileObject(o: KubeObject): boolean {
    if (o.kind === "Profile" && apiGroup(o.apiVersion) === "kubeflow.org") {
        return isRecord(o.spec) && isRecord(o.spec.owner) && o.spec.owner.name === EXAMPLE_USER;
    }
    if (o.kind === "ConfigMap" && o.apiVersion === "v1" && /^default-install-config(-[a-z0-9]{10})?$/.test(o.metadata.name)) {
        return isRecord(o.data) && o.data.user === EXAMPLE_USER;
    }
    return false;
}

export function dropExampleProfile(objects: readonly KubeObject[]): KubeObject[] {
    return objects.filter((o) => !isExampleProfileObject(o));
}

/** Deployed objects that still name the example user: a release that added one must be looked at. */
export function exampleUserProblems(objects: readonly KubeObject[]): Problem[] {
    return objects
        .filter((o) => someString(o, (s) => s.includes(EXAMPLE_USER)))
        .map((o) => ({
            where: objectKey(o),
            value: EXAMPLE_USER,
            rule: "a deployed object must not name the release's example user (extend dropExampleProfile)",
        }));
}
