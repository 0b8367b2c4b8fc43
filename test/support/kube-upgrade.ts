/**
 * One release upgrade on the real API server, as a test sees it: user data seeded over
 * the older release, the newer plan applied as `pulumi up` would (tools/kube-install.ts
 * upgradeUnits), then what the server refused, deleted, kept and replaced checked, and
 * every object a user made read back. Shared by the per-release suites
 * (test/support/kube-suite.ts) and the whole chain (test/kube-upgrade-chain.test.ts).
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { KubeObject, objectKey } from "../../manifests/types";
import { describeObject, podReferences, podTemplate, templateLabels } from "../../manifests/kube";
import { serverMessage } from "../../tools/kube-apply";
import { upgradeUnits } from "../../tools/kube-install";
import type { KubeServer } from "../../tools/kube-server";
import type { ApplyUnit } from "../../tools/kube-units";
import { USER_FINALIZER, seedUserData, servedVersion } from "./kube-seed";

export interface ReleaseUnits {
    readonly id: string;
    readonly units: readonly ApplyUnit[];
}

/**
 * Seeds, upgrades from `from` to `to`, checks; returns what it seeded. `earlier`: objects
 * seeded by earlier upgrades of the same server, read back too.
 */
export async function upgradeAndCheck(
    t: TestContext,
    server: KubeServer,
    from: ReleaseUnits,
    to: ReleaseUnits,
    earlier: readonly KubeObject[] = [],
): Promise<KubeObject[]> {
    const { seeded, dropped, notServed } = await seedUserData(server, from.units, to.units);
    const finalized = seeded.filter((o) => o.metadata.finalizers?.includes(USER_FINALIZER)).length;
    t.diagnostic(`seeded in team-a: ${seeded.length} objects of ${new Set(seeded.map((o) => o.kind)).size} kinds, ${finalized} with a finalizer`);
    t.diagnostic(`  ${seeded.map((o) => o.kind).join(", ")}`);
    if (notServed.length > 0) {
        t.diagnostic(`  not served on this server (webhook conversion, CA from cert-manager's cainjector): ${notServed.join(", ")}`);
    }
    const result = await upgradeUnits(server.config, from.units, to.units);
    const said = (list: typeof result.report.refusals): string[] => list.map((r) => `${r.object} (${r.unit}): ${r.code ?? ""} ${r.message}`);
    t.diagnostic(
        `${from.id} -> ${to.id} in ${result.ms} ms: ${result.report.replaced.length} replaced, ${result.removal.deleted.length} deleted, ${result.removal.retained.length} kept by retainOnDelete`,
    );
    for (const line of result.report.replaced) {
        t.diagnostic(`  replaced ${line}`);
    }
    const crds = (list: readonly string[]): string[] =>
        list.filter((d) => d.startsWith("CustomResourceDefinition ")).map((d) => d.slice("CustomResourceDefinition ".length));
    if (crds(result.removal.retained).length > 0) {
        t.diagnostic(`  CRDs the newer release no longer ships, kept with their objects: ${crds(result.removal.retained).join(", ")}`);
    }
    const claims = result.removal.retained.filter((d) => d.startsWith("PersistentVolumeClaim "));
    if (claims.length > 0) {
        t.diagnostic(`  volume claims the newer release no longer has, kept with their data: ${claims.join(", ")}`);
    }
    assert.deepEqual(crds(result.removal.deleted), [], "no CRD is deleted");
    // Data volumes outlive the release that dropped them (retainOnDelete, whatever protect says).
    assert.deepEqual(
        result.removal.deleted.filter((d) => d.startsWith("PersistentVolumeClaim ")),
        [],
        "no volume claim is deleted",
    );
    // ConfigMaps and Secrets are updated in place (enableConfigMapMutable / enableSecretMutable).
    assert.deepEqual(
        result.report.replaced.filter((r) => /^(ConfigMap|Secret) /.test(r)),
        [],
        "no ConfigMap or Secret deleted and created again",
    );
    // A new workload that mounts the claim of a workload the older release had and the newer
    // one drops (a rename, read from the plans, not from the program's table) replaced it,
    // the old one deleted first: a ReadWriteOnce disk attaches to one node at a time.
    for (const { workload, claim } of takeovers(from.units, to.units)) {
        t.diagnostic(`  ${workload} takes over ${claim} from a workload the newer release drops`);
        assert.ok(
            result.report.replaced.some((r) => r.startsWith(`${workload} (metadata.name`)),
            `${workload} takes over ${claim} from a dropped workload: it must replace it, deleted first (${result.report.replaced.join("; ") || "nothing replaced"})`,
        );
    }
    await checkArtifactCopy(t, server, from, to, result.removal.deleted);
    assert.deepEqual(crds(result.removal.retained).sort(), [...dropped].sort());
    assert.deepEqual(said(result.report.refusals), [], "refused by the server");
    assert.deepEqual(said(result.removal.refusals), [], "deletes refused");
    assert.deepEqual(said(result.report.waitsFailed), [], "awaited and never ready");
    assert.deepEqual(result.controllerErrors, []);
    // Every seeded object, this time's and earlier upgrades', read back at a version the newer plan serves.
    const all = new Map([...earlier, ...seeded].map((o) => [objectKey(o), o]));
    const client = k8s.KubernetesObjectApi.makeApiClient(server.config);
    for (const o of all.values()) {
        const apiVersion = servedVersion(to.units, o) ?? o.apiVersion;
        const live = await client.read({ apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });
        assert.equal(live.metadata?.name, o.metadata.name, `${o.kind} ${o.metadata.name} at ${apiVersion}`);
        assert.equal(live.metadata?.deletionTimestamp, undefined, `${o.kind} ${o.metadata.name} is not being deleted`);
        for (const f of o.metadata.finalizers ?? []) {
            assert.ok(live.metadata?.finalizers?.includes(f), `${o.kind} ${o.metadata.name} keeps its finalizer ${f}`);
        }
    }
    return seeded;
}

