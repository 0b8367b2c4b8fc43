/**
 * Access to the real upstream renders in ../shared/upstream (or the directory named
 * by KUBEFLOW_UPSTREAM_DIR). They are test data only: read here, never copied into
 * the project. When absent, suites that need them skip with a visible message, except
 * in CI (`CI` set, as GitHub Actions and .ci/run set it), where a skip would let the
 * real-render suites pass without running: there, missing renders fail the suite.
 */
import * as fs from "node:fs";
import { parseManifests } from "../manifests/parse";
import { KubeObject } from "../manifests/types";
import { availableRenders, renderPath, upstreamDir } from "../tools/renders";

export { availableRenders, renderPath, upstreamDir } from "../tools/renders";

const cache = new Map<string, KubeObject[]>();

/** The parsed render of a release; every call returns a fresh deep copy so tests may mutate it. */
export function loadRender(release: string): KubeObject[] {
    let objs = cache.get(release);
    if (!objs) {
        objs = parseManifests(fs.readFileSync(renderPath(release), "utf8"), renderPath(release));
        cache.set(release, objs);
    }
    return structuredClone(objs);
}

/**
 * Why a suite over the renders is skipped, false when they are present; throws when
 * they are absent and `ci` is true, which fails the test file that asks.
 */
export function renderSkipReason(dir: string, renders: readonly string[], ci: boolean): string | false {
    if (renders.length > 0) {
        return false;
    }
    if (ci) {
        throw new Error(
            `CI is set and the upstream renders are missing from ${dir}: the real-render suites must run in CI. ` +
            "Render the catalog with `node --import tsx scripts/render-catalog.ts DIR` and set KUBEFLOW_UPSTREAM_DIR=DIR, " +
            "or unset CI to skip them locally.",
        );
    }
    return `upstream renders not found in ${dir} (set KUBEFLOW_UPSTREAM_DIR): real-render tests skipped`;
}

/** Whether CI is set the way CI systems set it: any value but empty, "0" or "false". */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
    const value = (env.CI ?? "").trim().toLowerCase();
    return value !== "" && value !== "0" && value !== "false";
}

/** Why a suite over the renders is skipped, or false when they are present (see renderSkipReason). */
export function skipWithoutRenders(): string | false {
    return renderSkipReason(upstreamDir, availableRenders(), inCi());
}
