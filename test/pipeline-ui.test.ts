/**
 * The pipelines UI answers callers inside the cluster on its API only: on every release,
 * read with the release's own policies and this program's, through a model of Istio's
 * decision (test/support/istio-authz.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GATEWAY_PRINCIPAL, pipelineUiApiOnly } from "../manifests/authorization/pipeline-ui";
import { KubeObject } from "../manifests/types";
import { MeshRequest, meshVerdict } from "./support/istio-authz";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const UI = { namespace: "kubeflow", labels: { app: "ml-pipeline-ui" } };
const POD = "cluster.local/ns/team-a/sa/default-editor";
const BEARER = { authorization: "Bearer eyJ..." };

describe("the pipelines UI from inside the cluster", { skip: skipWithoutRenders() }, () => {
    for (const id of availableRenders()) {
        it(`${id}: the gateway as before; a pod, with a sidecar or without, only on the API`, () => {
            const render = loadRender(id);
            const own = render.filter((o) => o.kind === "AuthorizationPolicy");
            const ours = pipelineUiApiOnly(render);
            assert.equal(ours.length, 1);
            const both: KubeObject[] = [...own, ...ours];
            const verdict = (objects: readonly KubeObject[], req: MeshRequest) => meshVerdict(objects, UI, req);

            // Through the gateway (signed in): nothing changes.
            for (const path of ["/pipeline/artifacts/get", "/pipeline/apis/v2beta1/runs", "/pipeline/"]) {
                const req = { principal: GATEWAY_PRINCIPAL, namespace: "istio-system", path, headers: { "kubeflow-userid": "alice@contoso.com" } };
                assert.equal(verdict(both, req), verdict(own, req), path);
                assert.equal(verdict(both, req), "allow", path);
            }
            // A pod of a profile namespace asks for an artifact the UI would read with its own key.
            const upstreamLetsPodsIn = verdict(own, { principal: POD, namespace: "team-a", path: "/artifacts/get", headers: BEARER }) === "allow";
            assert.equal(upstreamLetsPodsIn, !["v1.7.0", "v1.8.1"].includes(id), "from v1.9.1 the release admits bearer callers from anywhere");
            for (const req of [
                { principal: POD, namespace: "team-a", path: "/artifacts/get", headers: BEARER },
                { principal: POD, namespace: "team-a", path: "/pipeline/artifacts/get", headers: BEARER },
                { principal: POD, namespace: "team-a", path: "/ARTIFACTS/get", headers: BEARER },
                { principal: POD, namespace: "team-a", path: "/k8s/pod/logs", headers: BEARER },
                { path: "/artifacts/get", headers: BEARER },
            ] as MeshRequest[]) {
                assert.equal(verdict(both, req), "deny", `${req.principal ?? "plain text"} ${req.path}`);
            }
            // The KFP SDK inside the cluster keeps the API where the release admitted it.
            const sdk = { principal: POD, namespace: "team-a", path: "/apis/v2beta1/runs", headers: BEARER };
            assert.equal(verdict(both, sdk), verdict(own, sdk));
            assert.equal(verdict(both, { ...sdk, path: "/pipeline/apis/v2beta1/healthz" }), verdict(own, { ...sdk, path: "/pipeline/apis/v2beta1/healthz" }));
        });
    }
});
