import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Mocks, installMocks } from "./mocks";
import { CONTEXT, stackConfig } from "./stack-files";
import { rec } from "./assertions";
import { groupObjects, realRelease, runProgram } from "./support/program-run";
import { releaseConfig } from "./stack-files";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";
import type { KubeObject } from "../manifests/types";

// Mocks first: the program's modules must see them when they load.
let mocks: Mocks;
let program: typeof import("../program");
let config: typeof import("../config");
let catalog: typeof import("../manifests/catalog");
let profiles: typeof import("../manifests/profiles");
let component: typeof import("../components/profiles");

before(async () => {
    mocks = await installMocks();
    program = await import("../program");
    config = await import("../config");
    catalog = await import("../manifests/catalog");
    profiles = await import("../manifests/profiles");
    component = await import("../components/profiles");
});

const GROUP = "kubernetes:yaml/v2:ConfigGroup";

const TEAMS = [
    {
        name: "team-a",
        owner: "alice@contoso.com",
        contributors: ["bob@contoso.com", "carol@contoso.com"],
        resourceQuota: { "requests.cpu": "8", "requests.memory": "32Gi" },
    },
    { name: "team-b", owner: "dave@contoso.com" },
];

async function run(stack: string, id: string, overrides: Record<string, unknown>): Promise<void> {
    const release = catalog.findRelease(id);
    assert.ok(release);
    await runProgram(mocks, { stack, rendered: realRelease(release), overrides: { ...releaseConfig(release), ...overrides } });
}

/** Every object the program applies through yaml/v2 groups. */
function applied(): KubeObject[] {
    return mocks.ofType(GROUP).flatMap(groupObjects);
}

function dashboardFlag(objects: readonly KubeObject[]): unknown {
    const d = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "centraldashboard" && o.metadata.namespace === "kubeflow");
    assert.ok(d, "the dashboard is applied");
    const env = JSON.stringify(rec(rec(d.spec, "spec").template, "template"));
    return /"name":"REGISTRATION_FLOW","value":"(\w+)"/.exec(env)?.[1];
}

