/**
 * What users make before an upgrade, on the real API server: the objects the upgrade
 * suite seeds and reads back (test/support/kube-suite.ts).
 */
import * as k8s from "@kubernetes/client-node";
import { apiGroup, KubeObject } from "../../manifests/types";
import { ServerSideApplier, serverMessage } from "../../tools/kube-apply";
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
 * Specs for kinds whose schema's CEL rules (x-kubernetes-validations) ask for more than
 * the structural minimum, by `group/Kind`.
 */
const WRITTEN_SPECS: Readonly<Record<string, Record<string, unknown>>> = {
    // "Address is required" unless the entry names a network (Istio's CRD, 26.03).
    "networking.istio.io/WorkloadEntry": { address: "10.0.0.1" },
};

/** A finalizer no controller of the cluster knows: only the user removes it. */
export const USER_FINALIZER = "example.com/made-by-a-user";

/**
 * What a user of team-a makes before an upgrade: a ConfigMap, a volume claim, one object of
 * every namespaced custom resource kind the release serves (at its storage version, the
 * smallest spec its schema admits, every other one with a finalizer), and where the
 * release serves them, a DomainMapping at its storage version (the kind whose stored
 * version v1.9.1 drops).
 */
export async function seedUserData(
    server: KubeServer,
    units: readonly ApplyUnit[],
    nextUnits: readonly ApplyUnit[],
): Promise<{ seeded: KubeObject[]; dropped: string[]; notServed: string[] }> {
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
    // One object of every namespaced kind the older release serves, every other one with
    // a finalizer of its own (no controller here removes it: the object must survive the
    // upgrade as it is, not be deleted and hang).
    const crdsOf = (list: readonly ApplyUnit[]): KubeObject[] => list.flatMap((u) => u.objects.filter((o) => o.kind === "CustomResourceDefinition"));
    const shipped = new Set(crdsOf(nextUnits).map((c) => c.metadata.name));
    const crds = crdsOf(units).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const dropped = crds.filter((c) => !shipped.has(c.metadata.name));
    const extensions = server.config.makeApiClient(k8s.ApiextensionsV1Api);
    const notServed: string[] = [];
    let withFinalizer = false;
    for (const crd of crds) {
        const spec = crd.spec as {
            group: string;
            scope?: string;
            names: { kind: string };
            versions: { name: string; storage?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
        };
        const storage = spec.versions.find((v) => v.storage);
        if (spec.scope !== "Namespaced" || !storage || (spec.group === "serving.knative.dev" && spec.names.kind === "DomainMapping")) {
            continue;
        }
        // A CRD converting through a webhook waits for cert-manager's cainjector to give it a
        // CA: none runs here, so the server does not serve its kind (Established False,
        // InvalidCABundle). Any other reason is a failure of the install.
        const live = await extensions.readCustomResourceDefinition({ name: crd.metadata.name });
        const established = live.status?.conditions?.find((c) => c.type === "Established");
        if (established?.status !== "True") {
            if (established?.reason !== "InvalidCABundle") {
                throw new Error(`CRD ${crd.metadata.name} is not Established: ${established?.reason ?? "no condition"} ${established?.message ?? ""}`);
            }
            notServed.push(crd.metadata.name);
            continue;
        }
        withFinalizer = !withFinalizer;
        const schema = storage.schema?.openAPIV3Schema ?? { type: "object" };
        // The required top-level fields (some kinds have no spec, some require a status), and a spec where there is one.
        const top = minimalValue({ ...schema, required: (schema.required ?? []).filter((k) => !["apiVersion", "kind", "metadata"].includes(k)) }) as Record<
            string,
            unknown
        >;
        const written = WRITTEN_SPECS[`${spec.group}/${spec.names.kind}`];
        objects.push({
            ...top,
            ...(schema.properties?.spec ? { spec: written ?? top.spec ?? minimalValue(schema.properties.spec) } : {}),
            apiVersion: `${spec.group}/${storage.name}`,
            kind: spec.names.kind,
            metadata: { name: "made-before-upgrade", namespace: "team-a", ...(withFinalizer ? { finalizers: [USER_FINALIZER] } : {}) },
        });
    }
    const user = new ServerSideApplier(server.config, "kubectl");
    const refused: string[] = [];
    for (const o of objects) {
        try {
            await user.apply(o);
        } catch (e) {
            refused.push(`${o.apiVersion} ${o.kind}: ${serverMessage(e).message}`);
        }
    }
    if (refused.length > 0) {
        throw new Error(`the server refused ${refused.length} seeded object(s):\n${refused.join("\n")}`);
    }
    return { seeded: objects, dropped: dropped.map((c) => c.metadata.name), notServed };
}

interface Schema {
    type?: string;
    properties?: Record<string, Schema>;
    required?: string[];
    items?: Schema;
    minItems?: number;
    minProperties?: number;
    enum?: unknown[];
    minimum?: number;
    format?: string;
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
        case "object": {
            // Its required properties, and more of the declared ones while minProperties asks for them.
            const keys = [...(schema.required ?? [])];
            for (const k of Object.keys(schema.properties ?? {})) {
                if (keys.length >= (schema.minProperties ?? 0)) {
                    break;
                }
                if (!keys.includes(k)) {
                    keys.push(k);
                }
            }
            return Object.fromEntries(keys.map((k) => [k, minimalValue(schema.properties?.[k] ?? { type: "object" })]));
        }
        case "array":
            return Array.from({ length: schema.minItems ?? 0 }, () => minimalValue(schema.items ?? { type: "object" }));
        case "string":
            return schema.format === "byte" ? Buffer.from("made-before-upgrade").toString("base64") : "made-before-upgrade";
        case "integer":
        case "number":
            return Math.max(schema.minimum ?? 1, 1);
        case "boolean":
            return false;
        default:
            return {};
    }
}
