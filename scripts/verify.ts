/**
 * `npm run verify -- --stack dev [--ca kubeflow-ca.crt] [--token T] [--namespace NS]`:
 * checks a deployed stack from outside (see verify-report.ts) and prints one line per check.
 * Exit code 0 when nothing failed (skips are listed), 1 when a check failed, 2 when the
 * inputs are wrong (nothing was checked).
 */
import * as fs from "node:fs";
import { findRelease } from "../manifests/catalog";
import { USAGE, VerifyInputError, parseArgs, resolveInputs } from "./verify-inputs";
import { Resolver, systemResolver } from "./verify-network";
import { failed, formatReport, verify } from "./verify-report";
import { Runner, readStackOutputs, runCommand, tokenFromAzCli } from "./verify-stack";

export { Flags, ResolveDeps, SecretString, StackOutputValues, USAGE, VerifyInputError, VerifyInputs, parseArgs, resolveInputs } from "./verify-inputs";
export { Resolver, checkDns, checkHttpRedirect, checkTls, systemResolver } from "./verify-network";
export { KfpApi, checkPipelines, kfpApi, pipelinesApiPath } from "./verify-pipelines";
export { VerifyDeps, VerifyReport, failed, formatReport, verify } from "./verify-report";
export { CheckName, CheckResult, CheckStatus } from "./verify-request";
export { checkSignIn, signInButtonPath } from "./verify-sign-in";
export { Runner, apiScope, readStackOutputs, runCommand, tokenFromAzCli } from "./verify-stack";

export interface MainDeps {
    readonly resolve: Resolver;
    /** Runs `pulumi` and `az`. */
    readonly run: Runner;
    readonly readFile: (path: string) => string;
    readonly print: (text: string) => void;
}

const defaultDeps: MainDeps = {
    resolve: systemResolver,
    run: runCommand,
    readFile: (p) => fs.readFileSync(p, "utf8"),
    print: (text) => console.log(text),
};

/** The whole command; returns the exit code. Input problems throw VerifyInputError. */
export async function main(argv: readonly string[], deps: MainDeps = defaultDeps): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        deps.print(USAGE);
        return 0;
    }
    const { flags, problems } = parseArgs(argv);
    const outputs = flags.stack !== undefined && problems.length === 0 ? await readStackOutputs(flags.stack, deps.run) : undefined;
    let inputs = resolveInputs(flags, { outputs, readFile: deps.readFile }, problems);
    // Only oauth2-proxy releases take bearer tokens; az is not asked for one it cannot use.
    const bearer = inputs.release !== undefined && findRelease(inputs.release)?.authservice === "oauth2-proxy";
    if (inputs.token === undefined && inputs.clientId !== undefined && bearer) {
        const got = await tokenFromAzCli(inputs.clientId, deps.run);
        inputs = "token" in got ? { ...inputs, token: got.token } : { ...inputs, tokenUnavailable: got.unavailable };
    }
    const report = await verify(inputs, { resolve: deps.resolve });
    deps.print(formatReport(report));
    return failed(report) ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            if (e instanceof VerifyInputError) {
                console.error(e.message);
                console.error(USAGE);
                process.exitCode = 2;
            } else {
                console.error(e);
                process.exitCode = 1;
            }
        },
    );
}
