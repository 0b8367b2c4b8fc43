import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GPU_TAINT, SPOT_TAINT, taintText, tolerationOf } from "../manifests/compute";
import {
    DEPENDS_ON,
    PROFILE_RECONCILED,
    KfamSettings,
    ProfileConfig,
    SYSTEM_NAMESPACES,
    contributorBindingName,
    contributorObjects,
    planProfiles,
    podDefaults,
    profileObject,
    readKfamSettings,
    validateProfiles,
} from "../manifests/profiles";
import { EXAMPLE_USER, dropExampleProfile, exampleUserProblems } from "../manifests/transforms/example-profile";
import { REGISTRATION_FLOW_ENV, setRegistrationFlow } from "../manifests/transforms/registration-flow";
import { KubeObject, objectKey } from "../manifests/types";
import { ConfigError, resolveConfig } from "../config";
import { list, rec } from "./assertions";
import { CONTEXT, stackConfig } from "./stack-files";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const KEY = "kubeflow-azure:profiles";
const wheres = (raw: unknown): string[] => validateProfiles(raw, KEY).problems.map((p) => p.where);

describe("validateProfiles", () => {
    it("reads a profile with contributors and a quota, numbers as quantities", () => {
        const { profiles, problems } = validateProfiles(
            [
                {
                    name: "team-a",
                    owner: "alice@contoso.com",
                    contributors: ["bob@contoso.com"],
                    resourceQuota: { "requests.cpu": 8, "requests.memory": "32Gi", "requests.nvidia.com/gpu": "2" },
                },
                { name: "team-b", owner: "carol_fabrikam.com#EXT#@contoso.onmicrosoft.com" },
            ],
            KEY,
        );
        assert.deepEqual(problems, []);
        assert.deepEqual(profiles, [
            {
                name: "team-a",
                owner: "alice@contoso.com",
                contributors: ["bob@contoso.com"],
                resourceQuota: { "requests.cpu": "8", "requests.memory": "32Gi", "requests.nvidia.com/gpu": "2" },
            },
            { name: "team-b", owner: "carol_fabrikam.com#EXT#@contoso.onmicrosoft.com", contributors: [], resourceQuota: {} },
        ]);
    });

    it("refuses a value that is not a list, naming the key", () => {
        assert.deepEqual(wheres({ name: "team-a" }), [KEY]);
    });

    it("reports every problem at once, each naming key, value and rule, and returns no profile", () => {
        const { profiles, problems } = validateProfiles(
            [
                { name: "Team_A", owner: "alice" },
                {
                    name: "team-b",
                    owner: "bob@contoso.com",
                    contributors: ["bob@contoso.com", "eve@contoso.com", "eve@contoso.com", "not a user"],
                    color: "red",
                },
                { name: "team-b", owner: "carol@contoso.com", resourceQuota: { cpu: "-1", "bad name!": "1", memory: "lots" } },
                "team-c",
            ],
            KEY,
        );
        assert.deepEqual(profiles, []);
        assert.deepEqual(
            problems.map((p) => p.where),
            [
                `${KEY}[0].name`,
                `${KEY}[0].owner`,
                `${KEY}[1].color`,
                `${KEY}[1].contributors[0]`,
                `${KEY}[1].contributors[2]`,
                `${KEY}[1].contributors[3]`,
                `${KEY}[2].name`,
                `${KEY}[2].resourceQuota.cpu`,
                `${KEY}[2].resourceQuota.bad name!`,
                `${KEY}[2].resourceQuota.memory`,
                `${KEY}[3]`,
            ],
        );
        const byWhere = new Map(problems.map((p) => [p.where, p]));
        assert.equal(byWhere.get(`${KEY}[0].name`)?.value, '"Team_A"');
        assert.match(byWhere.get(`${KEY}[0].name`)?.rule ?? "", /DNS label/);
        assert.match(byWhere.get(`${KEY}[0].owner`)?.rule ?? "", /local@domain/);
        assert.match(byWhere.get(`${KEY}[1].contributors[0]`)?.rule ?? "", /owner is repeated/);
        assert.match(byWhere.get(`${KEY}[1].contributors[2]`)?.rule ?? "", /listed twice/);
        assert.match(byWhere.get(`${KEY}[2].name`)?.rule ?? "", /duplicate: kubeflow-azure:profiles\[1\]/);
        assert.match(byWhere.get(`${KEY}[2].resourceQuota.cpu`)?.rule ?? "", /non-negative Kubernetes quantity/);
    });

    it("refuses a name longer than 63 characters", () => {
        assert.deepEqual(wheres([{ name: "a".repeat(64), owner: "alice@contoso.com" }]), [`${KEY}[0].name`]);
        assert.deepEqual(wheres([{ name: "a".repeat(63), owner: "alice@contoso.com" }]), []);
    });

    it("refuses every system namespace and the kube-* and knative-* prefixes", () => {
        for (const name of [...SYSTEM_NAMESPACES, "kube-system", "kube-public", "knative-serving", "knative-eventing"]) {
            const problems = validateProfiles([{ name, owner: "alice@contoso.com" }], KEY).problems;
            assert.equal(problems.length, 1, name);
            assert.match(problems[0].rule, /system namespace/, name);
        }
        for (const name of ["kubeflow", "istio-system", "cert-manager", "auth", "oauth2-proxy", "default"]) {
            assert.ok(SYSTEM_NAMESPACES.includes(name), name);
        }
    });

    it("refuses two contributors kfam would give the same binding name", () => {
        const problems = validateProfiles([{ name: "team-a", owner: "alice@contoso.com", contributors: ["a.b@contoso.com", "a-b@contoso.com"] }], KEY).problems;
        assert.deepEqual(
            problems.map((p) => p.where),
            [`${KEY}[0].contributors[1]`],
        );
        assert.match(problems[0].rule, /same binding name user-a-b-contoso-com-clusterrole-edit/);
    });
});

