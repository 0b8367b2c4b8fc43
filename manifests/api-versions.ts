/**
 * The other API versions an applied object may have been created under, as Pulumi type
 * tokens, so that an object whose apiVersion changes between releases keeps its
 * identity through aliases instead of being created again beside the live one.
 *
 * A yaml/v2 child's type is `kubernetes:<apiVersion>:<Kind>`, and yaml/v2 registers it
 * with no aliases at all (pulumi-kubernetes v4.32.0 provider/pkg/provider/yaml/v2/yaml.go
 * register() calls sdk/go/kubernetes/yaml/v2/kinds.go RegisterResource, which calls
 * ctx.RegisterResource directly: the aliases between versions live only in the typed
 * constructors such as sdk/go/kubernetes/autoscaling/v2/horizontalPodAutoscaler.go
 * NewHorizontalPodAutoscaler). A new apiVersion is therefore a new URN, for built-in
 * kinds and custom resources alike.
 */

/** Every apiVersion one kind has been served under; an object of it may move between them. */
export interface Family {
    readonly kind: string;
    readonly apiVersions: readonly string[];
}

/**
 * The kinds the catalog's releases apply that exist in more than one version.
 * Custom resources: every version their CRDs list in any render of the catalog (checked
 * against the renders by test/api-versions.test.ts, so a release that adds a version
 * fails there until it is listed). Built-in kinds: the HorizontalPodAutoscaler, the one
 * the catalog moves (autoscaling/v2beta2 in v1.7.0, v2 after), with the versions the
 * SDK's typed constructor aliases; every other built-in kind the renders use is at v1
 * of a GA group (apps, rbac, policy, admissionregistration, ...) with no newer version
 * to move to.
 */
export const VERSION_FAMILIES: readonly Family[] = [
    { kind: "HorizontalPodAutoscaler", apiVersions: ["autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1", "autoscaling/v2beta2"] },
    { kind: "Profile", apiVersions: ["kubeflow.org/v1", "kubeflow.org/v1beta1"] },
    ...["DestinationRule", "Gateway", "Sidecar", "VirtualService"].map((kind) => ({
        kind,
        apiVersions: ["networking.istio.io/v1", "networking.istio.io/v1alpha3", "networking.istio.io/v1beta1"],
    })),
    ...["AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"].map((kind) => ({
        kind,
        apiVersions: ["security.istio.io/v1", "security.istio.io/v1beta1"],
    })),
];

/**
 * The type token yaml/v2 registers an object under: `kubernetes:<apiVersion>:<Kind>`,
 * the core group written `core/v1` (sdk/go/kubernetes/yaml/v2/kinds.go RegisterResource:
 * `v1/ConfigMap` becomes `kubernetes:core/v1:ConfigMap`; a kind it does not know, a
 * custom resource, `kubernetes:<apiVersion>:<Kind>`).
 */
export function childTypeToken(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion === "v1" ? "core/v1" : apiVersion}:${kind}`;
}

/**
 * The type tokens of the same kind at its other versions, for a child's type token
 * (`kubernetes:networking.istio.io/v1beta1:Gateway` gives the v1 and v1alpha3 Gateway
 * types); empty for a type of one version only or not a Kubernetes object.
 */
export function versionAliasTypes(type: string): string[] {
    const match = /^kubernetes:(.+):([^:]+)$/.exec(type);
    if (!match) {
        return [];
    }
    const [, apiVersion, kind] = match;
    const family = VERSION_FAMILIES.find((f) => f.kind === kind && f.apiVersions.includes(apiVersion));
    return family ? family.apiVersions.filter((v) => v !== apiVersion).map((v) => childTypeToken(v, kind)) : [];
}

/** Whether any of these objects needs the aliases, i.e. a group of them needs the transform at all. */
export function needsVersionAliases(objects: readonly { apiVersion: string; kind: string }[]): boolean {
    return objects.some((o) => versionAliasTypes(childTypeToken(o.apiVersion, o.kind)).length > 0);
}
