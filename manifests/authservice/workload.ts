/**
 * What both flavours' rewrites do to their one workload: find it, and put the digest
 * of its configuration on its pod template.
 */
import { createHash } from "node:crypto";
import { isRecord } from "../kube";
import { KubeObject, Problem, objectKey } from "../types";
import { configMapData, podContainers, podTemplate, sortedRecord } from "./objects";
import { CONFIG_CHECKSUM_ANNOTATION } from "./settings";

/** The one workload of a kind handed over, and its container running the flavour's image; problems collected. */
export function theWorkload(
    objects: readonly KubeObject[],
    kind: string,
    flavour: string,
    what: string,
    problems: Problem[],
): { workload?: KubeObject; container?: ReturnType<typeof podContainers>[number] } {
    const workloads = objects.filter((o) => o.kind === kind);
    if (workloads.length !== 1) {
        problems.push({ where: flavour, value: `${workloads.length} ${kind}(s)`, rule: `exactly one ${what} must be handed over` });
    }
    const workload = workloads[0];
    const container = workload ? podContainers(workload).find((c) => (c.image ?? "").includes(flavour)) : undefined;
    if (workload && !container) {
        problems.push({ where: objectKey(workload), value: `no ${flavour} container`, rule: `the ${kind} must run the ${flavour} image` });
    }
    return { workload, container };
}

export function annotatePodTemplate(workload: KubeObject, annotations: Readonly<Record<string, string>>, configs: readonly KubeObject[]): void {
    const template = podTemplate(workload);
    const digest = createHash("sha256");
    for (const c of configs) {
        digest.update(`${objectKey(c)}\n${JSON.stringify(sortedRecord(configMapData(c)))}\n`);
    }
    const meta = isRecord(template.metadata) ? template.metadata : {};
    const existing = isRecord(meta.annotations) ? (meta.annotations as Record<string, string>) : {};
    // The ConfigMaps keep their names, so nothing else would roll the pods when they change.
    template.metadata = { ...meta, annotations: { ...existing, ...annotations, [CONFIG_CHECKSUM_ANNOTATION]: digest.digest("hex").slice(0, 32) } };
}
