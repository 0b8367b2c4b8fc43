/**
 * Where a release's manifests come from: a pinned commit of the upstream repository,
 * fetched with git and cached per commit, or a local path given in configuration.
 * This is the one module of manifests/ that touches the disk and the network; it runs
 * at deploy time only and never in tests that need no network.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KUSTOMIZATION_PATH, MANIFESTS_REPOSITORY, RELEASES, Release } from "./catalog";
import { podContainers } from "./kube";
import { parseManifests } from "./parse";
import { KubeObject } from "./types";

/** What to render: a rendered YAML file is read as is; a kustomization is rendered. */
export type ManifestSource =
    { readonly kind: "rendered"; readonly file: string } | { readonly kind: "kustomization"; readonly directory: string; readonly origin: string };

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** Per-user cache of fetched releases: `$XDG_CACHE_HOME/kubeflow-azure` or `~/.cache/kubeflow-azure`. */
export function defaultCacheDir(): string {
    return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "kubeflow-azure");
}

/** A local `manifests` path as configured: a rendered file or a kustomization directory. */
export function localSource(manifestsPath: string): ManifestSource {
    const stat = fs.statSync(manifestsPath);
    if (stat.isDirectory()) {
        if (!KUSTOMIZATION_FILES.some((f) => fs.existsSync(path.join(manifestsPath, f)))) {
            throw new Error(`kubeflow-azure:manifests: ${manifestsPath} is a directory without a kustomization.yaml`);
        }
        return { kind: "kustomization", directory: manifestsPath, origin: manifestsPath };
    }
    return { kind: "rendered", file: manifestsPath };
}

export type Git = (args: readonly string[], cwd: string) => string;

const runGit: Git = (args, cwd) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10 * 60_000 }).trim();

/**
 * The release's repository at its pinned commit, from the cache or fetched into it.
 * The checkout is verified (HEAD equals the pinned commit) before it is used, so a
 * tampered or half-written cache entry is refetched rather than deployed.
 */
