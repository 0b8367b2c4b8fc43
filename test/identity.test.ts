/**
 * Identity across upgrades and config changes: every Kubernetes object the program
 * applies through a yaml/v2 ConfigGroup keeps its Pulumi URN when the release moves to
 * the next one in the catalog, or when a config value changes, as long as the object
 * exists on both sides. A changed URN is a create of an object that already exists
 * (AlreadyExists, partway through `pulumi up`) followed by a delete of the live object.
 *
 * The mocks do not expand provider-side components and name a child after its parent's
 * last type only, so the URNs are computed here the way the engine and the provider make
 * them (sources in the comments of childUrn and qualifiedType).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Mocks, RecordedResource, installMocks, isSecretValue, promiseOf } from "./mocks";
import { CONTEXT, stackConfig } from "./stack-files";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const GROUP = "kubernetes:yaml/v2:ConfigGroup";
const STACK = "pulumi:pulumi:Stack";

let mocks: Mocks;
let program: typeof import("../program");
let config: typeof import("../config");
let catalog: typeof import("../manifests/catalog");

before(async () => {
    mocks = await installMocks();
    program = await import("../program");
    config = await import("../config");
    catalog = await import("../manifests/catalog");
});

/** What an object is, independent of where it is applied: apiVersion, kind, namespace, name. */
type ObjectKey = string;