describe("the profiles and selfService keys in resolveConfig", () => {
    it("default to no profile and self-service off", () => {
        const cfg = resolveConfig(stackConfig("dev"), "dev", CONTEXT);
        assert.deepEqual(cfg.profiles, []);
        assert.equal(cfg.selfService, false);
    });

    it("are read, frozen", () => {
        const cfg = resolveConfig(
            stackConfig("dev", { [KEY]: [{ name: "team-a", owner: "alice@contoso.com" }], "kubeflow-azure:selfService": true }),
            "dev",
            CONTEXT,
        );
        assert.deepEqual(cfg.profiles, [{ name: "team-a", owner: "alice@contoso.com", contributors: [], resourceQuota: {} }]);
        assert.equal(cfg.selfService, true);
        assert.ok(Object.isFrozen(cfg.profiles[0]));
    });

    it("report their problems together with the other keys' problems, before anything exists", () => {
        assert.throws(
            () =>
                resolveConfig(
                    stackConfig("dev", {
                        [KEY]: [{ name: "kube-system", owner: "alice" }],
                        "kubeflow-azure:selfService": "yes",
                        "kubeflow-azure:tenantId": "not-a-guid",
                    }),
                    "dev",
                    CONTEXT,
                ),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.deepEqual(err.problems.map((p) => p.where).sort(), [
                    `${KEY}[0].name`,
                    `${KEY}[0].owner`,
                    "kubeflow-azure:selfService",
                    "kubeflow-azure:tenantId",
                ]);
                assert.match(err.message, /kubeflow-azure:selfService: "yes": true or false/);
                return true;
            },
        );
    });
});

describe("kfam's contributor objects (kubeflow/kubeflow components/access-management/kfam/bindings.go v1.10.0)", () => {
    const kfam: KfamSettings = {
        userIdHeader: "kubeflow-userid",
        userIdPrefix: "",
        principals: ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account", "cluster.local/ns/kubeflow/sa/ml-pipeline-ui"],
    };

    it("names the binding as getBindingName does: user-<safe user id>-clusterrole-edit", () => {
        assert.equal(contributorBindingName("alice@contoso.com"), "user-alice-contoso-com-clusterrole-edit");
        assert.equal(contributorBindingName("Bob.Smith@Contoso.COM"), "user-bob-smith-contoso-com-clusterrole-edit");
        assert.equal(
            contributorBindingName("carol_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
            "user-carol-fabrikam-com-ext-contoso-onmicrosoft-com-clusterrole-edit",
        );
    });

    it("is a RoleBinding to kubeflow-edit and an AuthorizationPolicy on the user id header, both annotated user and role=edit", () => {
        const [binding, policy] = contributorObjects("team-a", "bob@contoso.com", kfam);
        const name = "user-bob-contoso-com-clusterrole-edit";
        assert.deepEqual(binding, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name, namespace: "team-a", annotations: { user: "bob@contoso.com", role: "edit" } },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kubeflow-edit" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "bob@contoso.com" }],
        });
        assert.deepEqual(policy, {
            apiVersion: "security.istio.io/v1beta1",
            kind: "AuthorizationPolicy",
            metadata: { name, namespace: "team-a", annotations: { user: "bob@contoso.com", role: "edit" } },
            spec: {
                rules: [
                    {
                        when: [{ key: "request.headers[kubeflow-userid]", values: ["bob@contoso.com"] }],
                        from: [{ source: { principals: kfam.principals } }],
                    },
                ],
            },
        });
    });

    it("puts the header prefix before the user id and leaves out `from` for a kfam without principals (v1.7.0)", () => {
        const [, policy] = contributorObjects("team-a", "bob@contoso.com", { userIdHeader: "x-user", userIdPrefix: "accounts.google.com:" });
        assert.deepEqual(policy.spec, { rules: [{ when: [{ key: "request.headers[x-user]", values: ["accounts.google.com:bob@contoso.com"] }] }] });
    });
});

