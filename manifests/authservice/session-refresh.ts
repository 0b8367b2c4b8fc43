/**
 * The mesh config's ext-authz provider allowed to pass oauth2-proxy's refreshed
 * session cookie to the browser.
 */
import * as yaml from "js-yaml";
import { isRecord } from "../kube";
import { KubeObject } from "../types";
import { configMapData, setConfigMapData } from "./objects";
import { AuthFlavour, OAUTH2_PROXY_EXTENSION_PROVIDER } from "./settings";

/** The mesh config Istio's control plane reads (istiod watches it: pkg/config/mesh/kubemesh). */
export const MESH_CONFIG_NAMESPACE = "istio-system";
export const MESH_CONFIG_NAME = "istio";
export const MESH_CONFIG_KEY = "mesh";

/**
 * The release's mesh config with `set-cookie` among the headers the oauth2-proxy
 * ext-authz provider may send to the browser on an allowed check; every other object
 * is returned unchanged, and so is everything else in the mesh config.
 *
 * oauth2-proxy refreshes a session older than cookie_refresh while it answers the check
 * (pkg/middleware/stored_session.go) and sets the new cookie on that answer. Istio's
 * extauthz builder maps `headersToDownstreamOnAllow` to Envoy's
 * `allowed_client_headers_on_success` (pilot/pkg/security/authz/builder/extauthz.go,
 * 1.22.1 through 1.28.0); the releases list only `headersToDownstreamOnDeny`, so Envoy
 * drops that Set-Cookie, and every request after cookie_refresh refreshes again against
 * Entra until one refresh fails and signs the user out.
 *
 * The platform keeps applying the ConfigMap (edited, not handed over): istiod and the
 * sidecar injector read it from the first pod on, before the authservice exists.
 * For oidc-authservice (no ext-authz provider in the mesh config) nothing changes.
 */
export function allowSessionRefresh(objects: readonly KubeObject[], flavour: AuthFlavour): KubeObject[] {
    if (flavour !== "oauth2-proxy") {
        return [...objects];
    }
    let found = false;
    const out = objects.map((o) => {
        if (!isMeshConfig(o)) {
            return o;
        }
        const text = configMapData(o)[MESH_CONFIG_KEY] ?? "";
        const mesh = yaml.load(text, { schema: yaml.JSON_SCHEMA });
        const providers = isRecord(mesh) && Array.isArray(mesh.extensionProviders) ? mesh.extensionProviders.filter(isRecord) : [];
        const provider = providers.find((p) => p.name === OAUTH2_PROXY_EXTENSION_PROVIDER && isRecord(p.envoyExtAuthzHttp));
        if (!isRecord(mesh) || !provider || !isRecord(provider.envoyExtAuthzHttp)) {
            return o;
        }
        found = true;
        const http = provider.envoyExtAuthzHttp;
        const onAllow = Array.isArray(http.headersToDownstreamOnAllow) ? http.headersToDownstreamOnAllow.map(String) : [];
        if (!onAllow.some((h) => h.toLowerCase() === "set-cookie")) {
            http.headersToDownstreamOnAllow = [...onAllow, "set-cookie"];
        }
        const copy = structuredClone(o);
        setConfigMapData(copy, { ...configMapData(o), [MESH_CONFIG_KEY]: yaml.dump(mesh, { lineWidth: -1, noRefs: true }) });
        return copy;
    });
    if (!found) {
        throw new Error(
            `oauth2-proxy: no ConfigMap ${MESH_CONFIG_NAMESPACE}/${MESH_CONFIG_NAME} whose ${MESH_CONFIG_KEY} has the envoyExtAuthzHttp extension provider ` +
                `${OAUTH2_PROXY_EXTENSION_PROVIDER}: refreshed sessions could not reach the browser`,
        );
    }
    return out;
}

export function isMeshConfig(o: KubeObject): boolean {
    return (
        o.kind === "ConfigMap" && o.metadata.namespace === MESH_CONFIG_NAMESPACE && o.metadata.name === MESH_CONFIG_NAME && MESH_CONFIG_KEY in configMapData(o)
    );
}
