/**
 * The central dashboard's "Log out", made to end the Entra session too. The dashboard
 * reads the URL from LOGOUT_URL (kubeflow/kubeflow components/centraldashboard/app/
 * k8s_service.ts, v1.7.0 to v1.10.0, default `/logout`) and hands it to its logout
 * button. From v1.9 on the button opens it in the browser (logout-button.js:
 * `window.top.location.href = this.logoutUrl`), and the oauth2-proxy releases set it to
 * `/oauth2/sign_out`, which clears oauth2-proxy's cookie and redirects to `/`: Entra's
 * own session then signs the user straight back in. The new value sends oauth2-proxy's
 * redirect on to Entra's sign-out (dashboardLogoutUrl).
 *
 * On v1.7/v1.8 the button POSTs to `/authservice/logout` and opens the afterLogoutURL
 * the answer names: oidc-authservice's AFTER_LOGOUT_URL, set with its configuration;
 * the dashboard stays as the release ships it.
 */
import { AuthFlavour, dashboardLogoutUrl } from "../authservice";
import { isRecord } from "../kube";
import { KubeObject, apiGroup } from "../types";

export const LOGOUT_URL_ENV = "LOGOUT_URL";
const NAMESPACE = "kubeflow";
const DASHBOARD = "centraldashboard";

function isDashboard(o: KubeObject): boolean {
    return o.kind === "Deployment" && apiGroup(o.apiVersion) === "apps" && o.metadata.namespace === NAMESPACE && o.metadata.name === DASHBOARD;
}

/**
 * Points the dashboard's logout at Entra's sign-out through oauth2-proxy's; `tenant` is
 * the tenant id or `common`. An oauth2-proxy render without the dashboard container
 * throws before anything exists: "Log out" would silently sign the user back in.
 */
export function setDashboardLogout(objects: readonly KubeObject[], flavour: AuthFlavour, tenant: string, hostname: string): KubeObject[] {
    if (flavour !== "oauth2-proxy") {
        return [...objects];
    }
    const value = dashboardLogoutUrl(tenant, hostname);
    let found = false;
    const out = objects.map((o) => {
        if (!isDashboard(o)) {
            return o;
        }
        const copy = structuredClone(o);
        const spec = isRecord(copy.spec) && isRecord(copy.spec.template) && isRecord(copy.spec.template.spec) ? copy.spec.template.spec : undefined;
        const container = spec && Array.isArray(spec.containers) ? spec.containers.filter(isRecord).find((c) => c.name === DASHBOARD) : undefined;
        if (!container) {
            return o;
        }
        found = true;
        const env: unknown[] = Array.isArray(container.env) ? [...(container.env as unknown[])] : [];
        const at = env.findIndex((e) => isRecord(e) && e.name === LOGOUT_URL_ENV);
        if (at < 0) {
            env.push({ name: LOGOUT_URL_ENV, value });
        } else {
            env[at] = { name: LOGOUT_URL_ENV, value };
        }
        container.env = env;
        return copy;
    });
    if (!found) {
        throw new Error(
            `the render has no Deployment ${NAMESPACE}/${DASHBOARD} with a ${DASHBOARD} container: its logout could not be sent through Entra's sign-out`,
        );
    }
    return out;
}
