/**
 * Where the real upstream renders are: ../shared/upstream, or the directory named by
 * KUBEFLOW_UPSTREAM_DIR, one `kubeflow-<release>.yaml` a release (scripts/render-catalog.ts
 * writes them). The bench measures them and the real-render suites read them.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const upstreamDir = process.env.KUBEFLOW_UPSTREAM_DIR ?? path.resolve(__dirname, "..", "..", "shared", "upstream");

/** Release ids of the renders present, e.g. "26.03", "v1.7.0". */
export function availableRenders(dir: string = upstreamDir): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs
        .readdirSync(dir)
        .map((f) => /^kubeflow-(.+)\.yaml$/.exec(f)?.[1])
        .filter((id): id is string => id !== undefined)
        .sort();
}

export function renderPath(release: string, dir: string = upstreamDir): string {
    return path.join(dir, `kubeflow-${release}.yaml`);
}
