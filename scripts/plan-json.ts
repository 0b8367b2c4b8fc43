/**
 * The plan's JSON vocabulary: values masked as the plan stores them (secrets as `[secret]`
 * with a digest, unknowns as `[unknown]`), property paths, and the canonical,
 * locale-independent serialisation every plan file and comparison uses.
 */
import { createHash } from "node:crypto";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isSecretWire(value: unknown): value is { value?: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** Replaces secrets with "[secret]" (recording a digest) and unknowns with "[unknown]"; everything else as JSON. */
export function mask(value: unknown, path: string, digests: Record<string, string>): Json {
    if (isSecretWire(value)) {
        digests[path] = digest(value.value);
        return SECRET;
    }
    if (value === unknownValue) {
        return UNKNOWN;
    }
    if (value === null || typeof value === "boolean" || typeof value === "string") {
        return value;
    }
    if (typeof value === "number") {
        return Number.isFinite(value) ? value : String(value);
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => mask(v, `${path}[${i}]`, digests));
    }
    if (typeof value === "object") {
        const out: { [key: string]: Json } = {};
        for (const [k, v] of Object.entries(value)) {
            if (v !== undefined) {
                out[k] = mask(v, `${path}${pathKey(k)}`, digests);
            }
        }
        return out;
    }
    // Functions, symbols, bigints: not in a registration's inputs; kept readable all the same.
    return typeof value === "bigint" ? value.toString() : typeof value;
}

function digest(value: unknown): string {
    return `sha256:${createHash("sha256")
        .update(canonicalJson(value ?? null))
        .digest("hex")
        .slice(0, 16)}`;
}

/** `.key` for identifier-like keys, `["key"]` otherwise (so `objects["Secret ns/name"].data`). */
export function pathKey(key: string): string {
    return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function joinPath(base: string, key: string): string {
    const k = pathKey(key);
    return base === "" && k.startsWith(".") ? k.slice(1) : `${base}${k}`;
}

/** JSON with every object's keys sorted, two-space indented, newline-terminated. */
export function canonicalJson(value: unknown): string {
    return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.keys(value)
                .sort(compare)
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/** Code-unit order: locale-independent, so every machine sorts alike. */
export function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
