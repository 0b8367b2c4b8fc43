import { KubeObject, Problem, formatProblems, objectKey } from "../types";

export type Owners = Record<string, (o: KubeObject) => boolean>;

export interface HandOverResult {
    /** Objects nobody claimed: the platform deploys these. */
    objects: KubeObject[];
    /** Claimed objects by owner name; every owner appears, possibly with an empty list. */
    handedOver: Map<string, KubeObject[]>;
}

/**
 * Partitions the objects between the platform and the components that own some of
 * them, so that no object is ever deployed twice. An object claimed by two owners is
 * a programming error in the predicates, reported with every such object at once.
 */
export function handOver(objects: readonly KubeObject[], owners: Owners): HandOverResult {
    const handedOver = new Map<string, KubeObject[]>(Object.keys(owners).map((name) => [name, []]));
    const kept: KubeObject[] = [];
    const problems: Problem[] = [];
    for (const o of objects) {
        const claimants = Object.entries(owners)
            .filter(([, claims]) => claims(o))
            .map(([name]) => name);
        if (claimants.length === 0) {
            kept.push(o);
        } else if (claimants.length === 1) {
            handedOver.get(claimants[0])?.push(o);
        } else {
            problems.push({ where: objectKey(o), value: claimants.join(", "), rule: "an object may have only one owner" });
        }
    }
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} object(s) claimed by several owners`, problems));
    }
    return { objects: kept, handedOver };
}