describe("profiles on every real release", { skip: skipWithoutRenders() }, () => {
    for (const id of availableRenders()) {
        it(`${id}: the configured Profiles, kfam's contributor bindings and policies, spot PodDefaults, self-service on, no example user`, async () => {
            await run("dev", id, {
                "kubeflow-azure:profiles": TEAMS,
                "kubeflow-azure:selfService": true,
                "kubeflow-azure:userPool": { vmSize: "Standard_D8s_v5", minCount: 0, maxCount: 2, spot: true },
            });
            const group = mocks.one(GROUP, "kf-dev-profiles-objects");
            assert.equal(group.inputs.resourcePrefix, "profiles");
            assert.equal(mocks.byUrn(group.parent)?.type, "kubeflow-azure:kubeflow:Profiles");
            const phases = mocks.ofType(GROUP).filter((g) => /-kubeflow-phase-\d+$/.test(g.name));
            const deps = mocks.transitiveDependencies(group.urn);
            assert.ok(phases.length > 0 && phases.every((p) => deps.has(p.urn)), "waits on every platform phase");

            const objects = groupObjects(group);
            const profilesApplied = objects.filter((o) => o.kind === "Profile");
            assert.deepEqual(
                profilesApplied.map((p) => [p.apiVersion, p.metadata.name, rec(rec(p.spec, "spec").owner, "owner").name]),
                [
                    ["kubeflow.org/v1", "team-a", "alice@contoso.com"],
                    ["kubeflow.org/v1", "team-b", "dave@contoso.com"],
                ],
            );
            // Self-service on: the CronJob that gives self-made Profiles the default quota, leaving these two alone.
            const cronJob = applied().find((o) => o.kind === "CronJob" && o.metadata.name === "kubeflow-azure-self-service-quota");
            assert.ok(cronJob, "the default-quota CronJob is applied");
            const env = JSON.stringify(cronJob.spec);
            assert.match(env, /"name":"MANAGED","value":"team-a\\nteam-b"/);
            assert.match(env, /"name":"QUOTA","value":"\{\\"requests.cpu\\":\\"4\\"/);
            assert.ok(!applied().some((o) => o.metadata.name === "kubeflow-azure-no-workgroup-create"), "self-service: the create call is not refused");
            assert.deepEqual(rec(profilesApplied[0].spec, "spec").resourceQuotaSpec, { hard: { "requests.cpu": "8", "requests.memory": "32Gi" } });
            assert.equal(rec(profilesApplied[1].spec, "spec").resourceQuotaSpec, undefined);

            const bindings = objects.filter((o) => o.kind === "RoleBinding");
            assert.deepEqual(
                bindings.map((b) => [
                    b.metadata.namespace,
                    b.metadata.name,
                    b.metadata.annotations?.user,
                    b.metadata.annotations?.role,
                    rec(b.roleRef, "roleRef").name,
                ]),
                [
                    ["team-a", "user-bob-contoso-com-clusterrole-edit", "bob@contoso.com", "edit", "kubeflow-edit"],
                    ["team-a", "user-carol-contoso-com-clusterrole-edit", "carol@contoso.com", "edit", "kubeflow-edit"],
                ],
            );
            const policies = objects.filter((o) => o.kind === "AuthorizationPolicy");
            assert.deepEqual(
                policies.map((p) => [p.apiVersion, p.metadata.namespace, p.metadata.name]),
                bindings.map((b) => ["security.istio.io/v1beta1", b.metadata.namespace, b.metadata.name]),
            );
            const rule = JSON.stringify(policies[0].spec);
            assert.match(rule, /"key":"request\.headers\[kubeflow-userid\]","values":\["bob@contoso\.com"\]/);
            assert.equal(/istio-ingressgateway-service-account/.test(rule), id !== "v1.7.0", "the from clause of kfam v1.8+");

            // The user pool is spot here; there is no GPU pool.
            assert.deepEqual(
                objects.filter((o) => o.kind === "PodDefault").map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
                ["team-a/spot", "team-b/spot"],
            );

            const all = applied();
            assert.ok(!all.some((o) => o.kind === "Profile" && o.metadata.name === "kubeflow-user-example-com"), "the example profile is not applied");
            assert.doesNotMatch(JSON.stringify(all), /user@example\.com|kubeflow-user-example-com/);
            assert.equal(dashboardFlag(all), "true");
        });

        it(`${id}: without profiles, no Profiles group; self-service off by default; no PodDefault on regular nodes`, async () => {
            await run("prod", id, {});
            assert.deepEqual(
                mocks
                    .ofType(GROUP)
                    .filter((g) => g.name.includes("profiles"))
                    .map((g) => g.name),
                [],
            );
            assert.equal(mocks.ofType("kubeflow-azure:kubeflow:Profiles").length, 1);
            const all = applied();
            assert.equal(dashboardFlag(all), "false");
            assert.ok(!all.some((o) => o.kind === "Profile"), "no Profile at all");
            assert.doesNotMatch(JSON.stringify(all), /user@example\.com/);
        });
    }

    it("prod (regular user nodes) with profiles: no PodDefault", async () => {
        await run("prod", "26.03", { "kubeflow-azure:profiles": TEAMS });
        assert.deepEqual(
            groupObjects(mocks.one(GROUP, "kf-prod-profiles-objects")).filter((o) => o.kind === "PodDefault"),
            [],
        );
    });

    it("a profile on a namespace of the release (beyond the fixed system list) is refused before any resource is registered", async () => {
        mocks.reset();
        const release = catalog.findRelease("26.03");
        assert.ok(release);
        // A later release that brings a namespace of its own.
        const objects: KubeObject[] = [...loadRender("26.03"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "model-registry" } }];
        const cfg = config.resolveConfig(
            stackConfig("dev", { "kubeflow-azure:profiles": [{ name: "model-registry", owner: "alice@contoso.com" }] }),
            "dev",
            CONTEXT,
        );
        assert.throws(
            () => program.deploy(cfg, { release, objects, origin: "26.03" }),
            /profiles\[0\]\.name: "model-registry": a namespace of the Kubeflow release/,
        );
        await mocks.settle();
        assert.deepEqual(
            mocks.resources.map((r) => r.name),
            [],
        );
    });
});

