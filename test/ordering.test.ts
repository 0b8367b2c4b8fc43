import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dependencyEdges, findCycle, levels, planPhases, selectorMatches, waitForCaBundle, Phase } from "../manifests/ordering";
import { completeNamespaces, prepareRelease } from "../manifests/transforms";
import { KubeObject, apiGroup, objectKey } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

/** One line per phase: index, name, object count and the kinds it holds. */
function describePhases(phases: readonly Phase[]): string {
    return phases
        .map((p) => {
            const kinds = new Map<string, number>();
            for (const o of p.objects) {
                kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
            }
            const summary = [...kinds]
                .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
                .map(([k, n]) => `${n} ${k}`)
                .join(", ");
            return `phase ${p.index} (${p.name}): ${p.objects.length} objects: ${summary}`;
        })
        .join("\n");
}

// ---------------------------------------------------------------------------
// Fixtures

function obj(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
    extra: Record<string, unknown> = {},
    labels?: Record<string, string>,
): KubeObject {
    const metadata: KubeObject["metadata"] = { name };
    if (namespace !== undefined) {
        metadata.namespace = namespace;
    }
    if (labels) {
        metadata.labels = labels;
    }
    return { apiVersion, kind, metadata, ...extra };
}

function deployment(name: string, namespace: string, podLabels: Record<string, string>, podSpec: Record<string, unknown> = {}): KubeObject {
    return obj("apps/v1", "Deployment", name, namespace, {
        spec: {
            selector: { matchLabels: podLabels },
            template: { metadata: { labels: podLabels }, spec: { containers: [{ name: "c", image: "i" }], ...podSpec } },
        },
    });
}

function service(name: string, namespace: string, selector: Record<string, string>): KubeObject {
    return obj("v1", "Service", name, namespace, { spec: { selector, ports: [{ port: 443 }] } });
}

function phaseOf(phases: readonly Phase[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const p of phases) {
        for (const o of p.objects) {
            m.set(objectKey(o), p.index);
        }
    }
    return m;
}

const injector = obj("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "istio-sidecar-injector", undefined, {
    webhooks: [
        {
            name: "namespace.sidecar-injector.istio.io",
            clientConfig: { service: { name: "istiod", namespace: "istio-system", path: "/inject" } },
            rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }],
            namespaceSelector: { matchExpressions: [{ key: "istio-injection", operator: "In", values: ["enabled"] }] },
            objectSelector: { matchExpressions: [{ key: "sidecar.istio.io/inject", operator: "NotIn", values: ["false"] }] },
        },
    ],
});

const meshFixture: KubeObject[] = [
    obj("v1", "Namespace", "istio-system", undefined, {}, { "istio-injection": "disabled" }),
    obj("v1", "Namespace", "apps", undefined, {}, { "istio-injection": "enabled" }),
    obj("v1", "Namespace", "plain"),
    obj("v1", "ConfigMap", "istio-sidecar-injector", "istio-system"),
    deployment("istiod", "istio-system", { app: "istiod" }, { volumes: [{ name: "inj", configMap: { name: "istio-sidecar-injector" } }] }),
    service("istiod", "istio-system", { app: "istiod" }),
    injector,
    deployment("web", "apps", { app: "web" }),
    deployment("opted-out", "apps", { app: "job", "sidecar.istio.io/inject": "false" }),
    deployment("outside", "plain", { app: "outside" }),
];

// ---------------------------------------------------------------------------

describe("selectorMatches", () => {
    it("follows Kubernetes label selector semantics", () => {
        assert.ok(selectorMatches(undefined, {}));
        assert.ok(selectorMatches({}, { a: "1" }));
        assert.ok(selectorMatches({ matchLabels: { a: "1" } }, { a: "1", b: "2" }));
        assert.ok(!selectorMatches({ matchLabels: { a: "1" } }, { a: "2" }));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["x"] }] }, {}), "NotIn matches an absent key");
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "a", operator: "In", values: ["x"] }] }, {}));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "" }));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "" }));
    });
});

