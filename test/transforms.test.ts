import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findRelease } from "../manifests/catalog";
import {
    ADMISSIONS_ENFORCER_ANNOTATION,
    Owners,
    Prepared,
    admissionsEnforcer,
    dropAggregatedRules,
    completeNamespaces,
    configMapCredentials,
    defaultCredentials,
    dropDex,
    handOver,
    mentionsDex,
    prepareRelease,
    validateRequired,
} from "../manifests/transforms";
import { LabelSelector, isWebhookConfiguration, selectorMatches, someString } from "../manifests/kube";
import { NAMESPACE_NAME_LABEL } from "../manifests/transforms/admissions-enforcer";
import { exampleUserProblems } from "../manifests/transforms/example-profile";
import { KubeObject, apiGroup, objectKey } from "../manifests/types";
import { availableRenders, loadRender, renderPath, skipWithoutRenders } from "./upstream";

// ---------------------------------------------------------------------------
// Fixture helpers (small objects written for these tests)

function obj(apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject {
    return { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace }, ...extra };
}

function crd(group: string, kind: string, plural: string, scope: "Namespaced" | "Cluster"): KubeObject {
    return obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", `${plural}.${group}`, undefined, {
        spec: { group, names: { kind, plural }, scope, versions: [{ name: "v1", served: true, storage: true }] },
    });
}

const keys = (objects: readonly KubeObject[]): string[] => objects.map(objectKey).sort();

/** Predicates a component would pass; written here independently of authservice.ts/edge.ts. */
const testOwners: Owners<"auth" | "edge"> = {
    edge: (o) =>
        (o.kind === "Gateway" &&
            apiGroup(o.apiVersion) === "networking.istio.io" &&
            o.metadata.namespace === "kubeflow" &&
            o.metadata.name === "kubeflow-gateway") ||
        (o.kind === "Service" && o.metadata.namespace === "istio-system" && o.metadata.name === "istio-ingressgateway") ||
        (o.kind === "Certificate" && apiGroup(o.apiVersion) === "cert-manager.io" && o.metadata.name === "istio-ingressgateway-certs"),
    auth: (o) =>
        (o.metadata.namespace === "oauth2-proxy" && ["ConfigMap", "Secret", "Deployment"].includes(o.kind) && o.metadata.name.startsWith("oauth2-proxy")) ||
        (o.kind === "RequestAuthentication" && o.metadata.namespace === "istio-system" && o.metadata.name === "dex-jwt") ||
        (o.metadata.namespace === "istio-system" &&
            ((o.kind === "StatefulSet" && /^(oidc-)?authservice$/.test(o.metadata.name)) ||
                (o.kind === "ConfigMap" && o.metadata.name === "oidc-authservice-parameters") ||
                (o.kind === "Secret" && o.metadata.name === "oidc-authservice-client"))),
};

// ---------------------------------------------------------------------------

describe("completeNamespaces", () => {
    const objects = [
        crd("example.com", "Widget", "widgets", "Namespaced"),
        crd("example.com", "Gadget", "gadgets", "Cluster"),
        obj("v1", "ConfigMap", "loose"),
        obj("v1", "ConfigMap", "placed", "apps"),
        obj("rbac.authorization.k8s.io/v1", "ClusterRole", "viewer", "apps"),
        obj("cert-manager.io/v1", "ClusterIssuer", "issuer", "cert-manager"),
        crd("cert-manager.io", "ClusterIssuer", "clusterissuers", "Cluster"),
        obj("example.com/v1", "Widget", "w"),
        obj("example.com/v1", "Gadget", "g", "apps"),
    ];

    it("fills the default namespace on namespaced objects and strips it from cluster-scoped ones", () => {
        const out = completeNamespaces(objects);
        const ns = Object.fromEntries(out.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.namespace]));
        assert.equal(ns["ConfigMap/loose"], "default");
        assert.equal(ns["ConfigMap/placed"], "apps");
        assert.equal(ns["Widget/w"], "default");
        assert.equal(ns["ClusterRole/viewer"], undefined);
        assert.equal(ns["ClusterIssuer/issuer"], undefined);
        assert.equal(ns["Gadget/g"], undefined);
        assert.ok(out.every((o) => o.kind !== "ClusterRole" || !("namespace" in o.metadata)));
    });

    it("does not mutate its input", () => {
        const before = JSON.stringify(objects);
        completeNamespaces(objects);
        assert.equal(JSON.stringify(objects), before);
    });

    it("reports every object of an unknown kind at once", () => {
        const bad = [obj("example.com/v1", "Widget", "a"), obj("other.io/v1", "Thing", "b", "x"), obj("v1", "ConfigMap", "ok")];
        assert.throws(
            () => completeNamespaces(bad),
            (err: Error) => {
                assert.match(err.message, /2 object\(s\) of unknown kind/);
                assert.match(err.message, /example\.com\/v1 Widget/);
                assert.match(err.message, /other\.io\/v1 Thing/);
                return true;
            },
        );
    });
});