describe("the Profiles component", { skip: skipWithoutRenders() }, () => {
    it("with a GPU pool: a GPU PodDefault tolerating sku=gpu:NoSchedule in every profile namespace, children named by the fixed prefix", async () => {
        const k8s = await import("@pulumi/kubernetes");
        mocks.reset();
        const team = (name: string) => ({ name, owner: "alice@contoso.com", contributors: [], resourceQuota: {} });
        const plan = profiles.planProfiles([team("team-a"), team("team-b")], loadRender("26.03"), { gpu: true, spot: false });
        const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
        new component.Profiles("anything", { plan, provider, after: [] });
        await mocks.settle();
        const group = mocks.one(GROUP, "anything-objects");
        assert.equal(group.inputs.resourcePrefix, component.PROFILES_RESOURCE_PREFIX);
        assert.ok(group.provider.startsWith(mocks.one("pulumi:providers:kubernetes").urn), "the cluster provider");
        const gpu = groupObjects(group).filter((o) => o.kind === "PodDefault");
        assert.deepEqual(
            gpu.map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
            ["team-a/gpu", "team-b/gpu"],
        );
        assert.deepEqual(rec(gpu[0].spec, "spec").tolerations, [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }]);
        assert.deepEqual(rec(gpu[0].spec, "spec").selector, { matchLabels: { gpu: "true" } });
    });
});

describe("users by object id (userIdClaim: oid)", { skip: skipWithoutRenders() }, () => {
    const OWNER = "alice@contoso.com";
    const CONTRIBUTOR = "bob@contoso.com";
    const FIXED = "0A0A0A0A-1B1B-4C2C-8D3D-4E4E4E4E4E4E";
    let objects: Record<string, unknown>[];
    before(async () => {
        await run("dev", "26.03", {
            "kubeflow-azure:userIdClaim": "oid",
            "kubeflow-azure:profiles": [
                { name: "team-a", owner: OWNER, contributors: [CONTRIBUTOR, FIXED] },
                { name: "team-b", owner: CONTRIBUTOR },
            ],
        });
        objects = groupObjects(mocks.one(GROUP, "kf-dev-profiles-objects"));
    });

    it("looks each configured user principal name up in Entra once, and only those", () => {
        const lookups = mocks.invokes.filter((i) => i.token === "azuread:index/getUser:getUser");
        assert.deepEqual(lookups.map((i) => (i.inputs as { userPrincipalName: string }).userPrincipalName).sort(), [OWNER, CONTRIBUTOR].sort());
    });

    it("names every user of the profiles by object id: owners, contributors' bindings and their header rules", async () => {
        const { answerInvoke } = await import("../tools/mock-answers");
        const idOf = (upn: string): string =>
            (answerInvoke({ token: "azuread:index/getUser:getUser", inputs: { userPrincipalName: upn } }) as { objectId: string }).objectId;
        const text = JSON.stringify(objects);
        assert.doesNotMatch(text, /alice@contoso\.com|bob@contoso\.com/, "no user principal name is left");
        const profile = (name: string): Record<string, unknown> | undefined =>
            objects.find((o) => o.kind === "Profile" && (o.metadata as { name: string }).name === name);
        assert.equal((profile("team-a")?.spec as { owner: { name: string } }).owner.name, idOf(OWNER));
        assert.equal((profile("team-b")?.spec as { owner: { name: string } }).owner.name, idOf(CONTRIBUTOR));
        const users = objects.filter((o) => o.kind === "RoleBinding").map((o) => (o.metadata as { annotations: { user: string } }).annotations.user);
        assert.deepEqual(users.sort(), [idOf(CONTRIBUTOR), FIXED.toLowerCase()].sort());
        const headers = objects
            .filter((o) => o.kind === "AuthorizationPolicy")
            .flatMap((o) => JSON.stringify(o).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []);
        assert.ok(headers.includes(idOf(CONTRIBUTOR)) && headers.includes(FIXED.toLowerCase()), headers.join(", "));
    });

    it("refuses oid on a release whose authservice cannot read it, and a GUID user under another claim", () => {
        assert.throws(
            () => config.resolveConfig(stackConfig("dev", { "kubeflow-azure:kubeflowRelease": "v1.8.1", "kubeflow-azure:userIdClaim": "oid" }), "dev", CONTEXT),
            /kubeflow-azure:userIdClaim: "?oid"?: v1\.8\.1 runs oidc-authservice/,
        );
        assert.throws(
            () => config.resolveConfig(stackConfig("dev", { "kubeflow-azure:profiles": [{ name: "team-a", owner: FIXED }] }), "dev", CONTEXT),
            /profiles\[0\]\.owner: "0A0A0A0A-1B1B-4C2C-8D3D-4E4E4E4E4E4E": a user id of the form local@domain/,
        );
    });
});
