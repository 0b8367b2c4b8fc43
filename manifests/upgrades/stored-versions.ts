/**
 * CRD versions a newer release drops while a cluster of an older one may still store
 * objects at them. The API server refuses a CRD whose `spec.versions` leaves out a version
 * listed in its `status.storedVersions` ("must appear in spec.versions",
 * k8s.io/apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go
 * ValidateCustomResourceDefinitionStoredVersions), and a version enters storedVersions as
 * soon as it is the storage version, objects or not; only a client that rewrites every
 * object and then edits the status may take it out (the Kubernetes documentation,
 * "Versions in CustomResourceDefinitions", upgrade existing objects to a new stored
 * version). Of the two ways the documentation leaves, this program keeps the dropped
 * version in the spec, unserved and not the storage version: the server then accepts
 * the CRD, serves nothing at that version, and reads objects still stored at it through
 * the served versions (a CRD without a conversion webhook converts by apiVersion alone,
 * conversion strategy None), with nothing to run before the apply. Rewriting the objects
 * first would need a client inside the `pulumi up` that lists every object of the kind
 * in every namespace before the CRD's update, for no gain the server needs.
 * Shown on the real API server (test/kube-install-*.test.ts, v1.8.1 -> v1.9.1 with a
 * DomainMapping stored at v1alpha1). Pure: no Pulumi.
 */
import { isRecord } from "../kube";
import { KubeObject } from "../types";

/**
 * Versions an older release of the catalog stores and a newer one drops, by CRD name.
 * Read from the renders of every catalog release (test/stored-versions.test.ts checks the
 * table against them, so a release that drops another version fails there until listed):
 * knative-serving's DomainMapping stored at v1alpha1 in v1.7.0 and v1.8.1, v1beta1 only
 * from v1.9.1 on.
 */
export const DROPPED_VERSIONS: Readonly<Record<string, readonly string[]>> = {
    "domainmappings.serving.knative.dev": ["v1alpha1"],
};

/** The placeholder schema of a kept, unserved version: structural, and it admits what was stored. */
const ANY_OBJECT = { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } };

/**
 * Every CRD of the table with its dropped versions back in `spec.versions`, unserved and
 * not stored; other objects as they are (the input untouched). A version the CRD still
 * lists is left alone.
 */
export function keepDroppedVersions(objects: readonly KubeObject[]): KubeObject[] {
    return objects.map((o) => {
        const dropped = o.kind === "CustomResourceDefinition" ? DROPPED_VERSIONS[o.metadata.name] : undefined;
        const spec = isRecord(o.spec) ? o.spec : undefined;
        const versions: unknown[] | undefined = spec && Array.isArray(spec.versions) ? spec.versions : undefined;
        if (!dropped || !spec || !versions) {
            return o;
        }
        const listed = new Set(versions.filter(isRecord).map((v) => v.name));
        const kept = dropped.filter((v) => !listed.has(v)).map((name) => ({ name, served: false, storage: false, schema: ANY_OBJECT }));
        return kept.length === 0 ? o : { ...o, spec: { ...spec, versions: [...versions, ...kept] } };
    });
}
