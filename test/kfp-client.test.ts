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
    it("uses a bearer token for the app's API scope on oauth2-proxy releases", () => {
        const snippet = kfpClientSnippet(outputs);
        assert.match(snippet, /kfp\.Client\(host="https:\/\/kf-dev\.westeurope\.cloudapp\.azure\.com\/pipeline", existing_token=token/);
        assert.match(snippet, /"--scope", "api:\/\/11111111-2222-3333-4444-555555555555\/user_impersonation"/);
        assert.match(snippet, /ssl_ca_cert="kubeflow-ca\.crt"/);
        assert.match(snippet, /kubectl -n istio-system get secret istio-ingressgateway-certs/);
        assert.doesNotMatch(snippet, /cookies=/);
    });

    it("uses the session cookie on oidc-authservice releases", () => {
        const snippet = kfpClientSnippet({ ...outputs, kubeflowRelease: "v1.7.0" });
        assert.match(snippet, /cookie = "authservice_session=<paste the value here>"/);
        assert.match(snippet, /cookies=cookie/);
        assert.doesNotMatch(snippet, /existing_token/);
    });

    it("refuses outputs of an unknown release", () => {
        assert.throws(() => kfpClientSnippet({ ...outputs, kubeflowRelease: "v0.1" }), /unknown Kubeflow release v0\.1/);
    });
});
