import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WAIT_FOR, planPlatform } from "../manifests/platform";
import { KubeObject } from "../manifests/types";
import { miniObjects } from "./fixtures/mini-release";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

describe("planPlatform", () => {
    it("applies every object once, the volumes as resources of their own", () => {
        const objects = miniObjects();
        const plan = planPlatform(objects);
        assert.deepEqual(
            plan.volumes.map((v) => v.metadata.name),
            ["mysql-pv-claim"],
        );
        const phased = plan.phases.flatMap((p) => p.objects);
        assert.equal(phased.length + plan.volumes.length, objects.length);
        assert.ok(!phased.some((o) => o.kind === "PersistentVolumeClaim"));
    });

    it("awaits the CA bundle of a webhook configuration cert-manager injects, and only there", () => {
        const webhook = (name: string, annotations: Record<string, string>): KubeObject => ({
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingWebhookConfiguration",
            metadata: { name, annotations },
            webhooks: [],
        });
        const plan = planPlatform([webhook("injected", { "cert-manager.io/inject-ca-from": "kubeflow/serving-cert" }), webhook("plain", {})]);
        const byName = new Map(plan.phases.flatMap((p) => p.objects).map((o) => [o.metadata.name, o]));
        assert.equal(byName.get("injected")?.metadata.annotations?.[WAIT_FOR], "jsonpath={.webhooks[*].clientConfig.caBundle}");
        assert.equal(byName.get("plain")?.metadata.annotations?.[WAIT_FOR], undefined);
    });
});

describe("planPlatform on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        it(`${release}: every cert-manager-injected webhook configuration waits for its bundle`, () => {
            const plan = planPlatform(loadRender(release));
            const hooks = plan.phases.flatMap((p) => p.objects).filter((o) => /WebhookConfiguration$/.test(o.kind));
            const injected = hooks.filter((o) => o.metadata.annotations?.["cert-manager.io/inject-ca-from"] !== undefined);
            assert.ok(injected.length > 0);
            for (const h of injected) {
                assert.ok(h.metadata.annotations?.[WAIT_FOR], `${h.metadata.name}`);
            }
        });
    }
});
