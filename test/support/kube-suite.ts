/**
 * The suites on the real API server, one describe per release: the program's whole plan
 * (prod stack: Let's Encrypt, profiles with contributors and a quota, a GPU pool), as
 * the program registered it, sent to a fresh kube-apiserver v1.32 in the program's own
 * order (tools/kube-apply.ts), then asked about order and authorization. The suite
 * files split the releases between them so that the two test shards share the work.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { RELEASES, Release } from "../../manifests/catalog";
import { KubeObject, apiGroup } from "../../manifests/types";
import { DASHBOARD_CREATE_DENIAL, kfamUsername } from "../../manifests/authorization/profile-creation";
import { WAIT_FOR } from "../../manifests/platform";
import { applyUnits, serverMessage } from "../../tools/kube-apply";
import { ApplyUnit, programUnits } from "../../tools/kube-units";
import { ProfileController } from "../../tools/kube-controllers";
import { InstallResult, countsByKind, installUnits } from "../../tools/kube-install";
import { KubeServer, startKubeServer } from "../../tools/kube-server";
import { installMocks } from "../mocks";
import { releaseConfig } from "../stack-files";
import { availableRenders } from "../upstream";
import { kubeBinariesOrSkip } from "./kube";
import { orderProblems } from "./kube-order";
import { upgradeAndCheck } from "./kube-upgrade";
import { realRelease, runProgram } from "./program-run";

export const OWNER = "alice@contoso.com";
export const CONTRIBUTOR = "bob@contoso.com";
export const OTHER_OWNER = "dave@contoso.com";
/** Signed in through Entra, member of no profile. */
export const OUTSIDER = "eve@contoso.com";

const PROFILES = [
    { name: "team-a", owner: OWNER, contributors: [CONTRIBUTOR], resourceQuota: { "requests.cpu": "8", "requests.memory": "32Gi" } },
    { name: "team-b", owner: OTHER_OWNER },
];

const OVERRIDES = {
    "kubeflow-azure:profiles": PROFILES,
    "kubeflow-azure:gpuPool": { vmSize: "Standard_NC4as_T4_v3", maxCount: 2 },
};

/** The half of the available releases a suite file takes (index 0 or 1 of 2). */
export function releasesOfHalf(half: 0 | 1): string[] {
    return availableRenders().filter((_, i) => i % 2 === half);
}

/**
 * The program's units for a release on the prod stack with the suite's profiles, for a
 * cluster of the given Kubernetes version (`1.32`: the server's, not the release's own
 * range, which for the older releases names versions AKS no longer offers).
 */
export async function programUnitsFor(id: string, kubernetesVersion: string, deployedRelease?: string): Promise<ApplyUnit[]> {
    const mocks = await installMocks({ stack: "prod" });
    const catalog = await import("../../manifests/catalog");
    const release: Release | undefined = catalog.findRelease(id);
    assert.ok(release, id);
    const previous = deployedRelease === undefined ? undefined : catalog.findRelease(deployedRelease);
    const overrides = { ...releaseConfig(release, new Date(), previous), "kubeflow-azure:kubernetesVersion": kubernetesVersion, ...OVERRIDES };
    await runProgram(mocks, {
        stack: "prod",
        rendered: realRelease(release),
        overrides,
        deployedRelease,
        // The stack keeps where its state is across the upgrade (releaseConfig).
        deployedState: previous === undefined ? undefined : previous.objectStore === "minio" ? "in-cluster" : "managed",
    });
    return programUnits(mocks.resources);
}

/** The server's `major.minor`, as the program's kubernetesVersion takes it. */
export async function serverVersion(server: KubeServer): Promise<string> {
    const info = await server.config.makeApiClient(k8s.VersionApi).getCode();
    return `${info.major}.${info.minor.replace(/\D+$/, "")}`;
}

interface Installed {
    server: KubeServer;
    units: ApplyUnit[];
    result: InstallResult;
}

async function review(server: KubeServer, user: string, namespace: string, verb: string, group: string, resource: string): Promise<boolean> {
    const api = server.config.makeApiClient(k8s.AuthorizationV1Api);
    const answer = await api.createSubjectAccessReview({
        body: { spec: { user, groups: ["system:authenticated"], resourceAttributes: { namespace, verb, group, resource } } },
    });
    return answer.status?.allowed === true;
}