describe("admissionsEnforcer", () => {
    it("marks every webhook configuration and nothing else, keeping existing annotations", () => {
        const input = [
            obj("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "m"),
            { ...obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "v"), metadata: { name: "v", annotations: { keep: "me" } } },
            obj("v1", "ConfigMap", "c", "x"),
        ];
        const out = admissionsEnforcer(input);
        assert.equal(out[0].metadata.annotations?.[ADMISSIONS_ENFORCER_ANNOTATION], "true");
        assert.deepEqual(out[1].metadata.annotations, { keep: "me", [ADMISSIONS_ENFORCER_ANNOTATION]: "true" });
        assert.equal(out[2].metadata.annotations, undefined);
        assert.equal(input[0].metadata.annotations, undefined, "input untouched");
    });

    it(
        "on every real render: no webhook admits a kube-system object any more, and every namespace it admitted before stays admitted",
        { skip: skipWithoutRenders() },
        () => {
            const kubeSystem = { [NAMESPACE_NAME_LABEL]: "kube-system", "kubernetes.azure.com/managedby": "aks", "control-plane": "true" };
            for (const id of availableRenders()) {
                const render = loadRender(id);
                // The namespaces a Kubeflow webhook is meant for, with their labels as the render writes them.
                const namespaces = render
                    .filter((o) => o.kind === "Namespace")
                    .map((n) => ({ [NAMESPACE_NAME_LABEL]: n.metadata.name, ...(n.metadata.labels ?? {}) }));
                const profileNamespace = { [NAMESPACE_NAME_LABEL]: "team-a", "app.kubernetes.io/part-of": "kubeflow-profile", "istio-injection": "enabled" };
                const before = render.filter(isWebhookConfiguration);
                const after = admissionsEnforcer(before);
                let admittedKubeSystem = 0;
                for (const [i, config] of before.entries()) {
                    const hooksBefore = config.webhooks as Array<{ name: string; namespaceSelector?: LabelSelector }>;
                    const hooksAfter = after[i].webhooks as Array<{ name: string; namespaceSelector?: LabelSelector }>;
                    for (const [j, hook] of hooksBefore.entries()) {
                        const where = `${id} ${config.metadata.name} ${hook.name}`;
                        admittedKubeSystem += selectorMatches(hook.namespaceSelector ?? undefined, kubeSystem) ? 1 : 0;
                        assert.equal(selectorMatches(hooksAfter[j].namespaceSelector, kubeSystem), false, `${where} still admits kube-system`);
                        for (const labels of [...namespaces, profileNamespace]) {
                            assert.equal(
                                selectorMatches(hooksAfter[j].namespaceSelector, labels),
                                selectorMatches(hook.namespaceSelector ?? undefined, labels),
                                `${where} in ${labels[NAMESPACE_NAME_LABEL]}`,
                            );
                        }
                    }
                    assert.equal(after[i].metadata.annotations?.[ADMISSIONS_ENFORCER_ANNOTATION], "true");
                }
                // The check can fail: the releases' own selectors admitted kube-system in many webhooks.
                assert.ok(admittedKubeSystem > 10, `${id}: ${admittedKubeSystem} webhooks admitted kube-system before`);
                assert.deepEqual(admissionsEnforcer(after), after, "idempotent");
            }
        },
    );
});

