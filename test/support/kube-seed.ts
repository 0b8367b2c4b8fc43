/**
 * What users make before an upgrade, on the real API server: the objects the upgrade
 * suite seeds and reads back (test/support/kube-suite.ts).
 */
import { apiGroup, KubeObject } from "../../manifests/types";
import { ServerSideApplier } from "../../tools/kube-apply";
import type { KubeServer } from "../../tools/kube-server";
import type { ApplyUnit } from "../../tools/kube-units";

/** The storage version the plan's CRD gives an object's kind (undefined for a built-in kind). */
export function servedVersion(units: readonly ApplyUnit[], o: KubeObject): string | undefined {
    for (const u of units) {
        for (const c of u.objects) {
            const spec = c.spec as { group?: string; names?: { kind?: string }; versions?: { name: string; storage?: boolean }[] } | undefined;
            if (c.kind === "CustomResourceDefinition" && spec?.group === apiGroup(o.apiVersion) && spec.names?.kind === o.kind) {
                const storage = spec.versions?.find((v) => v.storage);
                return storage ? `${spec.group}/${storage.name}` : undefined;
            }
        }
    }
    return undefined;
}

/**
 * What a user of team-a makes before an upgrade: a ConfigMap, a volume claim, and where the
 * release serves them, a DomainMapping at its storage version (the kind whose stored
 * version v1.9.1 drops).
 */
export async function seedUserData(
    server: KubeServer,
    units: readonly ApplyUnit[],
    nextUnits: readonly ApplyUnit[],
): Promise<{ seeded: KubeObject[]; dropped: string[] }> {
    const objects: KubeObject[] = [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "user-notes", namespace: "team-a" }, data: { note: "made before the upgrade" } },
        {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: { name: "user-volume", namespace: "team-a" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
    ];
    const domainMapping: KubeObject = {
        apiVersion: "serving.knative.dev/v1",
        kind: "DomainMapping",
        metadata: { name: "models.contoso.com", namespace: "team-a" },
    };
    const dmVersion = servedVersion(units, domainMapping);
    if (dmVersion) {
        objects.push({ ...domainMapping, apiVersion: dmVersion, spec: { ref: { apiVersion: "serving.knative.dev/v1", kind: "Service", name: "model" } } });
    }
    // One object of every namespaced kind whose CRD the newer release no longer ships.
    const crdsOf = (list: readonly ApplyUnit[]): KubeObject[] => list.flatMap((u) => u.objects.filter((o) => o.kind === "CustomResourceDefinition"));
    const shipped = new Set(crdsOf(nextUnits).map((c) => c.metadata.name));
    const dropped = crdsOf(units).filter((c) => !shipped.has(c.metadata.name));
    for (const crd of dropped) {
        const spec = crd.spec as {
            group: string;
            scope?: string;
            names: { kind: string };
            versions: { name: string; storage?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
        };
        const storage = spec.versions.find((v) => v.storage);
        if (spec.scope === "Namespaced" && storage) {
            const body = minimalValue(storage.schema?.openAPIV3Schema?.properties?.spec ?? { type: "object" });
            objects.push({
                apiVersion: `${spec.group}/${storage.name}`,
                kind: spec.names.kind,
                metadata: { name: "made-before-upgrade", namespace: "team-a" },
                spec: body,
            });
        }
    }
    const user = new ServerSideApplier(server.config, "kubectl");
    for (const o of objects) {
        await user.apply(o);
    }
    return { seeded: objects, dropped: dropped.map((c) => c.metadata.name) };
}

interface Schema {
    type?: string;
    properties?: Record<string, Schema>;
    required?: string[];
    items?: Schema;
    minItems?: number;
    enum?: unknown[];
    minimum?: number;
    "x-kubernetes-int-or-string"?: boolean;
}

/** The smallest value a structural schema admits: its required properties, each at its smallest. */
function minimalValue(schema: Schema): unknown {
    if (schema.enum && schema.enum.length > 0) {
        return schema.enum[0];
    }
    if (schema["x-kubernetes-int-or-string"]) {
        return 1;
    }
    switch (schema.type) {
        case "object":
            return Object.fromEntries((schema.required ?? []).map((k) => [k, minimalValue(schema.properties?.[k] ?? { type: "object" })]));
        case "array":
            return Array.from({ length: schema.minItems ?? 0 }, () => minimalValue(schema.items ?? { type: "object" }));
        case "string":
            return "made-before-upgrade";
        case "integer":
        case "number":
            return Math.max(schema.minimum ?? 1, 1);
        case "boolean":
            return false;
        default:
            return {};
    }
}