describe("dependencyEdges on fixtures", () => {
    it("orders a CRD before its objects and a Namespace before what lives in it", () => {
        const objects = [
            obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", undefined, {
                spec: { group: "example.com", names: { kind: "Widget", plural: "widgets" }, scope: "Namespaced" },
            }),
            obj("v1", "Namespace", "apps"),
            obj("example.com/v1", "Widget", "w", "apps"),
            obj("v1", "ConfigMap", "c", "apps"),
        ];
        const edges = dependencyEdges(objects);
        assert.deepEqual([...(edges.get("example.com/Widget:apps/w") ?? [])].sort(), [
            "/Namespace:/apps",
            "apiextensions.k8s.io/CustomResourceDefinition:/widgets.example.com",
        ]);
        assert.deepEqual([...(edges.get("/ConfigMap:apps/c") ?? [])], ["/Namespace:/apps"]);
        assert.deepEqual([...(edges.get("/Namespace:/apps") ?? [])], []);
    });

    it("makes injected workloads wait for istiod and the injector, and nothing else", () => {
        const edges = dependencyEdges(meshFixture);
        const web = edges.get("apps/Deployment:apps/web") ?? new Set();
        assert.ok(web.has("apps/Deployment:istio-system/istiod"));
        assert.ok(web.has("admissionregistration.k8s.io/MutatingWebhookConfiguration:/istio-sidecar-injector"));
        for (const k of ["apps/Deployment:apps/opted-out", "apps/Deployment:plain/outside", "apps/Deployment:istio-system/istiod"]) {
            assert.ok(!edges.get(k)?.has("apps/Deployment:istio-system/istiod"), k);
        }
        assert.ok(
            edges.get("apps/Deployment:istio-system/istiod")?.has("/ConfigMap:istio-system/istio-sidecar-injector"),
            "istiod waits for the config it mounts",
        );
    });

    it("creates an object the webhook server itself needs before the webhook configuration", () => {
        const validator = obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "config-validator", undefined, {
            webhooks: [
                {
                    name: "config.example.com",
                    clientConfig: { service: { name: "validator", namespace: "sys" } },
                    rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"] }],
                },
            ],
        });
        const objects = [
            obj("v1", "Namespace", "sys"),
            obj("v1", "ConfigMap", "validator-config", "sys"),
            obj("v1", "ConfigMap", "app-config", "sys"),
            deployment("validator", "sys", { app: "validator" }, { volumes: [{ name: "cfg", configMap: { name: "validator-config" } }] }),
            service("validator", "sys", { app: "validator" }),
            validator,
        ];
        const edges = dependencyEdges(objects);
        const w = "admissionregistration.k8s.io/ValidatingWebhookConfiguration:/config-validator";
        assert.ok(edges.get(w)?.has("/ConfigMap:sys/validator-config"), "needed by the server: created before the configuration");
        assert.ok(!edges.get("/ConfigMap:sys/validator-config")?.has("apps/Deployment:sys/validator"));
        assert.ok(edges.get("/ConfigMap:sys/app-config")?.has("apps/Deployment:sys/validator"), "other objects wait for the server");
        assert.ok(edges.get("/ConfigMap:sys/app-config")?.has(w));
        const phases = phaseOf(planPhases(objects));
        assert.ok((phases.get("/ConfigMap:sys/app-config") ?? 0) > (phases.get("apps/Deployment:sys/validator") ?? 99));
    });

    it("makes a cainjected webhook configuration wait for its certificate and the cainjector", () => {
        const hook = obj("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "m", undefined, {
            webhooks: [{ name: "m.example.com", clientConfig: { service: { name: "svc", namespace: "apps" } }, rules: [] }],
        });
        hook.metadata.annotations = { "cert-manager.io/inject-ca-from": "apps/serving-cert" };
        const objects = [
            obj("cert-manager.io/v1", "Certificate", "serving-cert", "apps", {
                spec: { secretName: "serving-tls", issuerRef: { kind: "Issuer", name: "self" } },
            }),
            obj("cert-manager.io/v1", "Issuer", "self", "apps", { spec: { selfSigned: {} } }),
            deployment("cert-manager-cainjector", "cert-manager", { "app.kubernetes.io/name": "cainjector" }),
            deployment("server", "apps", { app: "server" }, { volumes: [{ name: "tls", secret: { secretName: "serving-tls" } }] }),
            hook,
        ];
        const edges = dependencyEdges(objects);
        assert.deepEqual([...(edges.get("admissionregistration.k8s.io/MutatingWebhookConfiguration:/m") ?? [])].sort(), [
            "apps/Deployment:cert-manager/cert-manager-cainjector",
            "cert-manager.io/Certificate:apps/serving-cert",
        ]);
        assert.ok(edges.get("apps/Deployment:apps/server")?.has("cert-manager.io/Certificate:apps/serving-cert"), "a mounted secret's certificate comes first");
        assert.ok(edges.get("cert-manager.io/Certificate:apps/serving-cert")?.has("cert-manager.io/Issuer:apps/self"));
        assert.equal(waitForCaBundle(hook), "jsonpath={.webhooks[*].clientConfig.caBundle}");
        assert.equal(waitForCaBundle(injector), undefined);
        assert.equal(waitForCaBundle(objects[0]), undefined);
    });

    it("refuses duplicate objects", () => {
        assert.throws(() => dependencyEdges([obj("v1", "ConfigMap", "a", "x"), obj("v1", "ConfigMap", "a", "x")]), /duplicate/);
    });
});