describe("handOver", () => {
    const objects = [obj("v1", "Service", "a", "x"), obj("v1", "Secret", "b", "x"), obj("v1", "ConfigMap", "c", "x")];

    it("partitions objects between owners and the platform", () => {
        const { objects: kept, handedOver } = handOver(objects, { svc: (o) => o.kind === "Service", none: () => false });
        assert.deepEqual(keys(kept), ["/ConfigMap:x/c", "/Secret:x/b"]);
        assert.deepEqual(keys(handedOver.svc), ["/Service:x/a"]);
        assert.deepEqual(handedOver.none, []);
    });

    it("refuses an object claimed by two owners, naming both", () => {
        assert.throws(
            () => handOver(objects, { one: (o) => o.kind === "Secret", two: (o) => o.metadata.name === "b" }),
            /\/Secret:x\/b: one, two: an object may have only one owner/,
        );
    });
});

describe("dropDex", () => {
    const vsMixed = obj("networking.istio.io/v1alpha3", "VirtualService", "mixed", "kubeflow", {
        spec: {
            hosts: ["*"],
            http: [
                { match: [{ uri: { prefix: "/dex/" } }], route: [{ destination: { host: "dex.auth.svc.cluster.local", port: { number: 5556 } } }] },
                { match: [{ uri: { prefix: "/app/" } }], route: [{ destination: { host: "app.kubeflow.svc.cluster.local" } }] },
            ],
        },
    });
    const vsDexOnly = obj("networking.istio.io/v1alpha3", "VirtualService", "only", "kubeflow", {
        spec: { http: [{ route: [{ destination: { host: "dex.auth.svc.cluster.local" } }] }] },
    });
    const apExempt = obj("security.istio.io/v1", "AuthorizationPolicy", "require-jwt", "istio-system", {
        spec: {
            action: "DENY",
            rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }], to: [{ operation: { notPaths: ["/dex/*", "/dex/**", "/oauth2/*"] } }] }],
        },
    });
    const apAllowDex = obj("security.istio.io/v1", "AuthorizationPolicy", "allow", "istio-system", {
        spec: {
            action: "ALLOW",
            rules: [{ to: [{ operation: { paths: ["/dex/*"] } }] }, { from: [{ source: { principals: ["cluster.local/ns/kubeflow/sa/app"] } }] }],
        },
    });
    const objects = [
        obj("v1", "Namespace", "auth"),
        obj("apps/v1", "Deployment", "dex", "auth"),
        obj("v1", "ConfigMap", "dex", "auth", { data: { "config.yaml": "issuer: http://dex.auth.svc.cluster.local:5556/dex" } }),
        crd("dex.coreos.com", "AuthCode", "authcodes", "Namespaced"),
        obj("rbac.authorization.k8s.io/v1", "ClusterRole", "dex"),
        obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "dex", undefined, { subjects: [{ kind: "ServiceAccount", name: "dex", namespace: "auth" }] }),
        obj("rbac.authorization.k8s.io/v1", "RoleBinding", "shared", "kubeflow", {
            subjects: [
                { kind: "ServiceAccount", name: "dex", namespace: "auth" },
                { kind: "ServiceAccount", name: "app", namespace: "kubeflow" },
            ],
        }),
        vsMixed,
        vsDexOnly,
        apExempt,
        apAllowDex,
        obj("v1", "ConfigMap", "unrelated", "kubeflow", { data: { index: "x" } }),
    ];

    it("drops dex's namespace, everything in it, its CRDs and its cluster RBAC", () => {
        const out = dropDex(objects);
        for (const gone of [
            "/Namespace:/auth",
            "apps/Deployment:auth/dex",
            "/ConfigMap:auth/dex",
            "rbac.authorization.k8s.io/ClusterRole:/dex",
            "rbac.authorization.k8s.io/ClusterRoleBinding:/dex",
        ]) {
            assert.ok(!keys(out).includes(gone), gone);
        }
        assert.ok(!out.some((o) => o.kind === "CustomResourceDefinition"));
        assert.ok(keys(out).includes("/ConfigMap:kubeflow/unrelated"), "words merely containing 'dex' are not dex");
    });

    it("removes routes to dex, and a VirtualService left with no route", () => {
        const out = dropDex(objects);
        const mixed = out.find((o) => o.metadata.name === "mixed");
        assert.ok(mixed);
        assert.equal(JSON.stringify(mixed).includes("dex"), false);
        assert.match(JSON.stringify(mixed), /app\.kubeflow\.svc/);
        assert.equal(
            out.find((o) => o.metadata.name === "only"),
            undefined,
        );
    });

    it("narrows auth policies: dex exemptions removed, dex-only rules removed, nothing widened", () => {
        const out = dropDex(objects);
        const exempt = out.find((o) => o.metadata.name === "require-jwt");
        assert.deepEqual((exempt?.spec as { rules: unknown[] }).rules, [
            { from: [{ source: { notRequestPrincipals: ["*"] } }], to: [{ operation: { notPaths: ["/oauth2/*"] } }] },
        ]);
        const allow = out.find((o) => o.metadata.name === "allow");
        assert.deepEqual((allow?.spec as { rules: unknown[] }).rules, [{ from: [{ source: { principals: ["cluster.local/ns/kubeflow/sa/app"] } }] }]);
    });

    it("removes dex's service account from bindings that also bind others", () => {
        const rb = dropDex(objects).find((o) => o.metadata.name === "shared");
        assert.deepEqual(rb?.subjects, [{ kind: "ServiceAccount", name: "app", namespace: "kubeflow" }]);
    });

    it("leaves nothing that mentions dex, and does not mutate its input", () => {
        const before = JSON.stringify(objects);
        const out = dropDex(objects);
        assert.deepEqual(out.filter(mentionsDex).map(objectKey), []);
        assert.equal(JSON.stringify(objects), before);
    });
});

