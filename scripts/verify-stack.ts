/**
 * What verify asks the CLIs on this machine: the stack's outputs from `pulumi`, and a
 * bearer token for the app's API scope from `az`.
 */
import { execFile } from "node:child_process";
import { SecretString, StackOutputValues, VerifyInputError } from "./verify-inputs";

export type Runner = (file: string, args: readonly string[]) => Promise<string>;

/** Runs a command and returns its stdout; a failure carries the command's stderr. */
export const runCommand: Runner = (file, args) =>
    new Promise((resolve, reject) => {
        execFile(file, [...args], { encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err) {
                const failure: Error & { stderr?: string } = err;
                failure.stderr = stderr;
                reject(failure);
            } else {
                resolve(stdout);
            }
        });
    });

function firstLine(e: unknown): string {
    const stderr = (e as { stderr?: unknown }).stderr;
    const text = typeof stderr === "string" && stderr.trim() !== "" ? stderr : e instanceof Error ? e.message : String(e);
    return text.trim().split("\n")[0].slice(0, 300);
}

/** `pulumi stack output --json --stack NAME`: secret outputs stay `[secret]` (no --show-secrets). */
export async function readStackOutputs(stack: string, run: Runner = runCommand): Promise<StackOutputValues> {
    let text: string;
    try {
        text = await run("pulumi", ["stack", "output", "--json", "--stack", stack]);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            throw new VerifyInputError(
                `--stack ${stack}: the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/); pass --host, --ip, --tenant, --client-id and --release instead`,
            );
        }
        throw new VerifyInputError(`--stack ${stack}: pulumi stack output failed: ${firstLine(e)}`);
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new VerifyInputError(`--stack ${stack}: pulumi stack output --json printed no object`);
    }
    return parsed;
}

/** The scope the app registration exposes for bearer tokens (components/entra-app.ts). */
export function apiScope(clientId: string): string {
    return `api://${clientId}/user_impersonation`;
}

/**
 * A token from the Azure CLI's login for the app's API scope, as the README's KFP SDK
 * snippet gets one. No az, or az failing (not signed in, no consent), gives the reason
 * the pipelines check is skipped.
 */
export async function tokenFromAzCli(clientId: string, run: Runner = runCommand): Promise<{ token: SecretString } | { unavailable: string }> {
    try {
        const out = await run("az", ["account", "get-access-token", "--scope", apiScope(clientId), "--query", "accessToken", "-o", "tsv"]);
        const token = out.trim();
        return token === "" ? { unavailable: "az account get-access-token printed no token" } : { token: new SecretString(token) };
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            return { unavailable: "no --token, and the Azure CLI (az) is not installed" };
        }
        return { unavailable: `az account get-access-token failed: ${firstLine(e)}` };
    }
}
