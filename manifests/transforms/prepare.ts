import { describeObject } from "../kube";
import { KubeObject, Problem, formatProblems, objectKey } from "../types";
import { admissionsEnforcer } from "./admissions-enforcer";
import { configMapCredentials, defaultCredentials } from "./credentials";
import { dropDex, mentionsDex } from "./dex";
import { completeNamespaces } from "./namespaces";
import { Owners, handOver } from "./hand-over";

export interface PrepareOptions<K extends string> {
    /** Objects other components own, by owner name (the auth component, the edge component, ...). */
    owners: Owners<K>;
}

export interface Prepared<K extends string> {
    /** What the platform deploys in its groups. */
    objects: KubeObject[];
    /** What other components own, by owner name; every owner appears. */
    handedOver: Record<K, KubeObject[]>;
    /** Secrets whose upstream default values must be replaced: the platform applies them apart from its groups. */
    credentials: KubeObject[];
}

/**
 * The transforms in the order that keeps each one simple: namespaces first (so
 * owners and the dex filter see final identities), the enforcer annotation, then the
 * hand-over of owned objects as upstream wrote them, dex removal on what remains,
 * and finally the Secrets with default credentials. Ends with the checks that must
 * hold for what is deployed: nothing points at dex, no credential in a ConfigMap.
 */
export function prepareRelease<K extends string>(objects: readonly KubeObject[], options: PrepareOptions<K>): Prepared<K> {
    let current = completeNamespaces(objects);
    current = admissionsEnforcer(current);
    const owned = handOver(current, options.owners);
    current = dropDex(owned.objects);
    const credentialKeys = new Set(defaultCredentials(current).map((c) => c.key));
    const credentials = handOver(current, { credentials: (o) => credentialKeys.has(objectKey(o)) });
    current = credentials.objects;

    const problems: Problem[] = [
        ...current.filter(mentionsDex).map((o) => ({
            where: objectKey(o),
            value: describeObject(o),
            rule: "a deployed object must not refer to dex (hand it to its owner or extend dropDex)",
        })),
        ...configMapCredentials(current),
    ];
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} deployed object(s) would keep upstream auth or credentials`, problems));
    }
    return { objects: current, handedOver: owned.handedOver, credentials: credentials.handedOver.credentials };
}