describe("the text checks (mentionsDex, exampleUserProblems)", () => {
    it("see every key and every string, nested in maps and lists, and nothing else", () => {
        const seen: string[] = [];
        someString({ a: ["x", { b: "y" }], n: 1, t: true, z: null }, (s) => {
            seen.push(s);
            return false;
        });
        assert.deepEqual(seen, ["a", "x", "b", "y", "n", "t", "z"]);
        assert.equal(
            someString({ a: 1 }, (s) => s === "1"),
            false,
            "numbers are not strings",
        );
    });

    it("find dex as a word anywhere, and only as a word, as in the object's JSON text", () => {
        const cm = (data: Record<string, string>): KubeObject => obj("v1", "ConfigMap", "c", "n", { data });
        assert.equal(mentionsDex(cm({ issuer: "http://dex.auth.svc.cluster.local:5556/dex" })), true);
        assert.equal(mentionsDex(cm({ dex: "key only" })), true);
        assert.equal(mentionsDex(cm({ url: "https://index.docker.io/", name: "Dexter", path: "/dexter" })), false);
        for (const o of [cm({ issuer: "http://dex.auth.svc.cluster.local:5556/dex" }), cm({ url: "https://index.docker.io/" })]) {
            assert.equal(mentionsDex(o), /(?<![A-Za-z])dex(?![A-Za-z])/.test(JSON.stringify(o)), objectKey(o));
        }
    });

    it("name each deployed object that still names the example user", () => {
        const objects = [
            obj("v1", "ConfigMap", "a", "n", { data: { owner: "user@example.com" } }),
            obj("v1", "ConfigMap", "b", "n", { data: { owner: "alice@contoso.com" } }),
        ];
        assert.deepEqual(
            exampleUserProblems(objects).map((p) => p.where),
            ["/ConfigMap:n/a"],
        );
    });
});

