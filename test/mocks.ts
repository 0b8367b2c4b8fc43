/**
 * The one Pulumi mocks module of the test suites: the product's recording runtime
 * (tools/recording-runtime.ts, answered by tools/mock-answers.ts) under the names the
 * suites use, and the leak checks only tests need.
 *
 * Usage: `const mocks = await installMocks()` before importing any program module, then
 * `mocks.reset()`, run the program, `await mocks.settle()`, inspect `mocks.resources`.
 */
import * as pulumi from "@pulumi/pulumi";
import { MOCK } from "../tools/mock-answers";
import { RecordingRuntime, installRecordingRuntime, isSecretValue } from "../tools/recording-runtime";

export { MOCK } from "../tools/mock-answers";
export { isSecretValue, promiseOf } from "../tools/recording-runtime";
export type { RecordedInvoke, RecordedResource } from "../tools/recording-runtime";

export type Mocks = RecordingRuntime;

/** Installs the mocks once per process; `preview` selects dry-run semantics (unknown outputs). */
export const installMocks: (options?: { stack?: string; preview?: boolean }) => Promise<Mocks> = installRecordingRuntime;

/** Plaintexts that must never reach a resource input or output outside a secret. */
export const SECRET_PLAINTEXTS: readonly string[] = [MOCK.clientSecret, MOCK.randomPassword, MOCK.storageKey, "mock-admin-token-do-not-leak"];

/** Paths under `value` where a plaintext occurs outside any secret wrapper. */
export function plaintextLeaks(value: unknown, plaintexts: readonly string[], path = ""): string[] {
    if (isSecretValue(value)) {
        return [];
    }
    if (typeof value === "string") {
        return plaintexts.some((p) => value.includes(p)) ? [path || "(root)"] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => plaintextLeaks(v, plaintexts, `${path}[${i}]`));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => plaintextLeaks(v, plaintexts, path ? `${path}.${k}` : k));
    }
    return [];
}

/** Whether an Output is marked secret. */
export function isSecretOutput<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}
