/**
 * The real API server for the suites (tools/kube-server.ts): where the binaries are, and
 * what a suite does when they are not. Outside CI a suite skips with the one line that
 * says how to get them; in CI (`CI` set, as .ci/run sets it) it fails instead, so a
 * machine without them cannot pass by skipping.
 */
import { HOW_TO_GET_BINARIES, KubeBinaries, findKubeBinaries } from "../../tools/kube-server";
import { inCi } from "../upstream";

/** The binaries, or why the suite skips; throws in CI when they are missing. */
export function kubeBinariesOrSkip(env: NodeJS.ProcessEnv = process.env, sharedBin?: string): KubeBinaries | string {
    const found = findKubeBinaries(env, sharedBin);
    if (found) {
        return found;
    }
    if (inCi(env)) {
        throw new Error(`CI is set and the real API server's suites cannot run: ${HOW_TO_GET_BINARIES}`);
    }
    return HOW_TO_GET_BINARIES;
}
