/**
 * Renders every release of the catalog into DIR as `kubeflow-<id>.yaml`, the files the
 * real-render suites read (KUBEFLOW_UPSTREAM_DIR=DIR):
 *
 *   node --import tsx scripts/render-catalog.ts DIR
 *
 * Each release is fetched as a deploy fetches it (the pinned commit, verified, in the
 * same cache: manifests/source.ts) and rendered as the offline plan renders it
 * (`kustomize build` or `kubectl kustomize` from PATH: tools/kustomize-cli.ts). A render already
 * in DIR is kept, so a cached DIR costs nothing; a render is written under a temporary
 * name and renamed, so an interrupted run never leaves a partial file that looks whole.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RELEASES, Release } from "../manifests/catalog";
import { toYamlText } from "../manifests/parse";
import { ManifestSource, fetchRelease } from "../manifests/source";
import type { KubeObject } from "../manifests/types";
import { renderWithCli } from "../tools/kustomize-cli";

export interface RenderCatalogOptions {
    readonly outDir: string;
    readonly releases?: readonly Release[];
    /** Fetches a release; default: the deploy's fetch into the user cache. */
    readonly fetch?: (release: Release) => ManifestSource;
    /** Renders a kustomization directory; default: kustomize or kubectl from PATH. */
    readonly render?: (directory: string) => KubeObject[];
    readonly log?: (line: string) => void;
}

/** One line per release: rendered (with its object count) or kept from an earlier run. */
export function renderCatalog(options: RenderCatalogOptions): string[] {
    const fetch = options.fetch ?? ((release: Release) => fetchRelease(release));
    const render = options.render ?? renderWithCli;
    const log = options.log ?? ((line: string) => console.log(line));
    fs.mkdirSync(options.outDir, { recursive: true });
    const lines: string[] = [];
    for (const release of options.releases ?? RELEASES) {
        const file = path.join(options.outDir, `kubeflow-${release.id}.yaml`);
        let line: string;
        if (fs.existsSync(file)) {
            line = `${release.id}: kept ${file}`;
        } else {
            const source = fetch(release);
            if (source.kind !== "kustomization") {
                throw new Error(`${release.id}: the fetch returned a rendered file, not the release's kustomization`);
            }
            const objects = render(source.directory);
            const partial = `${file}.partial-${process.pid}`;
            fs.writeFileSync(partial, toYamlText(objects) + "\n");
            fs.renameSync(partial, file);
            line = `${release.id}: rendered ${objects.length} objects from ${source.origin} into ${file}`;
        }
        log(line);
        lines.push(line);
    }
    return lines;
}

if (require.main === module) {
    const outDir = process.argv[2];
    if (!outDir || process.argv.length > 3) {
        console.error("usage: node --import tsx scripts/render-catalog.ts DIR");
        process.exit(2);
    }
    try {
        renderCatalog({ outDir: path.resolve(outDir) });
    } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    }
}