describe("default credentials", () => {
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    const objects = [
        obj("v1", "Secret", "store", "kubeflow", { stringData: { accesskey: "minio", secretkey: "minio123" } }),
        obj("v1", "Secret", "db", "kubeflow", { data: { MYSQL_ROOT_PASSWORD: b64("test") } }),
        obj("v1", "Secret", "login", "kubeflow", { stringData: { username: "root", password: "" } }),
        obj("v1", "Secret", "certs", "kubeflow"),
        obj("v1", "ConfigMap", "leaky", "kubeflow", { data: { "config.ini": "secret_key = minio123" } }),
        obj("v1", "ConfigMap", "hash", "kubeflow", { data: { users: "hash: $2y$12$4K/VkmDd1q1Orb3xAt82zu8gk7Ad6ReFR4LCP9UeYE90NLiN9Df72" } }),
        obj("v1", "ConfigMap", "clean", "kubeflow", { data: { mode: "on" } }),
    ];

    it("lists the Secrets with published default values and which keys to generate", () => {
        assert.deepEqual(defaultCredentials(objects), [
            { key: "/Secret:kubeflow/store", namespace: "kubeflow", name: "store", generate: ["accesskey", "secretkey"], keep: [] },
            { key: "/Secret:kubeflow/db", namespace: "kubeflow", name: "db", generate: ["MYSQL_ROOT_PASSWORD"], keep: [] },
        ]);
    });

    it("finds credentials in ConfigMaps", () => {
        assert.deepEqual(
            configMapCredentials(objects).map((p) => `${p.where} ${p.value}`),
            ["/ConfigMap:kubeflow/leaky minio123", "/ConfigMap:kubeflow/hash password hash"],
        );
    });
});

describe("validateRequired", () => {
    const complete = [
        obj("v1", "Service", "istio-ingressgateway", "istio-system"),
        obj("networking.istio.io/v1beta1", "Gateway", "kubeflow-gateway", "kubeflow"),
        obj("apps/v1", "Deployment", "istiod", "istio-system"),
        obj("apps/v1", "Deployment", "cert-manager-webhook", "cert-manager"),
        obj("cert-manager.io/v1", "ClusterIssuer", "kubeflow-self-signing-issuer"),
        obj("apps/v1", "Deployment", "oauth2-proxy", "oauth2-proxy"),
        obj("v1", "ConfigMap", "oauth2-proxy-hk55gm96k4", "oauth2-proxy"),
    ];

    it("accepts a render with every needed object", () => {
        assert.doesNotThrow(() => validateRequired(complete, { id: "26.03", authservice: "oauth2-proxy" }));
    });

    it("reports every missing object at once, naming the source", () => {
        const partial = complete.filter((o) => o.kind !== "Deployment");
        assert.throws(
            () => validateRequired(partial, { id: "26.03", authservice: "oauth2-proxy" }, "manifests: ./render.yaml"),
            (err: Error) => {
                assert.match(err.message, /^manifests: \.\/render\.yaml: the render lacks 3 object/);
                assert.match(err.message, /Deployment istio-system\/istiod is missing/);
                assert.match(err.message, /Deployment cert-manager\/cert-manager-webhook is missing/);
                assert.match(err.message, /Deployment oauth2-proxy\/oauth2-proxy is missing/);
                return true;
            },
        );
    });

    it("asks for the authservice of the release's flavour", () => {
        assert.throws(
            () => validateRequired(complete, { id: "v1.7.0", authservice: "oidc-authservice" }),
            /StatefulSet istio-system\/authservice.*\n.*oidc-authservice-parameters is missing/,
        );
    });
});

describe("prepareRelease on a fixture", () => {
    it("refuses to deploy an unowned object that still points at dex", () => {
        const objects = [
            obj("v1", "ConfigMap", "oauth2-proxy", "oauth2-proxy", { data: { cfg: "oidc_issuer_url = http://dex.auth.svc.cluster.local:5556/dex" } }),
        ];
        assert.throws(() => prepareRelease(objects, { owners: {} }), /\/ConfigMap:oauth2-proxy\/oauth2-proxy.*must not refer to dex/);
        const owned = prepareRelease(objects, { owners: { auth: (o) => o.metadata.namespace === "oauth2-proxy" } });
        assert.deepEqual(owned.objects, []);
        assert.equal(owned.handedOver.auth.length, 1);
    });

    it("hands the Secrets with default credentials over apart from the owners' objects", () => {
        const secret = obj("v1", "Secret", "mlpipeline-minio-artifact", "kubeflow", { stringData: { accesskey: "minio", secretkey: "minio123" } });
        const prepared = prepareRelease([secret], { owners: { credentials: () => false } });
        assert.deepEqual(prepared.objects, []);
        assert.deepEqual(prepared.handedOver.credentials, []);
        assert.deepEqual(keys(prepared.credentials), ["/Secret:kubeflow/mlpipeline-minio-artifact"]);
    });
});

