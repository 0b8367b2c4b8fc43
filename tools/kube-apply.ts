/**
 * Sends what the program registered to a real API server, the way the Kubernetes
 * provider would: server-side apply under one field manager, each resource after
 * everything it depends on, each `pulumi.com/waitFor` awaited.
 *
 * The order is the program's as recorded (tools/kube-units.ts), the awaits its
 * `pulumi.com/waitFor` annotations (tools/kube-await.ts). Nothing is retried: the first
 * refusal of an object is what is reported, since a create that needs a retry is an
 * order that only works by luck.
 */
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";
import { describeObject, isRecord } from "../manifests/kube";
import { WAIT_FOR } from "../manifests/platform";
import { KubeObject, apiGroup, objectKey } from "../manifests/types";
import { replacementFields } from "../manifests/upgrades/replacement";
import { retainedWhenDropped } from "../manifests/upgrades/retained";
import { awaitWaitFor } from "./kube-await";
import { ApplyUnit, groupEdges, objectHeader } from "./kube-units";

/**
 * The field manager of every apply. The provider creates an object with a plain create
 * under `pulumi-kubernetes`, then on its first update hands those fields to its
 * server-side-apply manager (`pulumi-kubernetes-<random>`, kept in the stack's state) and
 * applies under that one without forcing conflicts (pulumi-kubernetes v4.32.0
 * provider/pkg/await/await.go Creation, fixCSAFieldManagers, patchForce;
 * provider/pkg/provider/provider.go fieldManagerName, enablePatchForce false by
 * default). Applying under one manager throughout, unforced, gives the same ownership:
 * the program's fields are its own, and a field another manager (a controller) took
 * is a conflict here as it is there.
 */
export const FIELD_MANAGER = "pulumi-kubernetes-test";

/** An object the server refused, with its own words. */
export interface Refusal {
    readonly unit: string;
    readonly object: string;
    readonly code: number | undefined;
    readonly message: string;
}

export interface ApplyReport {
    /** Objects the server accepted, per `apiVersion Kind`. */
    readonly accepted: Map<string, number>;
    readonly refusals: Refusal[];
    /** Accepted objects whose `pulumi.com/waitFor` never held: the provider would fail them after its timeout. */
    readonly waitsFailed: Refusal[];
    /** Objects not sent, with the reason (admission webhooks, which cannot answer here). */
    readonly leftOut: { readonly object: string; readonly reason: string }[];
    /** Requests the server answered, refusals included. */
    requests: number;
    /** Objects replaced (deleted, then created) because a field the provider replaces for changed. */
    readonly replaced: string[];
    /** Objects left alone because the previous apply sent the same (an upgrade's unchanged objects). */
    unchanged: number;
}

export interface ApplyOptions {
    /** A reason to leave an object out, or undefined to apply it. */
    readonly leaveOut?: (o: KubeObject) => string | undefined;
    /** Objects applied at once (the engine's parallelism); 16 by default. */
    readonly concurrency?: number;
    /** Called after an object is accepted: stands in for a controller that acts on it. */
    readonly afterAccepted?: (o: KubeObject) => Promise<void>;
    /**
     * The objects the server holds from the previous apply, by objectKey: an object whose
     * force-new fields changed is replaced, deleted and then created, as the provider does
     * for an object with a fixed name (manifests/upgrades/replacement.ts); the others update.
     */
    readonly previous?: ReadonlyMap<string, KubeObject>;
    /**
     * How long a `pulumi.com/waitFor` may take to hold: 5 minutes by default (the provider's
     * is 10). A CRD's Established comes when the server has digested it, which on a loaded
     * 2-core machine with 70-odd CRDs in flight takes tens of seconds.
     */
    readonly waitTimeoutMs?: number;
}