export function fetchRelease(release: Release, options: { cacheDir?: string; git?: Git; repository?: string } = {}): ManifestSource {
    const git = options.git ?? runGit;
    const repository = options.repository ?? MANIFESTS_REPOSITORY;
    const target = path.join(options.cacheDir ?? defaultCacheDir(), "manifests", release.commit);
    const origin = `${repository} ${release.tag} (${release.commit})`;
    const directory = path.join(target, KUSTOMIZATION_PATH);

    if (fs.existsSync(target) && checkoutIs(git, target, release.commit)) {
        return { kind: "kustomization", directory, origin };
    }
    fs.rmSync(target, { recursive: true, force: true });
    const partial = `${target}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    try {
        git(["init", "--quiet"], partial);
        git(["remote", "add", "origin", repository], partial);
        // A shallow fetch of exactly the pinned commit: the tag is never trusted for content.
        git(["fetch", "--quiet", "--depth", "1", "origin", release.commit], partial);
        git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], partial);
    } catch (err) {
        fs.rmSync(partial, { recursive: true, force: true });
        throw new Error(
            `Kubeflow ${release.id}: could not fetch ${origin}: ${firstLine(err)}. ` +
                "Check network access to GitHub, or render the release elsewhere and set kubeflow-azure:manifests to the rendered file or a local checkout.",
        );
    }
    if (!checkoutIs(git, partial, release.commit)) {
        fs.rmSync(partial, { recursive: true, force: true });
        throw new Error(
            `Kubeflow ${release.id}: the fetched tree is not commit ${release.commit}; refusing to deploy it. Delete ${target} and retry, or report the release pin.`,
        );
    }
    fs.renameSync(partial, target);
    if (!fs.existsSync(directory)) {
        throw new Error(`Kubeflow ${release.id}: ${origin} has no ${KUSTOMIZATION_PATH}/ kustomization`);
    }
    return { kind: "kustomization", directory, origin };
}

/**
 * Whether the release's tag still points at its pinned commit; a moved tag is reported
 * (the pinned commit is still what is deployed). Undefined when the remote cannot be asked.
 */
export function tagMoved(release: Release, options: { git?: Git; repository?: string } = {}): string | undefined {
    const git = options.git ?? runGit;
    try {
        const line = git(["ls-remote", options.repository ?? MANIFESTS_REPOSITORY, `refs/tags/${release.tag}^{}`, `refs/tags/${release.tag}`], os.tmpdir());
        const lines = line.split("\n").filter(Boolean);
        const peeled = lines.find((l) => l.endsWith("^{}")) ?? lines[0];
        const commit = peeled?.split(/\s+/)[0];
        return commit && commit !== release.commit ? commit : undefined;
    } catch {
        return undefined;
    }
}

/** Reads a rendered multi-document YAML file. */
export function readRendered(file: string): KubeObject[] {
    return parseManifests(fs.readFileSync(file, "utf8"), file);
}

function checkoutIs(git: Git, dir: string, commit: string): boolean {
    try {
        return git(["rev-parse", "HEAD"], dir) === commit;
    } catch {
        return false;
    }
}

function firstLine(err: unknown): string {
    const text = err instanceof Error ? (err as { stderr?: string }).stderr || err.message : String(err);
    return text.trim().split("\n")[0] ?? "";
}

/**
 * The Kubeflow Pipelines version of each release, as kubeflow/manifests README.md lists it
 * in its component table at the release's tag (v1.7.0: 2.0.0-alpha.7, ...). No label in a
 * render names the release, and most components keep their version across two or more
 * releases (the notebook controller is v1.10.0 in v1.10.2, v1.11.0 and 26.03); the
 * pipelines version differs between every two releases of the catalog.
 */
export const PIPELINES_VERSIONS: Readonly<Record<string, string>> = Object.freeze({
    "26.03": "2.16.0",
    "v1.11.0": "2.15.0",
    "v1.10.2": "2.5.0",
    "v1.9.1": "2.3.0",
    "v1.8.1": "2.0.5",
    "v1.7.0": "2.0.0-alpha.7",
});

/**
 * The pipelines version a render deploys: the tag of the API server image of
 * `kubeflow/ml-pipeline` (gcr.io/ml-pipeline/api-server up to v1.9, ghcr.io/kubeflow/
 * kfp-api-server after). Only the tag counts, so a render whose images were moved to a
 * mirror registry is still recognised; undefined when the image is pinned by digest only.
 */
export function renderedPipelinesVersion(objects: readonly KubeObject[]): string | undefined {
    const apiServer = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "ml-pipeline" && o.metadata.namespace === "kubeflow");
    const image = (apiServer ? podContainers(apiServer) : []).find((c) => c.name === "ml-pipeline-api-server")?.image;
    if (typeof image !== "string") {
        return undefined;
    }
    const named = image.split("@")[0];
    const colon = named.lastIndexOf(":");
    return colon > named.lastIndexOf("/") ? named.slice(colon + 1) : undefined;
}

/**
 * Refuses a render of another catalog release than the configured one (a `manifests`
 * file rendered from v1.9.1 while `kubeflowRelease` says 26.03 would be deployed with the
 * wrong authservice flavour and ordering assumptions). A render whose pipelines version
 * no catalog release ships is let through: a reviewed, patched render may change it.
 */
export function checkRenderedRelease(objects: readonly KubeObject[], release: Release, origin: string): void {
    const version = renderedPipelinesVersion(objects);
    if (version === undefined || version === PIPELINES_VERSIONS[release.id]) {
        return;
    }
    const other = RELEASES.find((r) => PIPELINES_VERSIONS[r.id] === version);
    if (other) {
        throw new Error(
            `${origin} is a render of Kubeflow ${other.id} (Kubeflow Pipelines ${version}), but kubeflow-azure:kubeflowRelease is ${release.id} ` +
                `(Kubeflow Pipelines ${PIPELINES_VERSIONS[release.id] ?? "unknown"}): set kubeflow-azure:kubeflowRelease to ${other.id}, or point kubeflow-azure:manifests at a render of ${release.id}.`,
        );
    }
}
