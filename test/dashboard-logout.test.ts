import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuthFlavour, defaultUserIdClaim, isAuthserviceObject, parseOauth2ProxyConfig } from "../manifests/authservice";
import { configureAuthservice } from "./support/authservice-configure";
import { isRecord } from "../manifests/kube";
import { LOGOUT_URL_ENV, setDashboardLogout } from "../manifests/transforms/dashboard-logout";
import { KubeObject } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const TENANT = "00000000-0000-0000-0000-00000000cafe";
const HOST = "kf.westeurope.cloudapp.azure.com";

function flavourOf(release: string): AuthFlavour {
    return release === "v1.7.0" || release === "v1.8.1" ? "oidc-authservice" : "oauth2-proxy";
}

function logoutUrlOf(objects: readonly KubeObject[]): string | undefined {
    const dashboard = objects.find((o) => o.kind === "Deployment" && o.metadata.namespace === "kubeflow" && o.metadata.name === "centraldashboard");
    const containers =
        (dashboard?.spec as { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } } } | undefined)
            ?.template.spec.containers ?? [];
    return containers.find((c) => c.name === "centraldashboard")?.env?.find((e) => e.name === LOGOUT_URL_ENV)?.value;
}

/** oauth2-proxy's IsValidRedirect for an absolute URL (pkg/app/redirect/validator.go, util.IsEndpointAllowed, v7.6.0 through v7.14.3). */
function oauth2ProxyAccepts(rd: string, whitelist: readonly string[]): boolean {
    const url = new URL(rd);
    return whitelist.some((d) => {
        const [host, port] = d.split(":");
        const hostOk =
            url.hostname === host.replace(/^\*?\./, "") || ((host.startsWith(".") || host.startsWith("*.")) && url.hostname.endsWith(host.replace(/^\*/, "")));
        return hostOk && (port === "*" || (port ?? "") === url.port);
    });
}

describe("the dashboard's logout on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        const flavour = flavourOf(release);
        const render = loadRender(release);
        if (flavour === "oauth2-proxy") {
            it(`${release}: "Log out" goes through Entra's sign-out back to oauth2-proxy's, and oauth2-proxy redirects to no other host`, () => {
                assert.equal(logoutUrlOf(render), "/oauth2/sign_out", "the release's own logout, which Entra's session undoes");
                const out = setDashboardLogout(render, flavour, TENANT, HOST);
                const entra = new URL(logoutUrlOf(out) ?? "");
                assert.equal(`${entra.origin}${entra.pathname}`, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/logout`);
                // Entra comes back to oauth2-proxy's sign-out, which clears its cookie and goes to "/".
                assert.equal(entra.searchParams.get("post_logout_redirect_uri"), `https://${HOST}/oauth2/sign_out`);
                const cfgMap = configureAuthservice(
                    render.filter((o) => isAuthserviceObject(o, flavour)),
                    flavour,
                    {
                        tenantId: TENANT,
                        clientId: TENANT,
                        hostname: HOST,
                        secretName: "s",
                        podAnnotations: {},
                        userIdClaim: defaultUserIdClaim(flavour),
                    },
                ).objects.find((o) => o.kind === "ConfigMap" && isRecord(o.data) && "oauth2_proxy.cfg" in o.data);
                const whitelist = parseOauth2ProxyConfig((cfgMap?.data as Record<string, string>)["oauth2_proxy.cfg"]).get("whitelist_domains");
                const allowed = Array.isArray(whitelist) ? whitelist.map(String) : whitelist === undefined ? [] : [String(whitelist)];
                // The open redirect: /oauth2/sign_out?rd= (or /oauth2/start?rd=) to Entra's
                // authorize with another app's client id ends at that app's redirect URI.
                for (const rd of [
                    `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize?client_id=00000000-1111-2222-3333-444444444444&response_type=code`,
                    entra.toString(),
                    "https://evil.example/",
                ]) {
                    assert.ok(!oauth2ProxyAccepts(rd, allowed), `rd ${rd} refused by ${JSON.stringify(allowed)}`);
                }
                // Only the dashboard changed.
                assert.equal(out.filter((o, i) => o !== render[i]).length, 1);
            });
        } else {
            it(`${release}: the dashboard keeps /authservice/logout, whose answer (AFTER_LOGOUT_URL) leads to Entra's sign-out`, () => {
                assert.equal(logoutUrlOf(setDashboardLogout(render, flavour, TENANT, HOST)), "/authservice/logout");
            });
        }
    }
});

describe("the dashboard's logout on fixtures", () => {
    it("refuses an oauth2-proxy render without the dashboard, and uses common when the tenant is not known", () => {
        assert.throws(() => setDashboardLogout([], "oauth2-proxy", TENANT, HOST), /kubeflow\/centraldashboard.*logout/);
        assert.deepEqual(setDashboardLogout([], "oidc-authservice", TENANT, HOST), []);
        const dashboard: KubeObject = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "centraldashboard", namespace: "kubeflow" },
            spec: { template: { spec: { containers: [{ name: "centraldashboard", env: [{ name: "USERID_HEADER", value: "kubeflow-userid" }] }] } } },
        };
        assert.match(
            logoutUrlOf(setDashboardLogout([dashboard], "oauth2-proxy", "common", HOST)) ?? "",
            /^https:\/\/login\.microsoftonline\.com\/common\/oauth2\/v2\.0\/logout\?/,
        );
        assert.equal(logoutUrlOf([dashboard]), undefined, "the input is not changed");
    });
});
