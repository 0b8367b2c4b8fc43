// The few entry points of fengari (a Lua 5.3 VM in JavaScript) the tests use; it ships no types.
declare module "fengari" {
    type LuaState = { readonly __luaState: unique symbol };
    export const lua: {
        lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
        lua_tojsstring(L: LuaState, index: number): string;
        readonly LUA_OK: number;
    };
    export const lauxlib: {
        luaL_newstate(): LuaState;
        luaL_loadstring(L: LuaState, source: Uint8Array): number;
    };
    export const lualib: { luaL_openlibs(L: LuaState): void };
    export function to_luastring(s: string): Uint8Array;
}
