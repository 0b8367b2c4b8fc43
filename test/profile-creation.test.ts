import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROFILE_CREATION_POLICY, kfamUsername, profileCreationPolicy } from "../manifests/authorization/profile-creation";
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
