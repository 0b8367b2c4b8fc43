/**
 * Identity across upgrades and config changes: every Kubernetes object the program
 * applies through a yaml/v2 ConfigGroup keeps its Pulumi URN when the release moves to
 * the next one in the catalog, or when a config value changes, as long as the object
 * exists on both sides. A changed URN is a create of an object that already exists
 * (AlreadyExists, partway through `pulumi up`) followed by a delete of the live object.
 *
 * The mocks do not expand provider-side components and name a child after its parent's
 * last type only, so the URNs are computed here the way the engine and the provider make
 * them (sources in the comments of childUrn and qualifiedType). An object keeps its
 * identity when the engine finds its old state: under its new URN, or else under one of
 * the aliases the transforms of its group and the group's ancestors give it (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go getOldResource; the transforms are run here on
 * each child as source_eval.go RegisterResource runs them, own first, then the parents').
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { Mocks, RecordedResource, installMocks } from "./mocks";
import { groupObjects, realRelease, runProgram } from "./support/program-run";
import { releaseConfig } from "./stack-files";
import { availableRenders, skipWithoutRenders } from "./upstream";

const GROUP = "kubernetes:yaml/v2:ConfigGroup";
const STACK = "pulumi:pulumi:Stack";

let mocks: Mocks;
let catalog: typeof import("../manifests/catalog");

/** The transforms each resource was registered with, by URN. */
const transformsByUrn = new Map<string, pulumi.ResourceTransform[]>();

/**
 * The mock monitor keeps each transform the SDK registers under its callback token
 * (@pulumi/pulumi runtime/mocks.js recordTransformCallback) and a registration names its
 * transforms by token; wrapping it once more records which resource asked for which.
 */
function recordTransforms(): void {
    interface TransformMonitor {
        transformCallbacks: Map<string, pulumi.ResourceTransform>;
        registerResource(req: { getTransformsList(): { getToken(): string }[] }, callback: (err: unknown, res: unknown) => void): Promise<void>;
    }
    const monitor = settings.getMonitor() as unknown as TransformMonitor;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
        register(req, (err, res) => {
            const urn = (res as { getUrn?: () => string } | undefined)?.getUrn?.();
            if (!err && urn) {
                transformsByUrn.set(
                    urn,
                    req.getTransformsList().map((cb) => {
                        const transform = monitor.transformCallbacks.get(cb.getToken());
                        assert.ok(transform, `the transform of ${urn} was recorded`);
                        return transform;
                    }),
                );
            }
            callback(err, res);
        });
}

before(async () => {
    mocks = await installMocks();
    recordTransforms();
    catalog = await import("../manifests/catalog");
});

/**
 * What an object is, independent of where it is applied and of the version it is served
 * at: API group, kind, namespace, name.
 */
type ObjectKey = string;

interface Placement {
    readonly urn: string;
    /** URNs of the old state the engine also accepts as this object's (its aliases). */
    readonly aliases: readonly string[];
    /** The ConfigGroup that applies it, for the "moved but kept its URN" figure. */
    readonly group: string;
    readonly apiVersion: string;
}

/**
 * The engine's qualified type: the resource's own type after its ancestors' types, the
 * root stack left out (pulumi/pulumi sdk/go/common/resource/urn.go NewURN, called with
 * the parent's QualifiedType; the Node SDK's createUrn in @pulumi/pulumi resource.js
 * builds the same from the parent's URN).
 */
function qualifiedType(r: RecordedResource): string {
    const types = [r.type];
    for (let parent = mocks.byUrn(r.parent); parent && parent.type !== STACK; parent = mocks.byUrn(parent.parent)) {
        types.unshift(parent.type);
    }
    return types.join("$");
}

/**
 * The type token the provider registers a child under: `kubernetes:<apiVersion>:<Kind>`,
 * the core group written `core/v1` (pulumi-kubernetes v4.32.0 sdk/go/kubernetes/yaml/v2/
 * kinds.go RegisterResource: every known kind follows this rule, and an unknown one, a
 * custom resource, falls to `kubernetes:<apiVersion>:<Kind>`).
 */
function childType(obj: Record<string, unknown>): string {
    const apiVersion = String(obj.apiVersion);
    return `kubernetes:${apiVersion === "v1" ? "core/v1" : apiVersion}:${String(obj.kind)}`;
}

/**
 * A child's URN as the provider names it: `<resourcePrefix>:<namespace>/<name>` (the
 * namespace part only for a namespaced object), the prefix defaulting to the group's name
 * and no prefix at all when it is empty (pulumi-kubernetes v4.32.0
 * provider/pkg/provider/yaml/v2/configgroup.go Construct and yaml.go register()), under
 * the group's qualified type.
 */
