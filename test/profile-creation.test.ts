import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    DASHBOARD_CREATE_DENIAL,
    KFAM_PROFILES_PATH,
    PROFILE_CREATION_POLICY,
    WORKGROUP_CREATE_PATH,
    dashboardCreateDenials,
    kfamUsername,
    profileCreationPolicy,
} from "../manifests/authorization/profile-creation";
import { KubeObject } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

describe("Profiles created by the platform only (selfService off)", () => {
    it("a policy on Profile creation refusing kfam's account, bound to deny, with a message that says what to do", () => {
        const [policy, binding] = profileCreationPolicy("system:serviceaccount:kubeflow:profiles-controller-service-account");
        assert.deepEqual([policy.kind, binding.kind], ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);
        assert.deepEqual(policy.spec, {
            failurePolicy: "Fail",
            matchConstraints: { resourceRules: [{ apiGroups: ["kubeflow.org"], apiVersions: ["*"], operations: ["CREATE"], resources: ["profiles"] }] },
            validations: [
                {
                    expression: 'request.userInfo.username != "system:serviceaccount:kubeflow:profiles-controller-service-account"',
                    message:
                        "Profiles are created by the platform team (kubeflow-azure selfService is false): ask them to add yours to the stack's kubeflow-azure:profiles",
                    reason: "Forbidden",
                },
            ],
        });
        assert.deepEqual(binding.spec, { policyName: PROFILE_CREATION_POLICY, validationActions: ["Deny"] });
    });

    it("kfam's account is read from every real render: the Deployment with the kfam container", { skip: skipWithoutRenders() }, () => {
        for (const id of availableRenders()) {
            assert.equal(kfamUsername(loadRender(id)), "system:serviceaccount:kubeflow:profiles-controller-service-account", id);
        }
        assert.equal(kfamUsername([]), undefined);
    });
});

/** An Istio path value as the rule matches it: exact, `prefix*`, `*suffix` (security.istio.io AuthorizationPolicy, Operation). */
function pathMatches(pattern: string, path: string): boolean {
    if (pattern.endsWith("*")) {
        return path.startsWith(pattern.slice(0, -1));
    }
    if (pattern.startsWith("*")) {
        return path.endsWith(pattern.slice(1));
    }
    return pattern === path;
}

/** Whether a DENY policy's rules (operations only) match a request: the query is not part of the path Istio matches. */
function denies(policy: KubeObject, method: string, url: string): boolean {
    const path = url.split("?")[0];
    const rules = (policy.spec as { rules: Array<{ to: Array<{ operation: { paths?: string[]; methods?: string[] } }> }> }).rules;
    return rules.some((r) =>
        r.to.some(
            ({ operation }) =>
                (!operation.methods || operation.methods.includes(method)) && (!operation.paths || operation.paths.some((p) => pathMatches(p, path))),
        ),
    );
}

describe("the dashboard's create call refused by Istio (selfService off)", { skip: skipWithoutRenders() }, () => {
    for (const id of availableRenders()) {
        it(`${id}: the gateway refuses /api/workgroup/create (and .../create/), kfam's sidecar every POST /kfam/v1/profiles; the other routes pass`, () => {
            const render = loadRender(id);
            const policies = dashboardCreateDenials(render);
            assert.deepEqual(
                policies.map((p) => [p.kind, p.metadata.namespace, p.metadata.name, (p.spec as { action: string }).action]),
                [
                    ["AuthorizationPolicy", "istio-system", DASHBOARD_CREATE_DENIAL, "DENY"],
                    ["AuthorizationPolicy", "kubeflow", DASHBOARD_CREATE_DENIAL, "DENY"],
                ],
            );
            const [gateway, kfam] = policies;
            // The selectors are the release's own: the gateway's pods and kfam's.
            const releaseGateway = render.find((o) => o.kind === "AuthorizationPolicy" && o.metadata.name === "istio-ingressgateway");
            assert.deepEqual((gateway.spec as { selector: unknown }).selector, (releaseGateway?.spec as { selector: unknown }).selector);
            assert.deepEqual((kfam.spec as { selector: unknown }).selector, { matchLabels: { "kustomize.component": "profiles" } });
            const kfamPods = render.find((o) => o.kind === "Deployment" && o.metadata.name === "profiles-deployment");
            assert.equal(
                (kfamPods?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels["kustomize.component"],
                "profiles",
            );

            for (const url of [WORKGROUP_CREATE_PATH, `${WORKGROUP_CREATE_PATH}/`, `${WORKGROUP_CREATE_PATH}?namespace=team-a`]) {
                assert.ok(denies(gateway, "POST", url), `gateway lets POST ${url} through`);
            }
            for (const url of ["/api/workgroup/exists", "/api/workgroup/add-contributor/team-a", "/api/workgroup/env-info", "/pipeline/apis/v2beta1/runs"]) {
                assert.ok(!denies(gateway, "POST", url) && !denies(gateway, "GET", url), `gateway refuses ${url}`);
            }
            // Express matches /API/workgroup/create too; the gateway's case-sensitive paths do
            // not, and kfam refuses the dashboard's call whatever the browser's spelling was.
            assert.ok(!denies(gateway, "POST", "/API/workgroup/create"));
            assert.ok(denies(kfam, "POST", KFAM_PROFILES_PATH));
            for (const [method, url] of [
                ["GET", KFAM_PROFILES_PATH],
                ["POST", "/kfam/v1/bindings"],
                ["DELETE", "/kfam/v1/bindings"],
                ["GET", "/kfam/v1/bindings?namespace=team-a"],
            ]) {
                assert.ok(!denies(kfam, method, url), `kfam refuses ${method} ${url}`);
            }
        });
    }

    it("returns nothing for a render without the gateway's policy or kfam", () => {
        assert.deepEqual(dashboardCreateDenials([]), []);
    });
});