describe("levels and phases", () => {
    it("layers by longest path", () => {
        const edges = new Map([
            ["a", new Set<string>()],
            ["b", new Set(["a"])],
            ["c", new Set(["a", "b"])],
            ["d", new Set<string>()],
        ]);
        assert.deepEqual(Object.fromEntries(levels(edges)), { a: 0, b: 1, c: 2, d: 0 });
    });

    it("detects a cycle and prints it", () => {
        const edges = new Map([
            ["a", new Set(["b"])],
            ["b", new Set(["c"])],
            ["c", new Set(["a"])],
            ["d", new Set<string>()],
        ]);
        const cycle = findCycle(edges);
        assert.ok(cycle);
        assert.equal(cycle[0], cycle[cycle.length - 1]);
        assert.equal(cycle.length, 4);
        assert.throws(() => levels(edges), /dependency cycle among the objects: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
    });

    it("puts istiod before injected workloads and describes each phase on one line", () => {
        const phases = planPhases(meshFixture);
        const at = phaseOf(phases);
        assert.ok((at.get("apps/Deployment:apps/web") ?? 0) > (at.get("apps/Deployment:istio-system/istiod") ?? 99));
        assert.equal(phases.flatMap((p) => p.objects).length, meshFixture.length);
        const text = describePhases(phases);
        assert.equal(text.split("\n").length, phases.length);
        assert.match(text, /^phase 0 \([a-z+]+\): \d+ objects: /);
    });
});

// ---------------------------------------------------------------------------
// An independent checker of the ordering rules, written without the implementation's
// edge function, applied to the phases planned for every real render.

type Labels = Record<string, string>;
interface Sel {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Hook {
    clientConfig?: { service?: { name: string; namespace: string } };
    rules?: { apiGroups?: string[]; resources?: string[]; operations?: string[]; scope?: string }[];
    namespaceSelector?: Sel;
    objectSelector?: Sel;
}

function sel(s: Sel | undefined, labels: Labels): boolean {
    if (!s) {
        return true;
    }
    const okLabels = Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const okExpr = (s.matchExpressions ?? []).every((e) => {
        const v = labels[e.key];
        if (e.operator === "In") {
            return v !== undefined && (e.values ?? []).includes(v);
        }
        if (e.operator === "NotIn") {
            return v === undefined || !(e.values ?? []).includes(v);
        }
        if (e.operator === "Exists") {
            return v !== undefined;
        }
        if (e.operator === "DoesNotExist") {
            return v === undefined;
        }
        return true;
    });
    return okLabels && okExpr;
}

const PLURALS: Record<string, string> = { Service: "services", ConfigMap: "configmaps", Secret: "secrets", Deployment: "deployments", Namespace: "namespaces" };

function checkRules(all: readonly KubeObject[], phases: readonly Phase[], release: string): { webhookPairs: number; injected: number } {
    const at = phaseOf(phases);
    const p = (o: KubeObject): number => at.get(objectKey(o)) ?? -1;
    assert.equal(at.size, all.length, `${release}: every object in exactly one phase`);

    const crds = new Map<string, KubeObject>();
    const plural = new Map<string, [string, boolean]>();
    for (const o of all) {
        if (o.kind === "CustomResourceDefinition") {
            const s = o.spec as { group: string; names: { kind: string; plural: string }; scope: string };
            crds.set(`${s.group}/${s.names.kind}`, o);
            plural.set(`${s.group}/${s.names.kind}`, [s.names.plural, s.scope === "Cluster"]);
        }
    }
    const namespaces = new Map(all.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o]));

    for (const o of all) {
        const crd = crds.get(`${apiGroup(o.apiVersion)}/${o.kind}`);
        if (crd) {
            assert.ok(p(o) > p(crd), `${release}: ${objectKey(o)} after its CRD`);
        }
        const ns = o.metadata.namespace ? namespaces.get(o.metadata.namespace) : undefined;
        if (ns) {
            assert.ok(p(o) > p(ns), `${release}: ${objectKey(o)} after its Namespace`);
        }
    }

    const podLabels = (o: KubeObject): Labels | undefined => {
        if (!["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind)) {
            return undefined;
        }
        return (o.spec as { template?: { metadata?: { labels?: Labels } } }).template?.metadata?.labels ?? {};
    };
    const nsLabels = (name: string | undefined): Labels => ({
        "kubernetes.io/metadata.name": name ?? "",
        ...(namespaces.get(name ?? "")?.metadata.labels ?? {}),
    });

    let webhookPairs = 0;
    for (const w of all.filter((o) => o.kind.endsWith("WebhookConfiguration"))) {
        for (const hook of (w.webhooks ?? []) as Hook[]) {
            const svcRef = hook.clientConfig?.service;
            const svc = all.find((o) => o.kind === "Service" && o.metadata.name === svcRef?.name && o.metadata.namespace === svcRef?.namespace);
            const selector = (svc?.spec as { selector?: Labels } | undefined)?.selector ?? {};
            const backing = all.filter((o) => {
                const l = podLabels(o);
                return (
                    l &&
                    o.metadata.namespace === svcRef?.namespace &&
                    Object.keys(selector).length > 0 &&
                    Object.entries(selector).every(([k, v]) => l[k] === v)
                );
            });
            for (const x of all) {
                if (x === w || x.kind.endsWith("WebhookConfiguration")) {
                    continue;
                }
                const requests: { group: string; resource: string; cluster: boolean; labels: Labels }[] = [];
                const info = PLURALS[x.kind] ? [PLURALS[x.kind], x.kind === "Namespace"] : plural.get(`${apiGroup(x.apiVersion)}/${x.kind}`);
                if (info) {
                    requests.push({ group: apiGroup(x.apiVersion), resource: info[0] as string, cluster: info[1] as boolean, labels: x.metadata.labels ?? {} });
                }
                const pl = podLabels(x);
                if (pl) {
                    requests.push({ group: "", resource: "pods", cluster: false, labels: pl });
                }
                const hit = requests.some((r) => {
                    const ruleHit = (hook.rules ?? []).some(
                        (rule) =>
                            (rule.operations ?? []).some((op) => op === "CREATE" || op === "*") &&
                            (rule.apiGroups ?? []).some((g) => g === "*" || g === r.group) &&
                            (rule.resources ?? []).some((res) => res === "*" || res === "*/*" || res === r.resource) &&
                            (rule.scope === undefined || rule.scope === "*" || (rule.scope === "Cluster") === r.cluster),
                    );
                    if (!ruleHit) {
                        return false;
                    }
                    const nsOk = r.cluster
                        ? x.kind === "Namespace"
                            ? sel(hook.namespaceSelector, { "kubernetes.io/metadata.name": x.metadata.name, ...r.labels })
                            : true
                        : sel(hook.namespaceSelector, nsLabels(x.metadata.namespace));
                    return nsOk && sel(hook.objectSelector, r.labels);
                });
                if (!hit) {
                    continue;
                }
                webhookPairs++;
                const before = p(x) < p(w);
                const after = p(x) > p(w) && backing.every((b) => p(x) > p(b)) && backing.length > 0;
                assert.ok(
                    before || after,
                    `${release}: ${objectKey(x)} (phase ${p(x)}) races webhook ${objectKey(w)} (phase ${p(w)}) served by ${backing.map((b) => `${objectKey(b)}@${p(b)}`).join(", ")}`,
                );
            }
        }
        const caFrom = w.metadata.annotations?.["cert-manager.io/inject-ca-from"];
        if (caFrom) {
            const [ns, name] = caFrom.split("/");
            const cert = all.find((o) => o.kind === "Certificate" && o.metadata.namespace === ns && o.metadata.name === name);
            if (cert) {
                assert.ok(p(w) > p(cert), `${release}: ${objectKey(w)} after the certificate its caBundle comes from`);
            }
        }
    }

    // Sidecar injection, stated on its own: no workload of an injected namespace before istiod and the injector.
    const istiod = all.find((o) => o.kind === "Deployment" && o.metadata.name === "istiod" && o.metadata.namespace === "istio-system");
    const injectorConfig = all.find((o) => o.kind === "MutatingWebhookConfiguration" && o.metadata.name === "istio-sidecar-injector");
    let injected = 0;
    for (const o of all) {
        const l = podLabels(o);
        const nsl = nsLabels(o.metadata.namespace);
        if (!l || l["sidecar.istio.io/inject"] === "false" || nsl["istio-injection"] !== "enabled") {
            continue;
        }
        assert.ok(istiod && injectorConfig, `${release}: istiod and the injector are in the render`);
        assert.ok(p(o) > p(istiod) && p(o) > p(injectorConfig), `${release}: ${objectKey(o)} after istiod and the injector`);
        injected++;
    }

    // A workload never waits for readiness on something a later phase creates.
    for (const o of all) {
        const spec = (o.spec as { template?: { spec?: { volumes?: { configMap?: { name: string }; secret?: { secretName: string } }[] } } } | undefined)
            ?.template?.spec;
        if (!podLabels(o) || !spec) {
            continue;
        }
        for (const v of spec.volumes ?? []) {
            const target = v.configMap
                ? all.find((c) => c.kind === "ConfigMap" && c.metadata.namespace === o.metadata.namespace && c.metadata.name === v.configMap?.name)
                : v.secret
                  ? all.find(
                        (c) =>
                            c.metadata.namespace === o.metadata.namespace &&
                            ((c.kind === "Secret" && c.metadata.name === v.secret?.secretName) ||
                                (c.kind === "Certificate" && (c.spec as { secretName?: string }).secretName === v.secret?.secretName)),
                    )
                  : undefined;
            if (target) {
                assert.ok(p(o) > p(target), `${release}: ${objectKey(o)} after ${objectKey(target)} it mounts`);
            }
        }
    }
    return { webhookPairs, injected };
}

describe("planPhases on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const id of availableRenders()) {
        it(`${id}: the whole render satisfies every ordering rule, without cycles`, () => {
            const all = completeNamespaces(loadRender(id));
            const phases = planPhases(all);
            const { webhookPairs, injected } = checkRules(all, phases, id);
            assert.ok(injected >= 20, `${id}: ${injected} injected workloads checked`);
            assert.ok(webhookPairs >= injected, `${id}: ${webhookPairs} admitted objects checked`);
            assert.ok(phases.length >= 4 && phases.length <= 12, `${id}: ${phases.length} phases`);
        });

        it(`${id}: the deployed objects (after the transforms) satisfy every ordering rule`, () => {
            const owners = {
                auth: (o: KubeObject): boolean =>
                    (o.metadata.namespace === "oauth2-proxy" && ["ConfigMap", "Secret", "Deployment"].includes(o.kind)) ||
                    o.metadata.name === "dex-jwt" ||
                    /oidc-authservice/.test(o.metadata.name),
            };
            const { objects } = prepareRelease(loadRender(id), { owners });
            const phases = planPhases(objects);
            checkRules(objects, phases, id);
            assert.equal(
                phases.reduce((n, ph) => n + ph.objects.length, 0),
                objects.length,
            );
        });
    }

    it("prints the phases of 26.03", { skip: availableRenders().includes("26.03") ? false : "26.03 render absent" }, () => {
        const phases = planPhases(completeNamespaces(loadRender("26.03")));
        const text = describePhases(phases);
        console.log(`phases of 26.03 (whole render):\n${text}`);
        assert.equal(text.split("\n").length, phases.length);
        assert.match(text.split("\n")[0], /CustomResourceDefinition/);
    });
});