function childName(group: RecordedResource, obj: Record<string, unknown>): string {
    const meta = obj.metadata as { name: string; namespace?: string };
    const prefix = typeof group.inputs.resourcePrefix === "string" ? group.inputs.resourcePrefix : group.name;
    const base = meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
    return prefix === "" ? base : `${prefix}:${base}`;
}

function childUrn(group: RecordedResource, type: string, name: string, project: string, stack: string): string {
    return `urn:pulumi:${stack}::${project}::${qualifiedType(group)}$${type}::${name}`;
}

/**
 * The alias URNs of a child: its group's transforms, then those of the group's ancestors,
 * each handed the options the one before returned (source_eval.go RegisterResource). An
 * alias spec falls back to the child's own name, type and parent (step_generator.go
 * collapseAliasToUrn), but a `parent` key set to undefined means no parent (the Node
 * SDK's runtime/resource.js mapAliasesForRequest sends it as NoParent).
 */
async function childAliases(
    group: RecordedResource,
    obj: Record<string, unknown>,
    type: string,
    name: string,
    project: string,
    stack: string,
): Promise<string[]> {
    const transforms: pulumi.ResourceTransform[] = [];
    for (let r: RecordedResource | undefined = group; r; r = mocks.byUrn(r.parent)) {
        transforms.push(...(transformsByUrn.get(r.urn) ?? []));
    }
    let opts: pulumi.ResourceOptions = { aliases: [] };
    let props: pulumi.Inputs = obj;
    for (const transform of transforms) {
        const result = await transform({ custom: true, type, name, props, opts });
        if (result) {
            ({ props, opts } = result);
        }
    }
    return (opts.aliases ?? []).map((alias) => {
        if (typeof alias === "string") {
            return alias;
        }
        const spec = alias as pulumi.Alias;
        assert.ok(spec.stack === undefined && spec.project === undefined, `${name}: an alias within the stack`);
        const aliasType = typeof spec.type === "string" ? spec.type : type;
        const aliasName = typeof spec.name === "string" ? spec.name : name;
        // A `parent` key, even undefined, would move the alias out of the group.
        assert.ok(!Object.prototype.hasOwnProperty.call(spec, "parent"), `${name}: an alias under its own group`);
        return childUrn(group, aliasType, aliasName, project, stack);
    });
}

function objectKey(obj: Record<string, unknown>): ObjectKey {
    const meta = obj.metadata as { name: string; namespace?: string };
    const apiVersion = String(obj.apiVersion);
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "core";
    return `${group} ${String(obj.kind)} ${meta.namespace ?? ""}/${meta.name}`;
}

/** Every ConfigGroup child of the whole program on a release and config, by object. */
async function identities(releaseId: string, overrides: Record<string, unknown> = {}): Promise<Map<ObjectKey, Placement>> {
    const release = catalog.findRelease(releaseId);
    assert.ok(release, releaseId);
    const stack = "dev";
    await runProgram(mocks, { stack, rendered: realRelease(release), overrides: { ...releaseConfig(release), ...overrides } });
    const out = new Map<ObjectKey, Placement>();
    const groups = mocks.ofType(GROUP);
    assert.ok(groups.length > 0, "the program declares ConfigGroups");
    for (const group of groups) {
        for (const obj of groupObjects(group)) {
            const key = objectKey(obj);
            const type = childType(obj);
            const name = childName(group, obj);
            const urn = childUrn(group, type, name, "kubeflow-azure", stack);
            const aliases = await childAliases(group, obj, type, name, "kubeflow-azure", stack);
            assert.ok(!out.has(key), `${key} applied twice (${out.get(key)?.group} and ${group.name})`);
            out.set(key, { urn, aliases, group: group.name, apiVersion: String(obj.apiVersion) });
        }
    }
    const urns = [...out.values()].map((p) => p.urn);
    assert.equal(new Set(urns).size, urns.length, `${releaseId}: two objects share a URN`);
    // An alias that is another object's URN would claim that object's old state
    // (step_generator.go getOldResource reports it as a duplicate alias).
    const primary = new Set(urns);
    const claimed = [...out.values()].flatMap((p) => p.aliases.filter((a) => primary.has(a)));
    assert.deepEqual(claimed, [], `${releaseId}: an alias is another object's URN`);
    return out;
}

interface Comparison {
    readonly compared: number;
    readonly moved: number;
    /** Objects whose old state the engine would not find: a create beside the live object, then its delete. */
    readonly lost: string[];
    /** Objects served at another API version after the upgrade, so under a new type: kept only through an alias. */
    readonly versionChanged: string[];
}

