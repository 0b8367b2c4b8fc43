/**
 * The authservice rewrite runs once, in the plan; the component only binds the Entra
 * ids into the planned objects. These tests hold the bind step to that: it reproduces
 * the one-step rewrite exactly, and the ids change nothing but the fields that carry them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    ACME_EXEMPT_ANNOTATION,
    AuthFlavour,
    CONFIG_CHECKSUM_ANNOTATION,
    EntraIds,
    WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
    bindAuthservice,
    defaultUserIdClaim,
    isAuthserviceObject,
    planAuthservice,
} from "../manifests/authservice";
import { isRecord } from "../manifests/kube";
import { configureAuthservice } from "./support/authservice-configure";
import { KubeObject, objectKey } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const HOST = "kf.westeurope.cloudapp.azure.com";
const IDS: EntraIds = {
    tenantId: "00000000-0000-0000-0000-00000000cafe",
    clientId: "0c1f7a52-3e5b-4d8c-9a61-5b2f8d3e4c10",
};
const OTHER_IDS: EntraIds = {
    tenantId: "5b0c8a7e-1d2f-4e3a-9b8c-7d6e5f4a3b21",
    clientId: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
};
const CLUSTER_ISSUER = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-00000000cafe/3f2c1e0a-9b8d-4c7e-a6f5-1d2e3c4b5a69/";
const ANNOTATIONS = { "kubeflow-azure/authservice-secret-checksum": "0123abcd" };

function flavourOf(release: string): AuthFlavour {
    return release === "v1.7.0" || release === "v1.8.1" ? "oidc-authservice" : "oauth2-proxy";
}

/** Every leaf of an object as `path = JSON value`, so two objects compare field by field. */
function leaves(value: unknown, path = ""): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (v: unknown, p: string): void => {
        if (Array.isArray(v) || isRecord(v)) {
            const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
            if (entries.length === 0) {
                out.set(p, JSON.stringify(v));
            }
            for (const [k, x] of entries) {
                walk(x, `${p}/${k}`);
            }
            return;
        }
        out.set(p, JSON.stringify(v));
    };
    walk(value, path);
    return out;
}

/** The paths (`Kind:namespace/name` + JSON path) at which two object lists differ. */
function differingPaths(a: readonly KubeObject[], b: readonly KubeObject[]): string[] {
    const left = new Map(a.flatMap((o) => [...leaves(o, objectKey(o))]));
    const right = new Map(b.flatMap((o) => [...leaves(o, objectKey(o))]));
    return [...new Set([...left.keys(), ...right.keys()])].filter((k) => left.get(k) !== right.get(k)).sort();
}