/** The server's message in an error of the client (the Status body's message when there is one). */
export function serverMessage(e: unknown): { code: number | undefined; message: string } {
    if (e instanceof k8s.ApiException) {
        const body: unknown = typeof e.body === "string" ? safeJson(e.body) : e.body;
        const message = isRecord(body) && typeof body.message === "string" ? body.message : String(e.body);
        return { code: e.code, message };
    }
    return { code: undefined, message: e instanceof Error ? e.message : String(e) };
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

class Limit {
    private running = 0;
    private readonly queue: (() => void)[] = [];
    constructor(private readonly max: number) {}
    async run<T>(f: () => Promise<T>): Promise<T> {
        if (this.running >= this.max) {
            await new Promise<void>((resolve) => this.queue.push(resolve));
        }
        this.running++;
        try {
            return await f();
        } finally {
            this.running--;
            this.queue.shift()?.();
        }
    }
}

/**
 * Server-side apply of objects exactly as the program wrote them. The client builds each
 * request (discovery, URL, authentication, TLS, errors), but its `patch` passes a
 * built-in kind through its typed models first (KubernetesObjectApi.patch ->
 * ObjectSerializer.serialize), which loses what the models do not hold: a CRD's
 * `x-kubernetes-*` schema keys among them, which the server then refuses as a schema
 * without types. A middleware of the client's own configuration puts the program's
 * exact JSON back as the body, found by the object's identity in the request.
 */
export class ServerSideApplier {
    readonly client: k8s.KubernetesObjectApi;
    private readonly bodies = new Map<string, { readonly body: string; readonly name: string }>();

    constructor(
        config: k8s.KubeConfig,
        private readonly fieldManager = FIELD_MANAGER,
        /** Take over fields other managers own (`kubectl apply --force-conflicts`); the provider does not. */
        private readonly force = false,
    ) {
        const cluster = config.getCurrentCluster();
        if (!cluster) {
            throw new Error("the client configuration has no current cluster");
        }
        const exactBody = {
            pre: (context: k8s.RequestContext): k8s.Observable<k8s.RequestContext> => {
                const body = context.getBody();
                const sent: unknown = typeof body === "string" ? safeJson(body) : undefined;
                const exact = isRecord(sent) && isRecord(sent.metadata) ? this.bodies.get(objectKey(sent as unknown as KubeObject)) : undefined;
                if (exact) {
                    context.setBody(exact.body);
                    // The client lower-cases the whole path it builds (KubernetesObjectApi
                    // specUriPath), the object's name included: RBAC names may hold capitals.
                    const url = new URL(context.getUrl());
                    const segments = url.pathname.split("/");
                    segments[segments.length - 1] = encodeURIComponent(exact.name);
                    url.pathname = segments.join("/");
                    context.setUrl(url.toString());
                }
                return new k8s.Observable(Promise.resolve(context));
            },
            post: (response: k8s.ResponseContext): k8s.Observable<k8s.ResponseContext> => new k8s.Observable(Promise.resolve(response)),
        };
        this.client = new k8s.KubernetesObjectApi(
            k8s.createConfiguration({
                baseServer: new k8s.ServerConfiguration(cluster.server, {}),
                authMethods: { default: config },
                middleware: [exactBody],
            }),
        );
    }

    /** Applies one object as the program's field manager; a field another manager owns with another value is a conflict. */
    async apply(o: KubeObject): Promise<k8s.KubernetesObject> {
        const key = objectKey(o);
        this.bodies.set(key, { body: JSON.stringify(o), name: o.metadata.name });
        try {
            // The client fills in defaults on the object it is given: a copy.
            return await this.client.patch(structuredClone(o), undefined, undefined, this.fieldManager, this.force, k8s.PatchStrategy.ServerSideApply);
        } finally {
            this.bodies.delete(key);
        }
    }
}

/**
 * Applies the units in the program's order: a unit starts when every unit it waits for
 * is done (as the engine runs independent resources at once), and inside a unit an
 * object starts when the objects yaml/v2 makes it wait for are done. A refused object
 * is reported and what waits on it still goes (the engine would stop there; going on
 * shows every refusal of a run at once).
 */
export async function applyUnits(config: k8s.KubeConfig, units: readonly ApplyUnit[], options: ApplyOptions = {}): Promise<ApplyReport> {
    const applier = new ServerSideApplier(config);
    const client = applier.client;
    const limit = new Limit(options.concurrency ?? 16);
    const report: ApplyReport = { accepted: new Map(), refusals: [], waitsFailed: [], leftOut: [], requests: 0, replaced: [], unchanged: 0 };
    const byUrn = new Map(units.map((u) => [u.urn, u]));
    const done = new Map<string, Promise<void>>();

    const applyObject = async (unit: ApplyUnit, o: KubeObject): Promise<void> => {
        const reason = options.leaveOut?.(o);
        if (reason) {
            report.leftOut.push({ object: describeObject(o), reason });
            return;
        }
        try {
            await limit.run(async () => {
                const before = options.previous?.get(objectKey(o));
                if (before && JSON.stringify(before) === JSON.stringify(o)) {
                    // The engine's "same" step: the provider is not asked to change it.
                    report.unchanged++;
                    return;
                }
                const replace = before ? replacementFields(before, o) : [];
                if (replace.length > 0) {
                    report.requests++;
                    await deleteAndWait(client, before as KubeObject);
                    report.replaced.push(`${describeObject(o)} (${replace.join(", ")})`);
                }
                report.requests++;
                await applier.apply(o);
            });
        } catch (e) {
            report.refusals.push({ unit: unit.name, object: describeObject(o), ...serverMessage(e) });
            return;
        }
        const kind = `${o.apiVersion} ${o.kind}`;
        report.accepted.set(kind, (report.accepted.get(kind) ?? 0) + 1);
        await options.afterAccepted?.(o);
        const waitFor = o.metadata.annotations?.[WAIT_FOR];
        if (waitFor !== undefined) {
            try {
                await awaitWaitFor(client, o, waitFor, options.waitTimeoutMs ?? 300_000);
            } catch (e) {
                report.waitsFailed.push({ unit: unit.name, object: describeObject(o), code: undefined, message: e instanceof Error ? e.message : String(e) });
            }
        }
    };

    const applyUnit = async (unit: ApplyUnit): Promise<void> => {
        const edges = groupEdges(unit.objects);
        const started = new Map<string, Promise<void>>();
        const byKey = new Map(unit.objects.map((o) => [objectKey(o), o]));
        const start = (key: string): Promise<void> => {
            let p = started.get(key);
            if (!p) {
                const o = byKey.get(key);
                p = Promise.all((edges.get(key) ?? []).map(start)).then(() => (o ? applyObject(unit, o) : undefined));
                started.set(key, p);
            }
            return p;
        };
        await Promise.all([...byKey.keys()].map(start));
    };

    const run = (urn: string): Promise<void> => {
        let p = done.get(urn);
        if (!p) {
            const unit = byUrn.get(urn);
            p = unit ? Promise.all(unit.after.map(run)).then(() => applyUnit(unit)) : Promise.resolve();
            done.set(urn, p);
        }
        return p;
    };
    await Promise.all(units.map((u) => run(u.urn)));
    return report;
}

/** Deletes an object and waits until the server no longer has it (a replacement creates it again). */
async function deleteAndWait(client: k8s.KubernetesObjectApi, o: KubeObject): Promise<void> {
    const header = objectHeader(o);
    await client.delete(header);
    for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
        try {
            await client.read(header);
        } catch (e) {
            if (e instanceof k8s.ApiException && e.code === 404) {
                return;
            }
            throw e;
        }
        await sleep(pause);
    }
}

