import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuthFlavour, defaultUserIdClaim, isAuthserviceObject, parseOauth2ProxyConfig } from "../manifests/authservice";
import { configureAuthservice } from "./support/authservice-configure";
import { isRecord } from "../manifests/kube";
import { LOGOUT_URL_ENV, setDashboardLogout } from "../manifests/transforms/dashboard-logout";
import { KubeObject } from "../manifests/types";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
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
            it(`${release}: "Log out" clears oauth2-proxy's session, then goes through Entra's sign-out back to https://<host>/, a redirect oauth2-proxy accepts`, () => {
                assert.equal(logoutUrlOf(render), "/oauth2/sign_out", "the release's own logout, which Entra's session undoes");
                const out = setDashboardLogout(render, flavour, TENANT, HOST);
                const logout = logoutUrlOf(out) ?? "";
                const url = new URL(logout, `https://${HOST}`);
                assert.equal(url.pathname, "/oauth2/sign_out");
                const rd = url.searchParams.get("rd") ?? "";
                const entra = new URL(rd);
                assert.equal(`${entra.origin}${entra.pathname}`, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/logout`);
                assert.equal(entra.searchParams.get("post_logout_redirect_uri"), `https://${HOST}/`);
                // oauth2-proxy follows an rd to another host only if whitelisted; else it goes to "/".
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
                assert.ok(Array.isArray(whitelist) && oauth2ProxyAccepts(rd, whitelist.map(String)), `rd ${rd} accepted by ${JSON.stringify(whitelist)}`);
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
        const url = new URL(logoutUrlOf(setDashboardLogout([dashboard], "oauth2-proxy", "common", HOST)) ?? "", `https://${HOST}`);
        assert.match(url.searchParams.get("rd") ?? "", /^https:\/\/login\.microsoftonline\.com\/common\/oauth2\/v2\.0\/logout\?/);
        assert.equal(logoutUrlOf([dashboard]), undefined, "the input is not changed");
    });
});
