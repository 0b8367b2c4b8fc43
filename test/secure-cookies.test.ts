/**
 * The gateway's cookie rewrite for the oidc-authservice releases: the Lua itself, run
 * in a Lua VM (fengari) against a stand-in for Envoy's header map, and the EnvoyFilter
 * that places it on every release that runs the oidc-authservice.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lauxlib, lua, lualib, to_luastring } from "fengari";
import { SECURE_COOKIES_FILTER, SECURE_COOKIES_LUA, findAuthnFilter, secureCookies } from "../manifests/authservice/secure-cookies";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

/**
 * Runs the filter's envoy_on_response on a response with these headers (in order; a
 * header repeated as Envoy holds it) and returns the headers after it. The stand-in
 * iterates with `__pairs`, one pair per value, as Envoy's header map does.
 */
function respond(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
    const entries = headers.map(([k, v]) => `{ ${JSON.stringify(k)}, ${JSON.stringify(v)} }`).join(", ");
    const harness = `
local entries = { ${entries} }
local headers = setmetatable({}, { __pairs = function()
  local i = 0
  return function() i = i + 1; local e = entries[i]; if e then return e[1], e[2] end end
end })
function headers:remove(name)
  local kept = {}
  for _, e in ipairs(entries) do if string.lower(e[1]) ~= name then kept[#kept + 1] = e end end
  entries = kept
end
function headers:add(name, value) entries[#entries + 1] = { name, value } end
local handle = {}
function handle:headers() return headers end
envoy_on_response(handle)
local out = {}
for _, e in ipairs(entries) do out[#out + 1] = e[1] .. "\\t" .. e[2] end
return table.concat(out, "\\n")
`;
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    assert.equal(lauxlib.luaL_loadstring(L, to_luastring(`${SECURE_COOKIES_LUA}\n${harness}`)), lua.LUA_OK, "the script compiles");
    const status = lua.lua_pcall(L, 0, 1, 0);
    const result = lua.lua_tojsstring(L, -1);
    assert.equal(status, lua.LUA_OK, result);
    return result === "" ? [] : result.split("\n").map((line) => line.split("\t") as [string, string]);
}

describe("the gateway's cookie rewrite (oidc-authservice releases)", () => {
    it("makes every cookie Secure and SameSite=Lax unless it says otherwise, once, and keeps the other headers", () => {
        const out = respond([
            [":status", "302"],
            ["set-cookie", "authservice_session=abc; Path=/; Max-Age=86400; SameSite=Lax"],
            ["location", "https://login.microsoftonline.com/t/oauth2/v2.0/authorize"],
            ["set-cookie", "oidc_state_csrf=xyz; Path=/"],
            ["Set-Cookie", "already=1; Path=/; Secure; SameSite=None"],
            ["set-cookie", "secureflag=secure; Path=/secure"],
        ]);
        assert.deepEqual(
            out.filter(([k]) => k.toLowerCase() !== "set-cookie"),
            [
                [":status", "302"],
                ["location", "https://login.microsoftonline.com/t/oauth2/v2.0/authorize"],
            ],
        );
        assert.deepEqual(
            out.filter(([k]) => k === "set-cookie").map(([, v]) => v),
            [
                "authservice_session=abc; Path=/; Max-Age=86400; SameSite=Lax; Secure",
                "oidc_state_csrf=xyz; Path=/; Secure; SameSite=Lax",
                "already=1; Path=/; Secure; SameSite=None",
                // A value or path that merely says "secure" is not the attribute.
                "secureflag=secure; Path=/secure; Secure; SameSite=Lax",
            ],
        );
    });

    it("leaves a response without cookies as it is", () => {
        const headers: Array<[string, string]> = [
            [":status", "200"],
            ["content-type", "text/html"],
        ];
        assert.deepEqual(respond(headers), headers);
    });

    it(
        "goes on the gateway of every oidc-authservice release, first in its chain, after the release's ext_authz patch set",
        { skip: skipWithoutRenders() },
        () => {
            for (const id of availableRenders()) {
                const render = loadRender(id);
                const filters = secureCookies(render);
                if (!["v1.7.0", "v1.8.1"].includes(id)) {
                    assert.deepEqual(filters, [], `${id} runs oauth2-proxy, which sets its own cookie attributes`);
                    continue;
                }
                const authn = findAuthnFilter(render);
                assert.equal(authn?.metadata.name, "authn-filter", id);
                const [filter] = filters;
                const spec = filter.spec as {
                    workloadSelector: unknown;
                    priority: number;
                    configPatches: Array<{ patch: { operation: string; value: Record<string, unknown> } }>;
                };
                assert.equal(filter.metadata.name, SECURE_COOKIES_FILTER);
                assert.deepEqual(spec.workloadSelector, (authn?.spec as { workloadSelector: unknown }).workloadSelector);
                // The release's patch set has the default priority 0: this one applies after it, and goes first.
                assert.equal((authn?.spec as { priority?: number }).priority, undefined);
                assert.ok(spec.priority > 0);
                assert.equal(spec.configPatches[0].patch.operation, "INSERT_FIRST");
                assert.equal((spec.configPatches[0].patch.value.typed_config as { inlineCode: string }).inlineCode, SECURE_COOKIES_LUA);
            }
        },
    );
});
