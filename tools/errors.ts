/** A problem the user fixes (configuration, a missing tool, a bad file): printed without a stack trace. */
export class UserError extends Error {}

/**
 * Errors the user can act on print their message alone: the program's own checks throw
 * plain Errors (and ConfigError, UserError) whose message says what to fix. A TypeError
 * or ReferenceError is a bug in this program and keeps its stack.
 */
export function userFacing(err: unknown): string | undefined {
    if (!(err instanceof Error)) {
        return undefined;
    }
    return err instanceof UserError || err.name === "ConfigError" || Object.getPrototypeOf(err) === Error.prototype ? err.message : undefined;
}
