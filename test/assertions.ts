/** Assertions that also narrow a value's type, shared by the suites that walk objects. */
import assert from "node:assert/strict";
import { isRecord } from "../manifests/kube";

export function rec(value: unknown, what: string): Record<string, unknown> {
    assert.ok(isRecord(value), `${what} is an object`);
    return value;
}

export function list(value: unknown, what: string): unknown[] {
    assert.ok(Array.isArray(value), `${what} is a list`);
    return value;
}