interface Placement {
    readonly urn: string;
    /** The ConfigGroup that applies it, for the "moved but kept its URN" figure. */
    readonly group: string;
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
function childUrn(group: RecordedResource, obj: Record<string, unknown>, project: string, stack: string): string {
    const meta = obj.metadata as { name: string; namespace?: string };
    const prefix = typeof group.inputs.resourcePrefix === "string" ? group.inputs.resourcePrefix : group.name;
    const base = meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
    const name = prefix === "" ? base : `${prefix}:${base}`;
    return `urn:pulumi:${stack}::${project}::${qualifiedType(group)}$${childType(obj)}::${name}`;
}

function groupObjects(group: RecordedResource): Record<string, unknown>[] {
    const text = isSecretValue(group.inputs.yaml) ? (group.inputs.yaml as { value: unknown }).value : group.inputs.yaml;
    assert.equal(typeof text, "string", `${group.name}: yaml known under the mocks`);
    return (text as string).split("\n---\n").filter(Boolean).map((t) => JSON.parse(t) as Record<string, unknown>);
}

function objectKey(obj: Record<string, unknown>): ObjectKey {
    const meta = obj.metadata as { name: string; namespace?: string };
    return `${String(obj.apiVersion)} ${String(obj.kind)} ${meta.namespace ?? ""}/${meta.name}`;
}

/** Every ConfigGroup child of the whole program on a release and config, by object. */
async function identities(releaseId: string, overrides: Record<string, unknown> = {}): Promise<Map<ObjectKey, Placement>> {
    const release = catalog.findRelease(releaseId);
    assert.ok(release, releaseId);
    mocks.reset();
    const stack = "dev";
    const cfg = config.resolveConfig(stackConfig(stack, {
        "kubeflow-azure:kubeflowRelease": release.id,
        "kubeflow-azure:kubernetesVersion": release.kubernetes.max,
        // Releases whose authservice needs a client secret take its issue day; the others ignore it.
        "kubeflow-azure:clientSecret": { validityDays: 365, rotation: new Date().toISOString().slice(0, 10) },
        ...overrides,
    }), stack, CONTEXT);
    const deployment = program.deploy(cfg, { release, objects: loadRender(release.id), origin: release.id });
    await Promise.all(Object.values(deployment.outputs).map((o) => promiseOf(o as import("@pulumi/pulumi").Output<unknown>)));
    await mocks.settle();
    const out = new Map<ObjectKey, Placement>();
    const groups = mocks.ofType(GROUP);
    assert.ok(groups.length > 0, "the program declares ConfigGroups");
    for (const group of groups) {
        for (const obj of groupObjects(group)) {
            const key = objectKey(obj);
            const urn = childUrn(group, obj, "kubeflow-azure", stack);
            assert.ok(!out.has(key), `${key} applied twice (${out.get(key)?.group} and ${group.name})`);
            out.set(key, { urn, group: group.name });
        }
    }
    const urns = [...out.values()].map((p) => p.urn);
    assert.equal(new Set(urns).size, urns.length, `${releaseId}: two objects share a URN`);
    return out;
}

interface Comparison {
    readonly compared: number;
    readonly moved: number;
    readonly changed: string[];
    /**
     * Objects whose API version differs between the sides: a new type token, so a new
     * URN no prefix can keep (reported, not compared).
     */
    readonly versionChanged: string[];
}

/** The key without the version: `autoscaling HorizontalPodAutoscaler ns/name`. */
function unversioned(key: ObjectKey): string {
    const [apiVersion, ...rest] = key.split(" ");
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "core";
    return [group, ...rest].join(" ");
}

/** Objects present on both sides, whose URN differs (must be none) and how many changed group. */
function compare(before: ReadonlyMap<ObjectKey, Placement>, after: ReadonlyMap<ObjectKey, Placement>): Comparison {
    let compared = 0;
    let moved = 0;
    const changed: string[] = [];
    for (const [key, was] of before) {
        const now = after.get(key);
        if (!now) {
            continue;
        }
        compared++;
        if (now.group !== was.group) {
            moved++;
        }
        if (now.urn !== was.urn) {
            changed.push(`${key}: ${was.urn} -> ${now.urn}`);
        }
    }
    const afterVersions = new Map([...after.keys()].map((k) => [unversioned(k), k]));
    const versionChanged = [...before.keys()]
        .filter((k) => !after.has(k) && afterVersions.has(unversioned(k)))
        .map((k) => `${k} -> ${afterVersions.get(unversioned(k)) ?? ""}`);
    return { compared, moved, changed, versionChanged };
}

function report(label: string, c: Comparison): string {
    const versions = c.versionChanged.length > 0 ? `; ${c.versionChanged.length} changed API version (${c.versionChanged.join("; ")})` : "";
    return `${label}: ${c.compared} objects compared, ${c.moved} of them changed group, ${c.changed.length} URNs changed${versions}`;
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
        assert.deepEqual(prefixes.filter(([, prefix, component]) => prefix !== component || prefix === undefined), []);
    });

    it("keeps every URN across each upgrade between adjacent releases of the catalog", async () => {
        const ids = ordered();
        assert.ok(ids.length >= 2, "at least two renders to compare");
        const problems: string[] = [];
        let movedTotal = 0;
        for (let i = 1; i < ids.length; i++) {
            const c = compare(await base(ids[i - 1]), await base(ids[i]));
            console.log(report(`${ids[i - 1]} -> ${ids[i]}`, c));
            assert.ok(c.compared > 0, `${ids[i - 1]} -> ${ids[i]}: objects in common`);
            movedTotal += c.moved;
            problems.push(...c.changed);
        }
        assert.deepEqual(problems, []);
        // Without moves between groups this test would prove nothing about the prefix.
        assert.ok(movedTotal > 0, "some object changes group between releases");
    });

    const variants: [string, Record<string, unknown>][] = [
        ["tls issuer letsencrypt", { "kubeflow-azure:tls": { issuer: "letsencrypt", email: "platform-team@contoso.com" } }],
        ["allowedGroupIds set", { "kubeflow-azure:allowedGroupIds": ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"] }],
    ];
    // The config values change the authservice and the edge, whose objects differ by
    // flavour: the newest release of each flavour stands for the others.
    const perFlavour = (): string[] => {
        const ids = ordered().reverse();
        return [...new Set(ids.map((id) => catalog.findRelease(id)?.authservice))].map((f) => ids.find((id) => catalog.findRelease(id)?.authservice === f) ?? "");
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
                problems.push(...c.changed);
            }
            assert.deepEqual(problems, []);
        });
    }
});
