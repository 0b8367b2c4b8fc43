/** The message for a Node too old for an engines range of the form `>=X.Y[.Z]`, or undefined. */
export function tooOld(version: string, range: string): string | undefined;