describe("the authservice plan and its bind step on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        const flavour = flavourOf(release);
        describe(`${release} (${flavour})`, () => {
            const handed = loadRender(release).filter((o) => isAuthserviceObject(o, flavour));
            const input = { flavour, handed, hostname: HOST, userIdClaim: defaultUserIdClaim(flavour), secretName: "kf-auth-entra" } as const;
            const plan = planAuthservice(input);
            const issuer = flavour === "oauth2-proxy" ? { clusterIssuer: CLUSTER_ISSUER } : {};

            it("plans objects that name no Entra id: the ids are outputs, bound later", () => {
                const text = JSON.stringify(plan.objects);
                assert.ok(plan.objects.length > 0);
                for (const id of [IDS.tenantId, IDS.clientId, "00000000-0000-0000-0000-000000000000"]) {
                    assert.ok(!text.includes(id), `the plan holds ${id}`);
                }
                assert.ok(!text.includes("login.microsoftonline.com/"), "no tenant endpoint before the tenant id is known");
            });

            it("binds to exactly what the one-step rewrite produces with the same values", () => {
                const bound = bindAuthservice(plan, { ...IDS, ...issuer }, ANNOTATIONS);
                const oneStep = configureAuthservice(handed, flavour, { ...input, ...IDS, ...issuer, podAnnotations: ANNOTATIONS });
                assert.deepEqual(bound, oneStep.objects);
                assert.deepEqual(plan.secret, oneStep.secret);
                assert.deepEqual(plan.credential, oneStep.credential);
            });

            it("changes with the ids only the fields that carry them, and the pods' config digest", () => {
                const a = bindAuthservice(plan, { ...IDS, ...issuer }, ANNOTATIONS);
                const b = bindAuthservice(plan, { ...OTHER_IDS, ...issuer }, ANNOTATIONS);
                const workload = plan.binding.workload;
                const allowed =
                    plan.binding.flavour === "oauth2-proxy"
                        ? [
                              new RegExp(`^${escape(plan.binding.config)}/data/oauth2_proxy\\.cfg$`),
                              new RegExp(
                                  `^${escape(plan.binding.serviceAccount ?? "(no service account)")}/metadata/annotations/${escape(WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION)}$`,
                              ),
                              /^security\.istio\.io\/RequestAuthentication:[^/]+\/[^/]+\/spec\/jwtRules\/0\//,
                              // The issuer and the app's own client id in the token-kind rules.
                              /^security\.istio\.io\/AuthorizationPolicy:istio-system\/entra-user-tokens-only\/spec\/rules\/\d\/when\/\d\/(values|notValues)\/\d$/,
                          ]
                        : [new RegExp(`^${escape(plan.binding.parameters)}/data/(OIDC_PROVIDER|OIDC_AUTH_URL|AFTER_LOGOUT_URL)$`)];
                allowed.push(new RegExp(`^${escape(workload)}/spec/template/metadata/annotations/${escape(CONFIG_CHECKSUM_ANNOTATION)}$`));
                const changed = differingPaths(a, b);
                assert.ok(changed.length >= 3, `the ids show up somewhere: ${changed.join(", ")}`);
                assert.deepEqual(
                    changed.filter((p) => !allowed.some((r) => r.test(p))),
                    [],
                );
            });

            it("leaves the plan as it was: binding twice gives the same objects", () => {
                const before = JSON.stringify(plan.objects);
                const first = bindAuthservice(plan, IDS, ANNOTATIONS);
                bindAuthservice(plan, OTHER_IDS, ANNOTATIONS);
                assert.equal(JSON.stringify(plan.objects), before);
                assert.deepEqual(bindAuthservice(plan, IDS, ANNOTATIONS), first);
            });

            it("refuses ids that are no ids at the bind step, naming each", () => {
                assert.throws(
                    () => bindAuthservice(plan, { tenantId: "contoso", clientId: "kubeflow" }, ANNOTATIONS),
                    (err: Error) => {
                        assert.match(err.message, /tenantId: contoso/);
                        assert.match(err.message, /clientId: kubeflow/);
                        return true;
                    },
                );
            });

            it("exempts the ACME challenge path at the bind step when asked, and marks the pods while it is on", () => {
                const exempt = planAuthservice({ ...input, acmeChallengeExempt: true });
                const challenge = "/.well-known/acme-challenge/";
                assert.ok(JSON.stringify(bindAuthservice(exempt, IDS, ANNOTATIONS)).includes(challenge), "the challenge path is exempt in the bound objects");
                assert.ok(!JSON.stringify(bindAuthservice(plan, IDS, ANNOTATIONS)).includes(challenge), "and only when asked");
                const annotationsOf = (objects: readonly KubeObject[]): Record<string, unknown> => {
                    const w = objects.find((o) => objectKey(o) === exempt.binding.workload);
                    const template = isRecord(w?.spec) && isRecord(w.spec.template) ? w.spec.template : {};
                    return isRecord(template.metadata) && isRecord(template.metadata.annotations) ? template.metadata.annotations : {};
                };
                const marked = annotationsOf(bindAuthservice(exempt, IDS, ANNOTATIONS));
                const unmarked = annotationsOf(bindAuthservice(plan, IDS, ANNOTATIONS));
                assert.equal(marked[ACME_EXEMPT_ANNOTATION], challenge);
                assert.equal(unmarked[ACME_EXEMPT_ANNOTATION], undefined);
                // The digest is of the configuration without the exemption, as before the plan existed.
                assert.equal(marked[CONFIG_CHECKSUM_ANNOTATION], unmarked[CONFIG_CHECKSUM_ANNOTATION]);
            });
        });
    }
});

function escape(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