describe("Profile and PodDefaults", () => {
    const team: ProfileConfig = { name: "team-a", owner: "alice@contoso.com", contributors: [], resourceQuota: {} };

    it("a Profile owned by its owner, with the quota as spec.resourceQuotaSpec.hard only when set", () => {
        assert.deepEqual(profileObject(team), {
            apiVersion: "kubeflow.org/v1",
            kind: "Profile",
            metadata: { name: "team-a", annotations: { "pulumi.com/waitFor": 'jsonpath={.metadata.finalizers[?@=="profile-finalizer"]}' } },
            spec: { owner: { kind: "User", name: "alice@contoso.com" } },
        });
        assert.deepEqual(rec(profileObject({ ...team, resourceQuota: { "requests.cpu": "8" } }).spec, "spec").resourceQuotaSpec, {
            hard: { "requests.cpu": "8" },
        });
    });

    it("GPU_TAINT is the AKS docs' sku=gpu:NoSchedule and SPOT_TAINT the one AKS puts on spot pools", () => {
        assert.equal(taintText(GPU_TAINT), "sku=gpu:NoSchedule");
        assert.equal(taintText(SPOT_TAINT), "kubernetes.azure.com/scalesetpriority=spot:NoSchedule");
        assert.deepEqual(tolerationOf(SPOT_TAINT), { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" });
    });

    it("no PodDefault without a GPU pool or spot nodes", () => {
        assert.deepEqual(podDefaults("team-a", { gpu: false, spot: false }), []);
    });

    it("a GPU PodDefault tolerating the GPU taint, a spot one tolerating the spot taint, each selected by its label", () => {
        const pds = podDefaults("team-a", { gpu: true, spot: true });
        assert.deepEqual(
            pds.map((p) => [p.apiVersion, p.kind, p.metadata.namespace, p.metadata.name]),
            [
                ["kubeflow.org/v1alpha1", "PodDefault", "team-a", "gpu"],
                ["kubeflow.org/v1alpha1", "PodDefault", "team-a", "spot"],
            ],
        );
        const [gpu, spot] = pds.map((p) => rec(p.spec, "spec"));
        assert.deepEqual(gpu.selector, { matchLabels: { gpu: "true" } });
        assert.deepEqual(gpu.tolerations, [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }]);
        assert.deepEqual(spot.selector, { matchLabels: { spot: "true" } });
        assert.deepEqual(spot.tolerations, [tolerationOf(SPOT_TAINT)]);
        assert.ok(typeof gpu.desc === "string" && typeof spot.desc === "string");
    });

    it("a GPU pool on spot nodes: the GPU PodDefault tolerates both taints", () => {
        const [gpu] = podDefaults("team-a", { gpu: true, gpuSpot: true, spot: false });
        assert.deepEqual(rec(gpu.spec, "spec").tolerations, [tolerationOf(GPU_TAINT), tolerationOf(SPOT_TAINT)]);
    });
});

describe("planProfiles", () => {
    const kfamDeployment: KubeObject[] = [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "kubeflow" } },
        {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "profiles-config-abcde12345", namespace: "kubeflow" },
            data: { USERID_HEADER: "kubeflow-userid", USERID_PREFIX: "" },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "profiles-deployment", namespace: "kubeflow" },
            spec: { template: { spec: { containers: [{ name: "kfam", envFrom: [{ configMapRef: { name: "profiles-config-abcde12345" } }] }] } } },
        },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "x", namespace: "team-in-render" } },
    ];
    const team = (name: string): ProfileConfig => ({ name, owner: "alice@contoso.com", contributors: ["bob@contoso.com"], resourceQuota: {} });

    it("nothing for no profile, even without kfam in the render", () => {
        assert.deepEqual(planProfiles([], [], { gpu: true, spot: true }).objects, []);
    });

    it("each Profile, then its namespaced objects, each waiting on it", () => {
        const plan = planProfiles([team("team-a")], kfamDeployment, { gpu: true, spot: false });
        assert.deepEqual(plan.objects.map(objectKey), [
            "kubeflow.org/Profile:/team-a",
            "rbac.authorization.k8s.io/RoleBinding:team-a/user-bob-contoso-com-clusterrole-edit",
            "security.istio.io/AuthorizationPolicy:team-a/user-bob-contoso-com-clusterrole-edit",
            "kubeflow.org/PodDefault:team-a/gpu",
        ]);
        for (const o of plan.objects.slice(1)) {
            assert.equal(o.metadata.annotations?.[DEPENDS_ON], "kubeflow.org/Profile/team-a", objectKey(o));
        }
        // The Profile itself waits for nothing in the group; the provider awaits the profile controller's finalizer on it.
        assert.deepEqual(plan.objects[0].metadata.annotations, { "pulumi.com/waitFor": PROFILE_RECONCILED });
    });

    it("refuses, all at once, profiles on namespaces the release creates or fills", () => {
        assert.throws(
            () => planProfiles([team("kubeflow"), team("ok"), team("team-in-render")], kfamDeployment, { gpu: false, spot: false }),
            (err: Error) =>
                /2 configuration problem/.test(err.message) &&
                /profiles\[0\]\.name: "kubeflow"/.test(err.message) &&
                /profiles\[2\]\.name: "team-in-render"/.test(err.message),
        );
    });

    it("refuses a render without kfam when there are profiles", () => {
        assert.throws(() => planProfiles([team("team-a")], kfamDeployment.slice(0, 1), { gpu: false, spot: false }), /no Deployment with a kfam container/);
    });
});

