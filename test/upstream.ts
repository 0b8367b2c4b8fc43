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

/** Each render as JSON text, parsed from YAML once per process. */
const cache = new Map<string, string>();

/**
 * The parsed render of a release; every call returns a fresh deep copy so tests may
 * mutate it. The YAML is parsed once per process; the copies come from its JSON text,
 * which JSON.parse reads two to three times faster than structuredClone copies the
 * objects (150-250 ms against 55-95 ms for 26.03 on this machine). The render is plain
 * JSON data (js-yaml's JSON schema), so the copy is exact; a number JSON cannot hold
 * (.inf, .nan) is refused rather than turned into null.
 */
export function loadRender(release: string): KubeObject[] {
    let text = cache.get(release);
    if (text === undefined) {
        const objects = parseManifests(fs.readFileSync(renderPath(release), "utf8"), renderPath(release));
        text = JSON.stringify(objects, (key, value: unknown) => {
            if (typeof value === "number" && !Number.isFinite(value)) {
                throw new Error(`${renderPath(release)}: ${key}: ${value} has no JSON form`);
            }
            return value;
        });
        cache.set(release, text);
    }
    return JSON.parse(text) as KubeObject[];
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
