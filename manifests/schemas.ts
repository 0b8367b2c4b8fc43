/**
 * Validation of the objects the program builds or rewrites against their published
 * schemas (kubernetes-models for Kubernetes, Istio and cert-manager). Asynchronous:
 * the schema packages are ES modules, loaded once, on first use.
 */
import { KubeObject, Problem, formatProblems, objectKey } from "./types";

interface Validatable {
    validate(): void;
}
type ModelClass = new (data: object) => Validatable;

// tsc turns import() into require() under "module": "commonjs", and the
// kubernetes-models packages export only an "import" condition; an indirect eval
// keeps a real import().
const importEsm = (0, eval)("(specifier) => import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

const istio = (path: string): string => `@kubernetes-models/istio/${path}`;

/** `apiVersion/kind` -> [module, export]. */
const SOURCES: Readonly<Record<string, readonly [string, string]>> = {
    "v1/ConfigMap": ["kubernetes-models/v1/ConfigMap", "ConfigMap"],
    "v1/Service": ["kubernetes-models/v1/Service", "Service"],
    "v1/ServiceAccount": ["kubernetes-models/v1/ServiceAccount", "ServiceAccount"],
    "apps/v1/Deployment": ["kubernetes-models/apps/v1/Deployment", "Deployment"],
    "apps/v1/StatefulSet": ["kubernetes-models/apps/v1/StatefulSet", "StatefulSet"],
    "networking.istio.io/v1alpha3/Gateway": [istio("networking.istio.io/v1alpha3/Gateway"), "Gateway"],
    "networking.istio.io/v1beta1/Gateway": [istio("networking.istio.io/v1beta1/Gateway"), "Gateway"],
    "networking.istio.io/v1/Gateway": [istio("networking.istio.io/v1/Gateway"), "Gateway"],
    "networking.istio.io/v1alpha3/EnvoyFilter": [istio("networking.istio.io/v1alpha3/EnvoyFilter"), "EnvoyFilter"],
    "networking.istio.io/v1alpha3/VirtualService": [istio("networking.istio.io/v1alpha3/VirtualService"), "VirtualService"],
    "networking.istio.io/v1beta1/VirtualService": [istio("networking.istio.io/v1beta1/VirtualService"), "VirtualService"],
    "security.istio.io/v1beta1/RequestAuthentication": [istio("security.istio.io/v1beta1/RequestAuthentication"), "RequestAuthentication"],
    "security.istio.io/v1/RequestAuthentication": [istio("security.istio.io/v1/RequestAuthentication"), "RequestAuthentication"],
    "security.istio.io/v1beta1/AuthorizationPolicy": [istio("security.istio.io/v1beta1/AuthorizationPolicy"), "AuthorizationPolicy"],
    "security.istio.io/v1/AuthorizationPolicy": [istio("security.istio.io/v1/AuthorizationPolicy"), "AuthorizationPolicy"],
    "cert-manager.io/v1/Certificate": ["@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate", "Certificate"],
    "cert-manager.io/v1/ClusterIssuer": ["@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer", "ClusterIssuer"],
};

const loaded = new Map<string, Promise<ModelClass>>();

function model(type: string): Promise<ModelClass> | undefined {
    const source = SOURCES[type];
    if (!source) {
        return undefined;
    }
    let m = loaded.get(type);
    if (!m) {
        m = importEsm(source[0]).then((mod) => mod[source[1]] as ModelClass);
        loaded.set(type, m);
    }
    return m;
}

/**
 * Validates each object against its schema and throws one error listing every
 * problem; an object of a kind without a known schema is a problem too.
 */
export async function validateObjects(objects: readonly KubeObject[], what: string): Promise<void> {
    const problems: Problem[] = [];
    for (const o of objects) {
        const Model = await model(`${o.apiVersion}/${o.kind}`);
        if (!Model) {
            problems.push({ where: objectKey(o), value: `${o.apiVersion} ${o.kind}`, rule: "no schema known for this kind and version" });
            continue;
        }
        try {
            new Model(o).validate();
        } catch (err) {
            problems.push({ where: objectKey(o), value: "schema", rule: err instanceof Error ? err.message : String(err) });
        }
    }
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} ${what} object(s) do not match their schema`, problems));
    }
}
