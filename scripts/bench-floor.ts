/**
 * The bench's floor (scripts/bench.ts): what any evaluation of the program pays. Its
 * imports are static, so the SDKs load as the program loads them (require, through the
 * same tsx hook); the render is parsed with js-yaml as manifests/parse.ts parses it, and
 * handed over as one string in one yaml/v2 ConfigGroup.
 */
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import "@pulumi/pulumi";
import "@pulumi/azure-native/authorization";
import "@pulumi/azure-native/containerservice";
import "@pulumi/azure-native/managedidentity";
import "@pulumi/azure-native/network";
import "@pulumi/azure-native/resources";
import "@pulumi/azuread";
import "@pulumi/random";
import * as k8s from "@pulumi/kubernetes";

/** Registers the floor's one group; returns how many objects it holds. */
export function floor(file: string): number {
    const objects = yaml
        .loadAll(fs.readFileSync(file, "utf8"), undefined, { json: true, schema: yaml.JSON_SCHEMA })
        .filter((o) => typeof o === "object" && o !== null);
    const provider = new k8s.Provider("floor", { kubeconfig: "floor" });
    new k8s.yaml.v2.ConfigGroup("floor", { yaml: objects.map((o) => JSON.stringify(o)).join("\n---\n") }, { provider });
    return objects.length;
}