/** What an upgrade's apply deleted, and what it kept because the program asked to. */
export interface Removal {
    readonly deleted: string[];
    readonly retained: string[];
    readonly refusals: Refusal[];
}

/**
 * The engine's last step of an update: every object of the previous units that the new
 * ones no longer hold is deleted, dependents first (the previous order reversed), except
 * those of a unit registered with retainOnDelete and CRDs (their group's transform). A Namespace is asked to go and not
 * awaited: no namespace controller runs here to empty it.
 */
export async function deleteRemoved(config: k8s.KubeConfig, previous: readonly ApplyUnit[], current: readonly ApplyUnit[]): Promise<Removal> {
    const client = k8s.KubernetesObjectApi.makeApiClient(config);
    const kept = new Set(current.flatMap((u) => u.objects.map(objectKey)));
    const removal: Removal = { deleted: [], retained: [], refusals: [] };
    for (const unit of [...previous].reverse()) {
        for (const o of [...unit.objects].reverse().filter((x) => !kept.has(objectKey(x)) && !leaveOutWebhooks(x))) {
            // A unit's own retainOnDelete is recorded; a group child's comes from the
            // group's transform (components/retain-crds.ts), which runs in the engine, not
            // under the mocks: the same predicate stands in for it.
            if (unit.retainOnDelete || retainedWhenDropped(o)) {
                removal.retained.push(describeObject(o));
                continue;
            }
            try {
                await client.delete(objectHeader(o));
                removal.deleted.push(describeObject(o));
            } catch (e) {
                const said = serverMessage(e);
                if (said.code !== 404) {
                    removal.refusals.push({ unit: unit.name, object: describeObject(o), ...said });
                }
            }
        }
    }
    return removal;
}

/** Admission webhooks cannot answer on a server without pods: their configurations stay out. */
export function leaveOutWebhooks(o: KubeObject): string | undefined {
    return (o.kind === "MutatingWebhookConfiguration" || o.kind === "ValidatingWebhookConfiguration") &&
        apiGroup(o.apiVersion) === "admissionregistration.k8s.io"
        ? "admission webhook configuration: no webhook answers on a server without pods"
        : undefined;
}
