/**
 * Access to the real upstream renders in ../shared/upstream (or the directory named
 * by KUBEFLOW_UPSTREAM_DIR). They are test data only: read here, never copied into
 * the project. When absent, suites that need them skip with a visible message.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseManifests } from "../manifests/parse";
import { KubeObject } from "../manifests/types";

export const upstreamDir = process.env.KUBEFLOW_UPSTREAM_DIR ?? path.resolve(__dirname, "..", "..", "shared", "upstream");

/** Release ids of the renders present, e.g. "26.03", "v1.7.0". */
export function availableRenders(): string[] {
    if (!fs.existsSync(upstreamDir)) {
        return [];
    }
    return fs
        .readdirSync(upstreamDir)
        .map((f) => /^kubeflow-(.+)\.yaml$/.exec(f)?.[1])
        .filter((id): id is string => id !== undefined)
        .sort();
}

export function renderPath(release: string): string {
    return path.join(upstreamDir, `kubeflow-${release}.yaml`);
}

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

/** Why a suite over the renders is skipped, or false when they are present. */
export function skipWithoutRenders(): string | false {
    return availableRenders().length > 0
        ? false
        : `upstream renders not found in ${upstreamDir} (set KUBEFLOW_UPSTREAM_DIR): real-render tests skipped`;
}