// ---------------------------------------------------------------------------
// Real renders

/** Cluster-scoped built-in kinds seen in the renders; written here independently of manifests/transforms/namespaces.ts. */
const CLUSTER_SCOPED_BUILTINS = new Set([
    "/Namespace",
    "rbac.authorization.k8s.io/ClusterRole",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
    "apiextensions.k8s.io/CustomResourceDefinition",
    "admissionregistration.k8s.io/MutatingWebhookConfiguration",
    "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
    "scheduling.k8s.io/PriorityClass",
]);

function clusterScoped(render: readonly KubeObject[]): (o: KubeObject) => boolean {
    const crdScope = new Map<string, boolean>();
    for (const o of render) {
        if (o.kind === "CustomResourceDefinition") {
            const spec = o.spec as { group: string; names: { kind: string }; scope: string };
            crdScope.set(`${spec.group}/${spec.names.kind}`, spec.scope === "Cluster");
        }
    }
    return (o) => {
        const k = `${apiGroup(o.apiVersion)}/${o.kind}`;
        return CLUSTER_SCOPED_BUILTINS.has(k) || crdScope.get(k) === true;
    };
}

const preparedCache = new Map<string, Prepared<"auth" | "edge">>();

/** One pipeline run per render, shared by the read-only assertions below (a render is 12 MB). */
function prepared(id: string): Prepared<"auth" | "edge"> {
    let p = preparedCache.get(id);
    if (!p) {
        p = prepareRelease(loadRender(id), { owners: testOwners });
        preparedCache.set(id, p);
    }
    return p;
}

