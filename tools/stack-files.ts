/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands configuration
 * to the program: project defaults first, stack values over them, every value a string
 * (objects and arrays as JSON).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { DeploymentContext, NAMESPACE, RawConfig } from "../config";
import type { Release } from "../manifests/catalog";
import { UserError } from "./errors";
import { MOCK } from "./mock-answers";

/**
 * The deployment context the offline tools and the tests resolve configuration in: the
 * subscription the recording runtime's getClientConfig answers with, and the
 * organization and project it runs the program in (tools/recording-runtime.ts).
 */
export const CONTEXT: DeploymentContext = {
    subscriptionId: MOCK.subscriptionId,
    organization: "organization",
    project: "kubeflow-azure",
};

export const projectDir = path.resolve(__dirname, "..");

/**
 * The scalars the Pulumi CLI reads from its YAML files (Go's gopkg.in/yaml, decoding into
 * interface{}): YAML 1.2's core schema, where `yes` is text and a date stays text
 * (decode.go keeps a timestamp-like value a string there "for backward compatibility").
 * js-yaml's default schema would make `rotation: 2026-01-01` a Date.
 */
const YAML_SCHEMA = yaml.CORE_SCHEMA;

interface ProjectFile {
    name: string;
    config: Record<string, { type: string; description?: string; default?: unknown; items?: unknown }>;
}

export function projectFile(): ProjectFile {
    return yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"), { schema: YAML_SCHEMA }) as ProjectFile;
}

function asConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** A stack file that is not what the Pulumi CLI would read: the message names the file and the line. */
export class StackFileError extends UserError {}

/**
 * The `config` map of a stack file. A YAML error (a key given twice, a tab, a bad
 * indent) is one line naming the file, the line and what is wrong, with no stack trace.
 */
export function readStackFile(file: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = yaml.load(fs.readFileSync(file, "utf8"), { filename: file, schema: YAML_SCHEMA });
    } catch (err) {
        if (err instanceof yaml.YAMLException) {
            throw new StackFileError(`${path.basename(file)} line ${err.mark.line + 1}: ${err.reason}`);
        }
        throw err;
    }
    const config = typeof doc === "object" && doc !== null ? (doc as { config?: unknown }).config : undefined;
    if (config !== undefined && (typeof config !== "object" || config === null || Array.isArray(config))) {
        throw new StackFileError(`${path.basename(file)}: config is not a map of keys to values`);
    }
    return namespaced(file, (config ?? {}) as Record<string, unknown>);
}

/**
 * A key without a namespace is the project's, as the Pulumi CLI reads a stack file
 * (sdk/go/common/workspace/loaders.go, stackConfigNamespacedWithProject: `instanceSize`
 * becomes `<project>:instanceSize`). The same key written both ways would leave the
 * CLI's choice to Go's map order, so it is refused. A key with no value is the empty
 * string, as the CLI reads it (checkForEmptyConfig there).
 */
function namespaced(file: string, config: Record<string, unknown>): Record<string, unknown> {
    const project = projectFile().name;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        const full = key.includes(":") ? key : `${project}:${key}`;
        if (full in out) {
            throw new StackFileError(`${path.basename(file)}: ${key} and ${full} are the same key given twice; keep one (${full})`);
        }
        out[full] = value === null ? "" : value;
    }
    return out;
}

/** The raw configuration the CLI would give a program on this stack. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
    const raw: Record<string, string> = {};
    for (const [key, schema] of Object.entries(projectFile().config)) {
        if (schema.default !== undefined) {
            raw[`${NAMESPACE}:${key}`] = asConfigString(schema.default);
        }
    }
    const stackValues = readStackFile(path.join(projectDir, `Pulumi.${stack}.yaml`));
    for (const [key, value] of Object.entries({ ...stackValues, ...overrides })) {
        if (value === undefined) {
            delete raw[key];
        } else {
            raw[key] = asConfigString(value);
        }
    }
    return raw;
}

/**
 * The config that makes a stack file deploy this release offline (the bench, the suites):
 * its id, the newest Kubernetes it is tested on (no warning), and, for the releases whose
 * authservice needs a client secret, a secret issued today (the others ignore it). A
 * release that keeps artifacts in MinIO keeps its state in the cluster (managed state
 * needs SeaweedFS), as a stack that upgrades from one does (the state never moves).
 */
export function releaseConfig(release: Release, today = new Date(), previous?: Release): Record<string, unknown> {
    return {
        [`${NAMESPACE}:kubeflowRelease`]: release.id,
        [`${NAMESPACE}:kubernetesVersion`]: release.kubernetes.max,
        [`${NAMESPACE}:clientSecret`]: { validityDays: 365, rotation: today.toISOString().slice(0, 10) },
        ...(release.objectStore === "minio" || previous?.objectStore === "minio" ? { [`${NAMESPACE}:state`]: "in-cluster" } : {}),
    };
}

export type { RawConfig };
