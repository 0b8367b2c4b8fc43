import { KubeObject, Problem, formatProblems, objectKey } from "../types";

/** Each owner's claim, by owner name (the auth component, the edge component, ...). */
export type Owners<K extends string> = Readonly<Record<K, (o: KubeObject) => boolean>>;

export interface HandOverResult<K extends string> {
    /** Objects nobody claimed: the platform deploys these. */
    objects: KubeObject[];
    /** Claimed objects by owner name; every owner appears, possibly with an empty list. */
    handedOver: Record<K, KubeObject[]>;
}

/**
 * Partitions the objects between the platform and the components that own some of
 * them, so that no object is ever deployed twice. An object claimed by two owners is
 * a programming error in the predicates, reported with every such object at once.
 */
export function handOver<K extends string>(objects: readonly KubeObject[], owners: Owners<K>): HandOverResult<K> {
    const names = Object.keys(owners) as K[];
    const handedOver = {} as Record<K, KubeObject[]>;
    for (const name of names) {
        handedOver[name] = [];
    }
    const kept: KubeObject[] = [];
    const problems: Problem[] = [];
    for (const o of objects) {
        const claimants = names.filter((name) => owners[name](o));
        if (claimants.length === 0) {
            kept.push(o);
        } else if (claimants.length === 1) {
            handedOver[claimants[0]].push(o);
        } else {
            problems.push({ where: objectKey(o), value: claimants.join(", "), rule: "an object may have only one owner" });
        }
    }
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} object(s) claimed by several owners`, problems));
    }
    return { objects: kept, handedOver };
}