/** Deployments and StatefulSets by `namespace/claim` they mount. */
function workloadsByClaim(units: readonly ApplyUnit[]): Map<string, KubeObject[]> {
    const byClaim = new Map<string, KubeObject[]>();
    for (const o of units.flatMap((u) => u.objects)) {
        const template = o.apiVersion === "apps/v1" && (o.kind === "Deployment" || o.kind === "StatefulSet") ? podTemplate(o) : undefined;
        for (const claim of template ? podReferences(template).claims : []) {
            const key = `${o.metadata.namespace ?? ""}/${claim}`;
            byClaim.set(key, [...(byClaim.get(key) ?? []), o]);
        }
    }
    return byClaim;
}

/** Workloads of the newer plan that mount a claim of a workload the older plan had and the newer one drops. */
export function takeovers(from: readonly ApplyUnit[], to: readonly ApplyUnit[]): { workload: string; claim: string }[] {
    const before = workloadsByClaim(from);
    const after = workloadsByClaim(to);
    const keysAfter = new Set([...after.values()].flat().map(objectKey));
    const keysBefore = new Set([...before.values()].flat().map(objectKey));
    const found: { workload: string; claim: string }[] = [];
    for (const [claim, now] of after) {
        const dropped = (before.get(claim) ?? []).filter((o) => !keysAfter.has(objectKey(o)));
        for (const o of now.filter((x) => !keysBefore.has(objectKey(x)))) {
            if (dropped.length > 0) {
                found.push({ workload: describeObject(o), claim });
            }
        }
    }
    return found;
}

const objectsOf = (units: readonly ApplyUnit[]): KubeObject[] => units.flatMap((u) => u.objects);
const findIn = (units: readonly ApplyUnit[], kind: string, namespace: string, name: string): KubeObject | undefined =>
    objectsOf(units).find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);

