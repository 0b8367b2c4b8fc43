import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kfpClientSnippet } from "../scripts/kfp-client";

const outputs = {
    kubeflowUrl: "https://kf-dev.westeurope.cloudapp.azure.com/",
    hostname: "kf-dev.westeurope.cloudapp.azure.com",
    oidcClientId: "11111111-2222-3333-4444-555555555555",
    kubeflowRelease: "26.03",
};

describe("kfp-client snippet", () => {
    for (const release of ["26.03", "v1.9.1", "v1.8.1", "v1.7.0"]) {
        it(`${release}: a user's bearer token for the app's API scope, the session cookie as the alternative`, () => {
            const snippet = kfpClientSnippet({ ...outputs, kubeflowRelease: release });
            assert.match(snippet, /kfp\.Client\(host="https:\/\/kf-dev\.westeurope\.cloudapp\.azure\.com\/pipeline", existing_token=token/);
            assert.match(snippet, /"--scope", "api:\/\/11111111-2222-3333-4444-555555555555\/user_impersonation"/);
            assert.match(snippet, /ssl_ca_cert="kubeflow-ca\.crt"/);
            assert.match(snippet, /kubectl -n istio-system get secret istio-ingressgateway-certs/);
            const cookie = release === "v1.8.1" || release === "v1.7.0" ? "authservice_session" : "oauth2_proxy_kubeflow";
            assert.match(snippet, new RegExp(`cookies="${cookie}=<value>"`));
        });
    }

    it("offers no service-principal route: an app token names no user", () => {
        const snippet = kfpClientSnippet(outputs);
        assert.doesNotMatch(snippet, /--service-principal|client.credentials|\.default/);
        assert.match(snippet, /`az login` as a user/);
    });

    it("prints the automation recipe: a profile's service account, a token for https://<host>, kubeflow-edit for KFP's SubjectAccessReview", () => {
        for (const release of ["26.03", "v1.7.0"]) {
            const snippet = kfpClientSnippet({ ...outputs, kubeflowRelease: release });
            assert.match(snippet, /kubectl -n <profile> create serviceaccount ci/);
            assert.match(snippet, /create rolebinding ci-kubeflow-edit --clusterrole=kubeflow-edit --serviceaccount=<profile>:ci/);
            assert.match(
                snippet,
                /\["kubectl", "-n", "<profile>", "create", "token", "ci", "--audience", "https:\/\/kf-dev\.westeurope\.cloudapp\.azure\.com"/,
            );
            assert.match(snippet, /ci_client = kfp\.Client\(host="https:\/\/kf-dev\.westeurope\.cloudapp\.azure\.com\/pipeline", existing_token=ci_token/);
        }
    });

    it("passes ssl_ca_cert only for a self-signed certificate, after the command that fetches it", () => {
        const selfSigned = kfpClientSnippet({ ...outputs, tlsIssuer: "self-signed" });
        assert.match(selfSigned, /existing_token=token, ssl_ca_cert="kubeflow-ca\.crt"\)/);
        assert.match(selfSigned, /existing_token=ci_token, ssl_ca_cert="kubeflow-ca\.crt"\)/);
        assert.match(selfSigned, /istio-ingressgateway-certs/);
        assert.doesNotMatch(selfSigned, /letsencrypt/);
        const letsEncrypt = kfpClientSnippet({ ...outputs, tlsIssuer: "letsencrypt" });
        assert.doesNotMatch(letsEncrypt, /ssl_ca_cert|istio-ingressgateway-certs/);
        assert.match(letsEncrypt, /existing_token=token\)/);
        assert.match(letsEncrypt, /existing_token=ci_token\)/);
    });

    it("refuses outputs of an unknown release", () => {
        assert.throws(() => kfpClientSnippet({ ...outputs, kubeflowRelease: "v0.1" }), /unknown Kubeflow release v0\.1/);
    });
});