/** The resource rules the server lists for a user in a namespace (SelfSubjectRulesReview as that user), sorted. */
async function rulesOf(server: KubeServer, user: string, namespace: string): Promise<string[]> {
    const api = server.impersonate(user).makeApiClient(k8s.AuthorizationV1Api);
    const answer = await api.createSelfSubjectRulesReview({ body: { spec: { namespace } } });
    return (answer.status?.resourceRules ?? []).map((r) => JSON.stringify([r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? []])).sort();
}

/** A pod spec run as its namespace's default account (the dry runs' namespace has no other). */
function withoutAccount(spec: k8s.V1PodSpec): k8s.V1PodSpec {
    const { serviceAccountName: _name, serviceAccount: _legacy, ...rest } = spec as k8s.V1PodSpec & { serviceAccount?: string };
    return rest;
}

/** Registers the suites of one release. */
export function describeRelease(id: string): void {
    const binaries = kubeBinariesOrSkip();
    const skip = typeof binaries === "string" ? binaries : false;
    describe(`${id} on a real kube-apiserver v1.32 (admission webhook configurations left out: no webhook answers without pods)`, { skip }, () => {
        let installed: Installed | undefined;

        before(async () => {
            assert.ok(typeof binaries !== "string");
            const server = await startKubeServer(binaries);
            try {
                const units = await programUnitsFor(id, await serverVersion(server));
                installed = { server, units, result: await installUnits(server.config, units) };
            } catch (e) {
                await server.stop();
                throw e;
            }
        });
        after(async () => {
            await installed?.server.stop();
        });
        const state = (): Installed => {
            assert.ok(installed, "the install ran");
            return installed;
        };

        it("install: the server accepts every object of the program's plan, and every pulumi.com/waitFor holds", (t) => {
            const { result, units } = state();
            const planned = units.reduce((n, u) => n + u.objects.length, 0);
            const accepted = [...result.report.accepted.values()].reduce((a, b) => a + b, 0);
            t.diagnostic(
                `${id}: ${accepted} of ${planned} objects accepted in ${result.ms} ms, ${result.report.leftOut.length} webhook configurations left out`,
            );
            for (const line of countsByKind(result.report)) {
                t.diagnostic(`  ${line}`);
            }
            const said = (list: typeof result.report.refusals): string[] => list.map((r) => `${r.object} (${r.unit}): ${r.code ?? ""} ${r.message}`);
            assert.deepEqual(said(result.report.refusals), [], "refused by the server");
            assert.deepEqual(said(result.report.waitsFailed), [], "awaited and never ready");
            assert.deepEqual(result.controllerErrors, [], "the profile controller's own objects");
            assert.equal(accepted + result.report.leftOut.length, planned);
            assert.ok(
                result.report.leftOut.every((l) => /WebhookConfiguration /.test(l.object)),
                result.report.leftOut.map((l) => l.object).join(", "),
            );
        });

        it("order: no object is refused for a missing CRD or namespace, and the program's graph makes each wait for what serves it", () => {
            const { result, units } = state();
            const missing = result.report.refusals.filter((r) => r.code === 404 || /not found|Unrecognized API|no matches/i.test(r.message));
            assert.deepEqual(missing, []);
            // What made it so, read from the registrations: a custom resource waits (through
            // its unit's recorded dependencies, or yaml/v2's in-group edges) for a CRD that is
            // awaited Established, and a namespaced object for its Namespace or its Profile.
            const problems = orderProblems(units);
            assert.deepEqual(problems, []);
        });

        it("authorization: the owner and contributors get what kfam grants in their profile's namespace, and nothing elsewhere", async () => {
            const { server } = state();
            // kfam's grants: owner -> kubeflow-admin, contributor -> kubeflow-edit (manifests/kfam.ts).
            for (const user of [OWNER, CONTRIBUTOR]) {
                assert.equal(await review(server, user, "team-a", "create", "kubeflow.org", "notebooks"), true, `${user} creates notebooks in team-a`);
                assert.equal(await review(server, user, "team-a", "create", "", "pods"), true, `${user} creates pods in team-a`);
                assert.equal(
                    (await review(server, user, "team-a", "create", "kubeflow.org", "notebooks")) &&
                        !(await review(server, user, "team-b", "create", "kubeflow.org", "notebooks")),
                    true,
                    `${user} not in team-b`,
                );
            }
            // The owner manages who contributes; a contributor does not.
            assert.equal(await review(server, OWNER, "team-a", "create", "rbac.authorization.k8s.io", "rolebindings"), true);
            assert.equal(await review(server, CONTRIBUTOR, "team-a", "create", "rbac.authorization.k8s.io", "rolebindings"), false);
            // A contributor of one team cannot read another team's Secrets.
            assert.equal(await review(server, CONTRIBUTOR, "team-b", "get", "", "secrets"), false);
            assert.equal(await review(server, CONTRIBUTOR, "team-b", "list", "", "secrets"), false);
        });

        it("authorization: a signed-in user without a profile can do nothing in any profile namespace beyond what any user may anywhere", async () => {
            const { server } = state();
            const core = server.config.makeApiClient(k8s.CoreV1Api);
            await core.createNamespace({ body: { metadata: { name: "nobody-bound-here" } } });
            const baseline = await rulesOf(server, OUTSIDER, "nobody-bound-here");
            for (const ns of ["team-a", "team-b"]) {
                assert.deepEqual(await rulesOf(server, OUTSIDER, ns), baseline, `${OUTSIDER} in ${ns}`);
                assert.equal(await review(server, OUTSIDER, ns, "get", "", "secrets"), false);
                assert.equal(await review(server, OUTSIDER, ns, "create", "kubeflow.org", "notebooks"), false);
            }
            // Members of one team are outsiders to the other.
            assert.deepEqual(await rulesOf(server, CONTRIBUTOR, "team-b"), baseline);
            assert.deepEqual(await rulesOf(server, OTHER_OWNER, "team-a"), baseline);
            // The comparison can tell: an owner's rules in their own namespace are more.
            assert.notDeepEqual(await rulesOf(server, OWNER, "team-a"), baseline);
        });

        it("authorization: with selfService off, the API server refuses a Profile created by kfam's account (which RBAC allows), the deployer's are accepted", async () => {
            const { server, units } = state();
            const kfam = kfamUsername(units.flatMap((u) => u.objects));
            assert.ok(kfam, "the render has kfam");
            // RBAC alone lets kfam create any Profile (cluster-admin): the refusal below is the policy's.
            const rbac = await server.config.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({
                body: {
                    spec: {
                        user: kfam,
                        groups: ["system:serviceaccounts"],
                        resourceAttributes: { verb: "create", group: "kubeflow.org", resource: "profiles" },
                    },
                },
            });
            assert.equal(rbac.status?.allowed, true);
            const squatter = {
                apiVersion: "kubeflow.org/v1",
                kind: "Profile",
                metadata: { name: "team-c" },
                spec: { owner: { kind: "User", name: OUTSIDER } },
            };
            const asKfam = k8s.KubernetesObjectApi.makeApiClient(server.impersonate(kfam));
            await assert.rejects(asKfam.create(squatter), (e: unknown) => {
                const said = serverMessage(e);
                assert.equal(said.code, 403, said.message);
                assert.match(said.message, /ValidatingAdmissionPolicy '.*' .*denied request: Profiles are created by the platform team/);
                return true;
            });
            // A signed-in user (as the API server would see one) has no right to create a Profile.
            const asUser = k8s.KubernetesObjectApi.makeApiClient(server.impersonate(OUTSIDER));
            await assert.rejects(asUser.create(squatter), (e: unknown) => {
                const said = serverMessage(e);
                assert.equal(said.code, 403, said.message);
                assert.match(said.message, /profiles\.kubeflow\.org is forbidden: User ".*" cannot create resource "profiles"/);
                return true;
            });
            // Istio's refusal of the dashboard's create call is on the server too (the
            // gateway's and kfam's DENY policies), as the API server accepted it.
            const admin = k8s.KubernetesObjectApi.makeApiClient(server.config);
            for (const namespace of ["istio-system", "kubeflow"]) {
                const denial = await admin.read({
                    apiVersion: "security.istio.io/v1beta1",
                    kind: "AuthorizationPolicy",
                    metadata: { name: DASHBOARD_CREATE_DENIAL, namespace },
                });
                assert.equal((denial as { spec?: { action?: string } }).spec?.action, "DENY", namespace);
            }
            // The configured ones, created by the deployer, are there.
            for (const name of ["team-a", "team-b"]) {
                const live = await admin.read({ apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name } });
                assert.equal(live.metadata?.name, name);
            }
        });

        it(
            "managed state (prod's default where the release has SeaweedFS): the server holds the clients pointed at Azure's MySQL, its Secrets, and no in-cluster database",
            { skip: RELEASES.find((r) => r.id === id)?.objectStore === "seaweedfs" ? false : "a MinIO release keeps its state in the cluster" },
            async () => {
                const { server } = state();
                const api = k8s.KubernetesObjectApi.makeApiClient(server.config);
                const read = (apiVersion: string, kind: string, name: string) => api.read({ apiVersion, kind, metadata: { name, namespace: "kubeflow" } });
                const config = (await read("v1", "ConfigMap", "pipeline-install-config")) as { data?: Record<string, string> };
                assert.match(config.data?.mysqlHost ?? "", /^kf-prod-[0-9a-f]{6}-mysql\.mysql\.database\.azure\.com$/);
                assert.equal(config.data?.dbHost, config.data?.mysqlHost);
                const secret = (await read("v1", "Secret", "mysql-secret")) as { data?: Record<string, string> };
                assert.equal(Buffer.from(secret.data?.username ?? "", "base64").toString(), "kfp", "the pipelines' own account");
                assert.ok((secret.data?.password ?? "").length > 0, "a password");
                for (const name of ["katib-mysql-secrets", "kubeflow-azure-artifact-store"]) {
                    assert.ok(await read("v1", "Secret", name), name);
                }
                const katib = (await read("apps/v1", "Deployment", "katib-db-manager")) as {
                    spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
                };
                const env = katib.spec?.template?.spec?.containers?.[0]?.env ?? [];
                assert.equal(env.find((e) => e.name === "KATIB_MYSQL_DB_HOST")?.value, config.data?.mysqlHost);
                // The API server's and the cache server's TLS setting, as the server stored it.
                type Workload = { spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[]; args?: string[] }[] } } } };
                const apiServer = (await read("apps/v1", "Deployment", "ml-pipeline")) as Workload;
                const apiEnv = apiServer.spec?.template?.spec?.containers?.flatMap((c) => c.env ?? []) ?? [];
                assert.equal(apiEnv.find((e) => e.name === "DBCONFIG_MYSQLCONFIG_EXTRAPARAMS")?.value, '{"tls":"true"}');
                const cache = (await read("apps/v1", "Deployment", "cache-server")) as Workload;
                assert.ok(cache.spec?.template?.spec?.containers?.some((c) => c.args?.includes('--db_extra_params={"tls":"true"}')));
                const store = (await read("apps/v1", "Deployment", "seaweedfs")) as { spec?: { template?: { spec?: { containers?: { name: string }[] } } } };
                assert.deepEqual(
                    store.spec?.template?.spec?.containers?.map((c) => c.name),
                    ["seaweedfs", "remote-sync"],
                );
                // The accounts Job and the store with its sidecar: their pods pass the restricted
                // Pod Security Standard (a dry run in a namespace that enforces it).
                const job = (await read("batch/v1", "Job", "kubeflow-azure-mysql-users")) as { spec?: { template?: { spec?: k8s.V1PodSpec } } };
                await server.config
                    .makeApiClient(k8s.CoreV1Api)
                    .createNamespace({ body: { metadata: { name: "restricted-dry-run", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } } });
                // No controller manager here: the namespace's default account is made by hand.
                await server.config
                    .makeApiClient(k8s.CoreV1Api)
                    .createNamespacedServiceAccount({ namespace: "restricted-dry-run", body: { metadata: { name: "default" } } });
                for (const [what, spec] of [
                    ["accounts Job", job.spec?.template?.spec],
                    ["seaweedfs", (store.spec?.template?.spec as k8s.V1PodSpec | undefined) ?? undefined],
                ] as const) {
                    assert.ok(spec, what);
                    const pod = await server.config.makeApiClient(k8s.CoreV1Api).createNamespacedPod({
                        namespace: "restricted-dry-run",
                        body: { apiVersion: "v1", kind: "Pod", metadata: { name: "dry-run" }, spec: withoutAccount(spec) },
                        dryRun: "All",
                    });
                    assert.equal(pod.metadata?.name, "dry-run", what);
                }
                assert.ok(await read("v1", "Secret", "kubeflow-azure-mysql-admin"));
                for (const [apiVersion, kind, name] of [
                    ["apps/v1", "Deployment", "mysql"],
                    ["apps/v1", "Deployment", "katib-mysql"],
                    ["v1", "PersistentVolumeClaim", "mysql-pv-claim"],
                    ["v1", "PersistentVolumeClaim", "katib-mysql"],
                ]) {
                    await assert.rejects(read(apiVersion, kind, name), (e: unknown) => serverMessage(e).code === 404, `${kind} ${name}`);
                }
            },
        );

        it(
            "order, control: without the Profile's waitFor, kfam's bindings reach the server before the profile controller made the namespace, and are refused",
            {
                skip: id === availableRenders()[0] ? false : "shown once, on the first release",
            },
            async () => {
                // The CRDs and the profiles group on a second, fresh server, with the emulated
                // profile controller acting as in the install; the one await that orders the
                // profile namespaces removed. The refusals the tests above never see must appear.
                const { units } = state();
                const crds = units.find((u) => u.objects.some((o) => o.kind === "CustomResourceDefinition"));
                const profiles = units.find((u) => u.objects.some((o) => o.kind === "Profile"));
                assert.ok(crds && profiles);
                // Only the CRDs of the kinds the profiles group holds: the server digests each CRD for a while.
                const kinds = new Set(profiles.objects.map((o) => `${apiGroup(o.apiVersion)}/${o.kind}`));
                const served = (o: KubeObject): boolean => {
                    const spec = o.spec as { group?: string; names?: { kind?: string } } | undefined;
                    return o.kind === "CustomResourceDefinition" && kinds.has(`${spec?.group ?? ""}/${spec?.names?.kind ?? ""}`);
                };
                const control: ApplyUnit[] = [
                    { ...crds, objects: crds.objects.filter(served), after: [] },
                    { ...profiles, objects: profiles.objects.map(withoutProfileWait), after: [crds.urn] },
                ];
                const server = await startKubeServer(binaries as Exclude<typeof binaries, string>);
                try {
                    // The controller acts 5 s after the Profile, far longer than the group's few
                    // requests take even on a loaded machine: the refusal does not depend on a race.
                    const controller = new ProfileController(server.config, 5000);
                    const report = await applyUnits(server.config, control, { afterAccepted: controller.observe });
                    await controller.settle();
                    const refused = report.refusals.filter((r) => / team-a\//.test(r.object) && r.code === 404);
                    assert.ok(refused.length > 0, JSON.stringify(report.refusals));
                    assert.match(refused[0].message, /namespaces "team-a" not found/);
                } finally {
                    await server.stop();
                }
            },
        );

        const next = newerRelease(id);
        it(
            `upgrade to ${next ?? "(none: the newest release)"}: the server accepts the newer plan over this one, and what users made is still there and readable`,
            {
                skip: next ? false : "the newest release of the catalog",
            },
            async (t) => {
                // Last in the describe: it changes the server the tests above read.
                const { server, units } = state();
                assert.ok(next);
                // The newer plan as the program makes it over a stack that runs this release.
                const nextUnits = await programUnitsFor(next, await serverVersion(server), id);
                await upgradeAndCheck(t, server, { id, units }, { id: next, units: nextUnits });
            },
        );
    });
}

/** The releases of the catalog with a render here, oldest first. */
export function chainOfReleases(): string[] {
    return RELEASES.map((r) => r.id)
        .filter((r) => availableRenders().includes(r))
        .reverse();
}

/** The next newer release of the catalog with a render here, or undefined. */
function newerRelease(id: string): string | undefined {
    const ids = chainOfReleases();
    const i = ids.indexOf(id);
    return i >= 0 && i < ids.length - 1 ? ids[i + 1] : undefined;
}

function withoutProfileWait(o: KubeObject): KubeObject {
    if (o.kind !== "Profile" || !o.metadata.annotations?.[WAIT_FOR]) {
        return o;
    }
    const { [WAIT_FOR]: _dropped, ...annotations } = o.metadata.annotations;
    return { ...o, metadata: { ...o.metadata, annotations } };
}