/** Every unit a unit waits for, itself included. */
function closure(units: readonly ApplyUnit[], urn: string): Set<string> {
    const byUrn = new Map(units.map((u) => [u.urn, u]));
    const seen = new Set<string>();
    const visit = (u: string): void => {
        if (!seen.has(u)) {
            seen.add(u);
            for (const a of byUrn.get(u)?.after ?? []) {
                visit(a);
            }
        }
    };
    visit(urn);
    return seen;
}

interface Template {
    metadata?: { labels?: Record<string, string> };
    spec: Record<string, unknown>;
}

/**
 * Crossing from MinIO to SeaweedFS (manifests/upgrades/artifacts.ts): the copy is planned
 * and ordered (after SeaweedFS, before MinIO is deleted), its Service reaches the older
 * release's MinIO pods, and its pod passes the namespace's Pod Security level on this
 * server (a dry-run Pod from the Job's template; no pod runs here). Nothing to check on
 * other pairs, except that no copy is planned.
 */
async function checkArtifactCopy(t: TestContext, server: KubeServer, from: ReleaseUnits, to: ReleaseUnits, deleted: readonly string[]): Promise<void> {
    const minio = findIn(from.units, "Deployment", "kubeflow", "minio");
    const seaweedfs = findIn(to.units, "Deployment", "kubeflow", "seaweedfs");
    const copyUnit = to.units.find((u) => u.objects.some((o) => o.kind === "Job" && o.metadata.name === "artifact-migration"));
    if (!minio || !seaweedfs || findIn(from.units, "Deployment", "kubeflow", "seaweedfs")) {
        assert.equal(copyUnit, undefined, "no copy of the artifacts between releases of the same store");
        return;
    }
    assert.ok(copyUnit, `${from.id} -> ${to.id} crosses from MinIO to SeaweedFS: the copy is planned`);
    const storeUnit = to.units.find((u) => u.objects.includes(seaweedfs));
    assert.ok(storeUnit && closure(to.units, copyUnit.urn).has(storeUnit.urn), "the copy waits for SeaweedFS");
    // The engine deletes what the newer plan drops after every registration: MinIO is deleted, after the copy.
    assert.ok(deleted.includes("Deployment kubeflow/minio"), "the older MinIO Deployment is deleted at the end");
    const client = k8s.KubernetesObjectApi.makeApiClient(server.config);
    const job = await client.read({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "artifact-migration", namespace: "kubeflow" } });
    const service = copyUnit.objects.find((o) => o.kind === "Service");
    const selector = (service?.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
    const minioLabels = templateLabels(podTemplate(minio) ?? {});
    assert.ok(Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => minioLabels[k] === v), "the Service selects the older MinIO pods");
    // The Job's pod, as the Job controller would create it, against the namespace's Pod Security level.
    const template = (job as k8s.KubernetesObject & { spec: { template: Template } }).spec.template;
    const core = server.config.makeApiClient(k8s.CoreV1Api);
    const namespace = await core.readNamespace({ name: "kubeflow" });
    const level = namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    const pod = (spec: Record<string, unknown>): k8s.V1Pod => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "artifact-migration-dry-run", namespace: "kubeflow", labels: template.metadata?.labels },
        spec: spec as unknown as k8s.V1PodSpec,
    });
    await core.createNamespacedPod({ namespace: "kubeflow", body: pod(template.spec), dryRun: "All" });
    t.diagnostic(`  artifacts: ${copyUnit.name} copies after ${storeUnit.name}; its pod passes Pod Security "${level ?? "none"}" (dry run)`);
    // Control: the same pod without its security context is refused, so the check can fail.
    if (level === "restricted") {
        const { securityContext: _dropped, ...loose } = template.spec;
        await assert.rejects(core.createNamespacedPod({ namespace: "kubeflow", body: pod(loose), dryRun: "All" }), (e: unknown) => {
            assert.match(serverMessage(e).message, /violates PodSecurity "restricted/);
            return true;
        });
    }
}
