/**
 * The pieces of the real-API-server harness that decide something without a server: the
 * order read from the registrations, the provider's awaits, the controllers' objects,
 * where the binaries come from. The suites on the server are kube-install-*.test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import type * as k8s from "@kubernetes/client-node";
import { PROFILE_RECONCILED } from "../manifests/profiles";
import { waitForEstablished } from "../manifests/ordering";
import { KubeObject } from "../manifests/types";
import { selectPath, waitForHolds } from "../tools/kube-await";
import { ApplyUnit, CONFIG_GROUP, groupEdges, programUnits } from "../tools/kube-units";
import { OWNER_BINDING, aggregatedRules, profileControllerObjects } from "../tools/kube-controllers";
import { findKubeBinaries } from "../tools/kube-server";
import { kubeBinariesOrSkip } from "./support/kube";
import { recordedResource } from "./support/recorded";
import { orderProblems } from "./support/kube-order";
import { takeovers } from "./support/kube-upgrade";

const recorded = recordedResource;

const crd = (group: string, kind: string, waitFor?: string): KubeObject => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.toLowerCase()}s.${group}`, ...(waitFor ? { annotations: { "pulumi.com/waitFor": waitFor } } : {}) },
    spec: { group, names: { kind }, scope: "Namespaced" },
});
const ns = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const cm = (name: string, namespace: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace } });
const gw = (namespace: string): KubeObject => ({ apiVersion: "networking.istio.io/v1", kind: "Gateway", metadata: { name: "g", namespace } });

describe("the order read from what the program registered", () => {
    it("a unit per yaml/v2 group and per typed object; a dependency on a component stands for the Kubernetes resources under it, others count as done", () => {
        const text = JSON.stringify(ns("kubeflow")) + "\n---\n" + JSON.stringify(cm("a", "kubeflow"));
        const resources = [
            recorded({ urn: "u::platform", type: "kubeflow-azure:kubeflow:KubeflowPlatform", custom: false }),
            recorded({ urn: "u::phase-0", type: CONFIG_GROUP, custom: false, parent: "u::platform", inputs: { yaml: text } }),
            recorded({ urn: "u::ip", type: "azure-native:network:PublicIPAddress" }),
            recorded({
                urn: "u::secret",
                type: "kubernetes:core/v1:Secret",
                dependencies: ["u::platform", "u::ip"],
                // The SDK's wire form of a secret input.
                inputs: {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "s", namespace: "kubeflow" },
                    stringData: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: { k: "v" } },
                },
            }),
        ];
        const units = programUnits(resources);
        assert.deepEqual(
            units.map((u) => [u.name, u.objects.length, u.after]),
            [
                ["phase-0", 2, []],
                ["secret", 1, ["u::phase-0"]],
            ],
        );
        assert.deepEqual(units[1].objects[0].stringData, { k: "v" });
    });

    it("inside a group, yaml/v2's edges: depends-on, the Namespace, the CRD of a custom resource", () => {
        const objects = [
            crd("networking.istio.io", "Gateway"),
            ns("team"),
            gw("team"),
            {
                ...cm("after-gw", "other"),
                metadata: {
                    name: "after-gw",
                    namespace: "other",
                    annotations: { "config.kubernetes.io/depends-on": "networking.istio.io/namespaces/team/Gateway/g" },
                },
            },
        ];
        const edges = groupEdges(objects);
        assert.deepEqual(edges.get("networking.istio.io/Gateway:team/g")?.sort(), [
            "/Namespace:/team",
            "apiextensions.k8s.io/CustomResourceDefinition:/gateways.networking.istio.io",
        ]);
        assert.deepEqual(edges.get("/ConfigMap:other/after-gw"), ["networking.istio.io/Gateway:team/g"]);
        assert.deepEqual(edges.get("/Namespace:/team"), []);
    });

    it("orderProblems finds a custom resource or namespaced object the graph does not make wait, and a CRD not awaited Established", () => {
        const unit = (urn: string, objects: KubeObject[], after: string[] = []): ApplyUnit => ({ urn, name: urn, objects, after });
        const sound = [unit("crds", [crd("networking.istio.io", "Gateway", "condition=Established"), ns("team")]), unit("apps", [gw("team")], ["crds"])];
        assert.deepEqual(orderProblems(sound), []);
        assert.deepEqual(orderProblems([sound[0], unit("apps", [gw("team")])]), [
            "Gateway g (apps): does not wait for CRD gateways.networking.istio.io",
            "Gateway team/g (apps): does not wait for namespace team",
        ]);
        assert.deepEqual(orderProblems([unit("crds", [crd("networking.istio.io", "Gateway"), ns("team")]), sound[1]]), [
            "Gateway g (apps): CRD gateways.networking.istio.io is not awaited Established",
        ]);
        // A profile namespace: made by the controller, ordered only by the Profile's await.
        const profile = (annotations?: Record<string, string>): KubeObject => ({
            apiVersion: "kubeflow.org/v1",
            kind: "Profile",
            metadata: { name: "team-a", annotations },
            spec: {},
        });
        const inProfile: KubeObject = {
            ...cm("x", "team-a"),
            metadata: { name: "x", namespace: "team-a", annotations: { "config.kubernetes.io/depends-on": "kubeflow.org/Profile/team-a" } },
        };
        assert.deepEqual(orderProblems([unit("profiles", [profile({ "pulumi.com/waitFor": PROFILE_RECONCILED }), inProfile])]), []);
        assert.deepEqual(orderProblems([unit("profiles", [profile(), inProfile])]), ["ConfigMap team-a/x (profiles): does not wait for namespace team-a"]);
    });
});

describe("the provider's awaits (pulumi.com/waitFor) as the harness evaluates them", () => {
    it("reads the JSONPath forms the program writes, with and without a filter", () => {
        const profile = { metadata: { finalizers: ["other", "profile-finalizer"] } };
        assert.deepEqual(selectPath(profile, '.metadata.finalizers[?@=="profile-finalizer"]'), ["profile-finalizer"]);
        assert.deepEqual(selectPath({ metadata: { finalizers: ["other"] } }, '.metadata.finalizers[?@=="profile-finalizer"]'), []);
        assert.deepEqual(selectPath({ webhooks: [{ clientConfig: { caBundle: "Q0E=" } }, { clientConfig: {} }] }, ".webhooks[*].clientConfig.caBundle"), [
            "Q0E=",
        ]);
        assert.deepEqual(
            selectPath(
                {
                    items: [
                        { type: "A", s: 1 },
                        { type: "B", s: 2 },
                    ],
                },
                '.items[?@.type=="B"].s',
            ),
            [2],
        );
        assert.throws(() => selectPath({}, ".a..b"), /cannot read/);
    });

    it("holds as the provider's ReadyCondition would: a path that selects something, a value, a condition with True by default", () => {
        assert.equal(waitForHolds(PROFILE_RECONCILED, { metadata: { finalizers: ["profile-finalizer"] } }), true);
        assert.equal(waitForHolds(PROFILE_RECONCILED, { metadata: {} }), false);
        assert.equal(waitForHolds("jsonpath={.status.phase}=Active", { status: { phase: "Active" } }), true);
        assert.equal(waitForHolds("jsonpath={.status.phase}=Active", { status: { phase: "Terminating" } }), false);
        const established = {
            status: {
                conditions: [
                    { type: "NamesAccepted", status: "True" },
                    { type: "Established", status: "False" },
                ],
            },
        };
        assert.equal(waitForHolds("condition=Established", established), false);
        assert.equal(waitForHolds("condition=Established=False", established), true);
        assert.throws(() => waitForHolds("Established", established), /neither condition= nor jsonpath=/);
    });

    it("every CRD is awaited Established but one whose conversion webhook's CA cert-manager injects", () => {
        assert.equal(waitForEstablished(crd("kubeflow.org", "Notebook")), "condition=Established");
        const injected = {
            ...crd("serving.kserve.io", "InferenceService"),
            metadata: { name: "inferenceservices.serving.kserve.io", annotations: { "cert-manager.io/inject-ca-from": "kubeflow/serving-cert" } },
        };
        assert.equal(waitForEstablished(injected), undefined);
        assert.equal(waitForEstablished(ns("kubeflow")), undefined);
    });
});

describe("the controllers the harness stands in for", () => {
    it("the profile controller's objects: namespace, default-editor/viewer and their bindings, the owner's namespaceAdmin, the quota when set", () => {
        const profile: KubeObject = {
            apiVersion: "kubeflow.org/v1",
            kind: "Profile",
            metadata: { name: "team-a" },
            spec: { owner: { kind: "User", name: "alice@contoso.com" }, resourceQuotaSpec: { hard: { "requests.cpu": "8" } } },
        };
        const objects = profileControllerObjects(profile);
        assert.deepEqual(
            objects.map((o) => `${o.kind} ${o.metadata.name}`),
            [
                "Namespace team-a",
                "ServiceAccount default-editor",
                "RoleBinding default-editor",
                "ServiceAccount default-viewer",
                "RoleBinding default-viewer",
                `RoleBinding ${OWNER_BINDING}`,
                "ResourceQuota kf-resource-quota",
            ],
        );
        const owner = objects.find((o) => o.metadata.name === OWNER_BINDING);
        assert.deepEqual(
            [owner?.roleRef, owner?.subjects],
            [{ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kubeflow-admin" }, [{ kind: "User", name: "alice@contoso.com" }]],
        );
        assert.equal(profileControllerObjects({ ...profile, spec: { owner: { kind: "User", name: "a" } } }).length, 6);
    });

    it("aggregation: the rules of the roles each selector matches, in selector order and by name, itself excluded, duplicates once", () => {
        const role = (name: string, labels: Record<string, string>, rules: k8s.V1PolicyRule[], selectors?: Record<string, string>[]): k8s.V1ClusterRole => ({
            metadata: { name, labels },
            rules,
            ...(selectors ? { aggregationRule: { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) } } : {}),
        });
        const r1 = { verbs: ["get"], apiGroups: [""], resources: ["pods"] };
        const r2 = { verbs: ["create"], apiGroups: ["kubeflow.org"], resources: ["notebooks"] };
        const edit = role("kubeflow-edit", { "to-admin": "true" }, [], [{ "to-edit": "true" }]);
        const all = [
            edit,
            role("z-notebooks", { "to-edit": "true" }, [r2, r1]),
            role("a-pods", { "to-edit": "true" }, [r1]),
            role("unrelated", {}, [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]),
        ];
        assert.deepEqual(aggregatedRules(edit, all), [r1, r2]);
    });
});

describe("the upgrade check's takeovers, read from the plans", () => {
    const sts = (name: string, claim: string): KubeObject => ({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name, namespace: "istio-system" },
        spec: { template: { spec: { volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }] } } },
    });
    const units = (...objects: KubeObject[]): ApplyUnit[] => [{ urn: "u", name: "u", objects, after: [] }];

    it("a new workload on the claim of a dropped one is a takeover; the same workload, or another claim, is not", () => {
        assert.deepEqual(takeovers(units(sts("authservice", "authservice-pvc")), units(sts("oidc-authservice", "authservice-pvc"))), [
            { workload: "StatefulSet istio-system/oidc-authservice", claim: "istio-system/authservice-pvc" },
        ]);
        assert.deepEqual(takeovers(units(sts("authservice", "authservice-pvc")), units(sts("authservice", "authservice-pvc"))), []);
        assert.deepEqual(takeovers(units(sts("authservice", "a")), units(sts("oidc-authservice", "b"))), []);
        // The old one still there: both run, no takeover of a dropped workload.
        assert.deepEqual(takeovers(units(sts("authservice", "a")), units(sts("authservice", "a"), sts("oidc-authservice", "a"))), []);
    });
});

describe("where the API server's binaries come from", () => {
    const dirWith = (...files: string[]): string => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kf-bin-"));
        for (const f of files) {
            fs.writeFileSync(path.join(dir, f), "");
        }
        return dir;
    };

    it("KUBEBUILDER_ASSETS first, then ../shared/kube/bin; a KUBEBUILDER_ASSETS without both binaries is an error, not a fallback", () => {
        const assets = dirWith("kube-apiserver", "etcd");
        const shared = dirWith("kube-apiserver", "etcd");
        assert.deepEqual(findKubeBinaries({ KUBEBUILDER_ASSETS: assets }, shared), { dir: assets, from: "KUBEBUILDER_ASSETS" });
        assert.deepEqual(findKubeBinaries({}, shared), { dir: shared, from: "../shared/kube/bin" });
        assert.throws(() => findKubeBinaries({ KUBEBUILDER_ASSETS: dirWith("etcd") }, shared), /does not hold both kube-apiserver and etcd/);
        assert.equal(findKubeBinaries({}, dirWith("etcd")), undefined);
    });

    it("without them the suites skip with the line that says how to get them, and fail in CI", () => {
        const none = dirWith();
        const skip = kubeBinariesOrSkip({}, none);
        assert.equal(typeof skip, "string");
        assert.match(skip as string, /KUBEBUILDER_ASSETS.*setup-envtest.*use 1\.32/);
        assert.throws(() => kubeBinariesOrSkip({ CI: "true" }, none), /CI is set and the real API server's suites cannot run/);
    });
});
