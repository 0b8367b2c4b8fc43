/**
 * Renders a kustomization with `kustomize build` or `kubectl kustomize` from PATH: what
 * the offline plan and scripts/render-catalog.ts use where a deploy would call the
 * Kubernetes provider's kustomize (components/release-source.ts), which does not run
 * under the recording runtime.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseManifests } from "../manifests/parse";
import type { KubeObject } from "../manifests/types";
import { UserError } from "./errors";

/** `kustomize build` or `kubectl kustomize`, with the provider's load restrictions (none). */
export function renderWithCli(directory: string): KubeObject[] {
    const candidates: [string, string[]][] = [
        ["kustomize", ["build", "--load-restrictor", "LoadRestrictionsNone", directory]],
        ["kubectl", ["kustomize", "--load-restrictor", "LoadRestrictionsNone", directory]],
    ];
    const found = candidates.find(([tool]) => onPath(tool));
    if (!found) {
        throw new UserError(
            `${directory} is a kustomization, and rendering it offline needs kustomize or kubectl on PATH (the Pulumi provider's kustomize does not run under mocks). ` +
                `Install one, or render it once and pass the file: --config kubeflow-azure:manifests=<rendered file>`,
        );
    }
    const [tool, args] = found;
    let text: string;
    try {
        text = execFileSync(tool, args, { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? String(err);
        throw new UserError(
            `${tool} ${args.join(" ")} failed: ${stderr.trim().split("\n").slice(0, 5).join("\n")}\nOr pass a rendered file: --config kubeflow-azure:manifests=<rendered file>`,
        );
    }
    return parseManifests(text, `${tool} render of ${directory}`);
}

function onPath(tool: string): boolean {
    return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir !== "" && isExecutable(path.join(dir, tool)));
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}