/** Objects present on both sides, whose identity is lost (must be none), how many changed group or version. */
function compare(before: ReadonlyMap<ObjectKey, Placement>, after: ReadonlyMap<ObjectKey, Placement>): Comparison {
    let compared = 0;
    let moved = 0;
    const lost: string[] = [];
    const versionChanged: string[] = [];
    for (const [key, was] of before) {
        const now = after.get(key);
        if (!now) {
            continue;
        }
        compared++;
        if (now.group !== was.group) {
            moved++;
        }
        if (now.apiVersion !== was.apiVersion) {
            versionChanged.push(`${key} ${was.apiVersion} -> ${now.apiVersion}`);
        }
        if (now.urn !== was.urn && !now.aliases.includes(was.urn)) {
            lost.push(`${key}: ${was.urn} -> ${now.urn}`);
        }
    }
    return { compared, moved, lost, versionChanged };
}

function report(label: string, c: Comparison): string {
    const versions =
        c.versionChanged.length > 0
            ? `; ${c.versionChanged.length} changed API version, kept through an alias unless listed as lost (${c.versionChanged.join("; ")})`
            : "";
    return `${label}: ${c.compared} objects compared, ${c.moved} of them changed group, ${c.lost.length} identities lost${versions}`;
}

describe("identity of applied objects", { skip: skipWithoutRenders() }, () => {
    // Oldest first, so that each pair is an upgrade the catalog offers.
    const ordered = (): string[] => {
        const present = new Set(availableRenders());
        return [...catalog.releaseIds()].reverse().filter((id) => present.has(id));
    };
    const cache = new Map<string, Map<ObjectKey, Placement>>();
    const base = async (id: string): Promise<Map<ObjectKey, Placement>> => {
        let found = cache.get(id);
        if (!found) {
            found = await identities(id);
            cache.set(id, found);
        }
        return found;
    };

    it("gives every ConfigGroup (platform phases, authservice, edge) its component's name as resourcePrefix", async () => {
        const ids = ordered();
        await base(ids[ids.length - 1]);
        const groups = mocks.ofType(GROUP);
        const prefixes = groups.map((g) => [g.name, g.inputs.resourcePrefix, mocks.byUrn(g.parent)?.name]);
        assert.ok(groups.some((g) => /-auth-/.test(g.name)) && groups.some((g) => /-edge-/.test(g.name)) && groups.some((g) => /-phase-/.test(g.name)));
        assert.deepEqual(
            prefixes.filter(([, prefix, component]) => prefix !== component || prefix === undefined),
            [],
        );
    });

    it("keeps every identity across each upgrade between adjacent releases of the catalog, API version changes included (aliases matched as in pulumi/pulumi step_generator.go getOldResource)", async () => {
        const ids = ordered();
        assert.ok(ids.length >= 2, "at least two renders to compare");
        const problems: string[] = [];
        let movedTotal = 0;
        let versionsTotal = 0;
        for (let i = 1; i < ids.length; i++) {
            const c = compare(await base(ids[i - 1]), await base(ids[i]));
            console.log(report(`${ids[i - 1]} -> ${ids[i]}`, c));
            assert.ok(c.compared > 0, `${ids[i - 1]} -> ${ids[i]}: objects in common`);
            movedTotal += c.moved;
            versionsTotal += c.versionChanged.length;
            problems.push(...c.lost);
        }
        assert.deepEqual(problems, []);
        // Without moves between groups, or between versions, this test would prove
        // nothing about the prefix, or the aliases.
        assert.ok(movedTotal > 0, "some object changes group between releases");
        assert.ok(versionsTotal > 0, "some object changes API version between releases");
    });

    const variants: [string, Record<string, unknown>][] = [
        ["tls issuer letsencrypt", { "kubeflow-azure:tls": { issuer: "letsencrypt", email: "platform-team@contoso.com" } }],
        ["allowedGroupIds set", { "kubeflow-azure:allowedGroupIds": ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"] }],
    ];
    // The config values change the authservice and the edge, whose objects differ by
    // flavour: the newest release of each flavour stands for the others.
    const perFlavour = (): string[] => {
        const ids = ordered().reverse();
        return [...new Set(ids.map((id) => catalog.findRelease(id)?.authservice))].map(
            (f) => ids.find((id) => catalog.findRelease(id)?.authservice === f) ?? "",
        );
    };
    for (const [label, overrides] of variants) {
        it(`keeps every URN when the config changes, on the newest release of each authservice flavour: ${label}`, async () => {
            const problems: string[] = [];
            const ids = perFlavour();
            assert.equal(ids.length, 2, `one release per flavour: ${ids.join(", ")}`);
            for (const id of ids) {
                const c = compare(await base(id), await identities(id, overrides));
                console.log(report(`${id}, ${label}`, c));
                assert.ok(c.compared > 0);
                problems.push(...c.lost);
            }
            assert.deepEqual(problems, []);
        });
    }
});