describe("prepareRelease on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const id of availableRenders()) {
        const release = findRelease(id);

        it(`${id}: deploys nothing of dex, no default credential, and keeps every other object`, () => {
            assert.ok(release, `${id} is in the catalog`);
            const render = loadRender(id);
            const pristine = JSON.stringify(render);
            const { objects, handedOver, credentials } = prepareRelease(render, { owners: testOwners });
            assert.equal(JSON.stringify(render), pristine, "the render is not mutated");

            for (const o of objects) {
                const text = JSON.stringify(o);
                assert.ok(!text.includes("dex.auth.svc"), `${objectKey(o)} points at dex`);
                assert.ok(!/(?<![A-Za-z])dex(?![A-Za-z])/.test(text), `${objectKey(o)} mentions dex`);
                assert.notEqual(o.metadata.namespace, "auth", objectKey(o));
                assert.ok(!text.includes("minio123"), `${objectKey(o)} carries the default minio secret`);
            }
            const handed = [...handedOver.auth, ...handedOver.edge, ...credentials];
            const dropped = render.length - objects.length - handed.length;
            const dexObjects = render.filter((o) => o.metadata.namespace === "auth" || o.metadata.name === "auth" || /dex/.test(o.metadata.name)).length;
            // The dex-jwt RequestAuthentication is handed over, not dropped; the dex-only VirtualService lives in auth.
            const dexHanded = handed.filter((o) => /dex/.test(o.metadata.name)).length;
            assert.equal(dropped, dexObjects - dexHanded, "only dex objects are dropped");
        });

        it(`${id}: every webhook configuration disables the AKS admissions enforcer`, () => {
            const { objects } = prepared(id);
            const hooks = objects.filter((o) => o.kind.endsWith("WebhookConfiguration"));
            assert.ok(hooks.length >= 20, `${hooks.length} webhook configurations`);
            for (const h of hooks) {
                assert.equal(h.metadata.annotations?.["admissions.enforcer/disabled"], "true", objectKey(h));
            }
        });

        it(`${id}: namespaced objects have a namespace, cluster-scoped ones none`, () => {
            const render = loadRender(id);
            const isCluster = clusterScoped(render);
            const { objects, handedOver, credentials } = prepared(id);
            for (const o of [...objects, ...handedOver.auth, ...handedOver.edge, ...credentials]) {
                if (isCluster(o)) {
                    assert.equal(o.metadata.namespace, undefined, objectKey(o));
                } else {
                    assert.ok(o.metadata.namespace, objectKey(o));
                }
            }
        });

        it(`${id}: each owner gets exactly its objects`, () => {
            assert.ok(release);
            const { objects, handedOver, credentials } = prepared(id);
            assert.deepEqual(Object.keys(handedOver).sort(), ["auth", "edge"]);
            assert.deepEqual(keys(handedOver.edge), ["/Service:istio-system/istio-ingressgateway", "networking.istio.io/Gateway:kubeflow/kubeflow-gateway"]);
            assert.deepEqual(keys(credentials), ["/Secret:kubeflow/katib-mysql-secrets", "/Secret:kubeflow/mlpipeline-minio-artifact"]);
            const auth = handedOver.auth;
            const authText = JSON.stringify(auth);
            assert.ok(authText.includes("dex.auth.svc"), "the auth component receives the upstream issuer to rewrite");
            if (release.authservice === "oauth2-proxy") {
                assert.ok(auth.some((o) => o.kind === "Deployment" && o.metadata.name === "oauth2-proxy"));
                assert.equal(auth.filter((o) => o.kind === "Secret").length, 1);
                assert.ok(auth.some((o) => o.kind === "RequestAuthentication" && o.metadata.name === "dex-jwt"));
                assert.ok(auth.every((o) => o.metadata.namespace === "oauth2-proxy" || o.metadata.name === "dex-jwt"));
            } else {
                assert.deepEqual(auth.map((o) => o.kind).sort(), id === "v1.7.0" || id === "v1.8.1" ? ["ConfigMap", "Secret", "StatefulSet"] : []);
            }
            for (const o of objects) {
                assert.ok(!testOwners.edge(o) && !testOwners.auth(o), `${objectKey(o)} deployed and handed over`);
            }
        });

        it(`${id}: lists the default credentials to generate`, () => {
            const creds = defaultCredentials(prepared(id).credentials);
            assert.deepEqual(
                creds.map((c) => `${c.name}: ${c.generate.join(",")}`),
                ["katib-mysql-secrets: MYSQL_ROOT_PASSWORD", "mlpipeline-minio-artifact: accesskey,secretkey"],
            );
        });

        it(`${id}: has every object the program needs, and names the source when one is missing`, () => {
            assert.ok(release);
            const render = loadRender(id);
            assert.doesNotThrow(() => validateRequired(render, release));
            const without = render.filter((o) => !(o.kind === "Service" && o.metadata.name === "istio-ingressgateway"));
            const source = `manifests: ${renderPath(id)}`;
            assert.throws(
                () => validateRequired(without, release, source),
                (err: Error) => {
                    assert.ok(err.message.startsWith(source));
                    assert.match(err.message, /Service istio-system\/istio-ingressgateway is missing/);
                    return true;
                },
            );
        });
    }
});

describe("aggregated ClusterRoles leave their rules to the aggregation controller", () => {
    const aggregated: KubeObject = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "kubeflow-edit" },
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "rbac.authorization.kubeflow.org/aggregate-to-kubeflow-edit": "true" } }] },
        rules: [],
    };
    it("drops `rules` from a ClusterRole with an aggregationRule, the input untouched", () => {
        const [out] = dropAggregatedRules([aggregated]);
        assert.equal("rules" in out, false);
        assert.deepEqual(out.aggregationRule, aggregated.aggregationRule);
        assert.deepEqual(aggregated.rules, []);
    });
    it("keeps the rules of a plain ClusterRole and of a Role", () => {
        const plain: KubeObject = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "p" }, rules: [{ verbs: ["get"] }] };
        const role: KubeObject = { ...aggregated, kind: "Role", metadata: { name: "r", namespace: "kubeflow" } };
        assert.deepEqual(dropAggregatedRules([plain, role]), [plain, role]);
    });
});
