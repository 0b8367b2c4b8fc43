/**
 * The v1.7/v1.8 authservice's cookies, made Secure at the gateway. arrikto
 * oidc-authservice (e236439, the image both releases pin) writes its session cookie
 * `authservice_session` with `SameSite` from SESSION_SAME_SITE (default Lax) and never
 * `Secure`, and its state cookie `oidc_state_csrf` with neither; no setting changes that.
 * Over plain HTTP (the port 80 redirect), a browser would send them in clear.
 *
 * An Envoy Lua filter on the ingress gateway rewrites every `Set-Cookie` the gateway
 * sends: `; Secure` added where missing, `; SameSite=Lax` where no SameSite is said. It
 * runs first in the gateway's HTTP filter chain (EnvoyFilter INSERT_FIRST, with a priority
 * above the release's `authn-filter`, whose ext_authz filter it must precede: patch sets
 * apply in ascending priority, istio/api networking/v1alpha3/envoy_filter.proto at 1.16.0,
 * `priority`), so it is the last to see a response, those the authservice answers through
 * ext_authz included. The headers are read with `pairs` (Envoy's Lua filter: the header
 * map's `__pairs` iterates every header, a repeated one once per value), then replaced.
 */
import { KubeObject } from "../types";

export const SECURE_COOKIES_FILTER = "kubeflow-azure-secure-cookies";

/** The Lua the gateway runs: plain Lua 5.1 (LuaJIT, as Envoy embeds it), also valid 5.3 for the tests. */
export const SECURE_COOKIES_LUA = `-- kubeflow-azure: every cookie the gateway sends is Secure, and SameSite=Lax unless it says otherwise.
local function secured(cookie)
  local lower = string.lower(cookie)
  local out = cookie
  if not (string.find(lower, ";%s*secure%s*;") or string.find(lower, ";%s*secure%s*$")) then
    out = out .. "; Secure"
  end
  if not string.find(lower, ";%s*samesite%s*=") then
    out = out .. "; SameSite=Lax"
  end
  return out
end

function envoy_on_response(response_handle)
  local headers = response_handle:headers()
  local cookies = {}
  for key, value in pairs(headers) do
    if string.lower(key) == "set-cookie" then
      cookies[#cookies + 1] = value
    end
  end
  if #cookies == 0 then
    return
  end
  headers:remove("set-cookie")
  for _, cookie in ipairs(cookies) do
    headers:add("set-cookie", secured(cookie))
  end
end
`;

/** The EnvoyFilter, on the pods `authnFilter` (the release's ext_authz EnvoyFilter) selects. */
export function secureCookiesFilter(authnFilter: KubeObject): KubeObject {
    const spec = (authnFilter.spec ?? {}) as Record<string, unknown>;
    return {
        apiVersion: authnFilter.apiVersion,
        kind: "EnvoyFilter",
        metadata: { name: SECURE_COOKIES_FILTER, namespace: authnFilter.metadata.namespace },
        spec: {
            ...(spec.workloadSelector !== undefined ? { workloadSelector: spec.workloadSelector } : {}),
            priority: 10,
            configPatches: [
                {
                    applyTo: "HTTP_FILTER",
                    match: { context: "GATEWAY", listener: { filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } } } },
                    patch: {
                        operation: "INSERT_FIRST",
                        value: {
                            name: SECURE_COOKIES_FILTER,
                            typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua", inlineCode: SECURE_COOKIES_LUA },
                        },
                    },
                },
            ],
        },
    };
}

/**
 * The release's EnvoyFilter that puts the oidc-authservice's ext_authz filter on the
 * gateway (`istio-system/authn-filter` in v1.7.0 and v1.8.1), or undefined.
 */
export function findAuthnFilter(objects: readonly KubeObject[]): KubeObject | undefined {
    return objects.find((o) => {
        if (o.kind !== "EnvoyFilter") {
            return false;
        }
        const text = JSON.stringify(o.spec);
        return text.includes("envoy.filters.http.ext_authz") && /authservice\./.test(text);
    });
}

/** The filter for a release whose gateway runs the oidc-authservice; none for any other. */
export function secureCookies(objects: readonly KubeObject[]): KubeObject[] {
    const authn = findAuthnFilter(objects);
    return authn ? [secureCookiesFilter(authn)] : [];
}