describe("the six real renders", { skip: skipWithoutRenders() }, () => {
    const PRINCIPALS = ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account", "cluster.local/ns/kubeflow/sa/ml-pipeline-ui"];
    for (const id of availableRenders()) {
        it(`${id}: kfam reads kubeflow-userid with no prefix; the policy's from clause is there from v1.8 on`, () => {
            const kfam = readKfamSettings(loadRender(id));
            assert.equal(kfam.userIdHeader, "kubeflow-userid");
            assert.equal(kfam.userIdPrefix, "");
            assert.deepEqual(kfam.principals, id === "v1.7.0" ? undefined : PRINCIPALS);
        });

        it(`${id}: the example profile and its install ConfigMap are dropped; only dex's ConfigMap still names the user`, () => {
            const objects = loadRender(id);
            const before = exampleUserProblems(objects).map((p) => p.where);
            assert.ok(before.includes("kubeflow.org/Profile:/kubeflow-user-example-com"), before.join(", "));
            const after = exampleUserProblems(dropExampleProfile(objects)).map((p) => p.where);
            assert.deepEqual(after, ["/ConfigMap:auth/dex"]);
            assert.equal(objects.length - dropExampleProfile(objects).length, id === "26.03" ? 1 : 2);
            assert.ok(!JSON.stringify(dropExampleProfile(objects)).includes("kubeflow-user-example-com"));
            assert.equal(EXAMPLE_USER, "user@example.com");
        });

        it(`${id}: the registration flag is written on the dashboard and its parameters, on and off`, () => {
            const objects = loadRender(id);
            for (const enabled of [true, false]) {
                const out = setRegistrationFlow(objects, enabled);
                const deployment = out.find((o) => o.kind === "Deployment" && o.metadata.name === "centraldashboard");
                assert.ok(deployment);
                const container = rec(list(rec(rec(rec(deployment.spec, "spec").template, "template").spec, "pod").containers, "containers")[0], "container");
                const flags = list(container.env, "env")
                    .map((e) => rec(e, "env"))
                    .filter((e) => e.name === REGISTRATION_FLOW_ENV);
                assert.deepEqual(flags, [{ name: REGISTRATION_FLOW_ENV, value: String(enabled) }]);
                const params = out.find((o) => o.kind === "ConfigMap" && o.metadata.name === "centraldashboard-parameters");
                assert.equal(rec(params?.data, "data").CD_REGISTRATION_FLOW, String(enabled));
            }
            // The input is left as upstream wrote it.
            assert.match(JSON.stringify(objects), /"REGISTRATION_FLOW","value":"false"/);
        });
    }

    it("a render without the dashboard: nothing to turn off, and turning it on is refused", () => {
        const without = loadRender("26.03").filter((o) => !(o.kind === "Deployment" && o.metadata.name === "centraldashboard"));
        assert.equal(setRegistrationFlow(without, false).length, without.length);
        assert.throws(() => setRegistrationFlow(without, true), /kubeflow-azure:selfService/);
    });

    it("the dashboard reads an unset flag as on: a Deployment without it gets it written off", () => {
        const objects = loadRender("26.03");
        const d = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "centraldashboard");
        assert.ok(d);
        const c = rec(list(rec(rec(rec(d.spec, "spec").template, "template").spec, "pod").containers, "containers")[0], "container");
        c.env = list(c.env, "env").filter((e) => rec(e, "env").name !== REGISTRATION_FLOW_ENV);
        const out = setRegistrationFlow(objects, false);
        assert.match(
            JSON.stringify(out.find((o) => o.kind === "Deployment" && o.metadata.name === "centraldashboard")),
            /"name":"REGISTRATION_FLOW","value":"false"/,
        );
    });
});
