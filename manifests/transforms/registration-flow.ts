/**
 * The central dashboard's registration flow: with it on, a signed-in user who owns no
 * namespace is offered to create one. The dashboard reads the environment variable
 * REGISTRATION_FLOW and treats an unset one as "true" (kubeflow/kubeflow
 * components/centraldashboard/app/server.ts, v1.7.0 to v1.10.0:
 * `REGISTRATION_FLOW = "true"`, `registrationFlowAllowed = REGISTRATION_FLOW.toLowerCase() === "true"`),
 * so the value is always written out. Every supported render sets it to "false" on the
 * kubeflow/centraldashboard Deployment and keeps a copy, CD_REGISTRATION_FLOW, in the
 * centraldashboard-parameters ConfigMap (a kustomize parameter the Deployment no longer
 * reads); both are set, so the render never says two things. A changed value changes
 * the pod template, which rolls the dashboard by itself.
 */
import { isRecord, podContainers } from "../kube";
import { KubeObject, apiGroup } from "../types";

export const REGISTRATION_FLOW_ENV = "REGISTRATION_FLOW";
const PARAMETERS_KEY = "CD_REGISTRATION_FLOW";
const NAMESPACE = "kubeflow";
const DASHBOARD = "centraldashboard";

function isDashboard(o: KubeObject): boolean {
    return o.kind === "Deployment" && apiGroup(o.apiVersion) === "apps" && o.metadata.namespace === NAMESPACE && o.metadata.name === DASHBOARD;
}

function isParameters(o: KubeObject): boolean {
    return (
        o.kind === "ConfigMap" &&
        o.apiVersion === "v1" &&
        o.metadata.namespace === NAMESPACE &&
        /^centraldashboard-parameters(-[a-z0-9]{10})?$/.test(o.metadata.name)
    );
}

/**
 * Sets the flag. A render without the dashboard has no registration flow to turn off;
 * asked to turn it on, this throws before anything exists.
 */
export function setRegistrationFlow(objects: readonly KubeObject[], enabled: boolean): KubeObject[] {
    const value = enabled ? "true" : "false";
    let found = false;
    const out = objects.map((o) => {
        if (isParameters(o) && isRecord(o.data) && PARAMETERS_KEY in o.data) {
            return { ...o, data: { ...o.data, [PARAMETERS_KEY]: value } };
        }
        if (!isDashboard(o)) {
            return o;
        }
        const copy = structuredClone(o);
        const container = podContainers(copy).find((c) => c.name === DASHBOARD);
        if (!container) {
            return o;
        }
        found = true;
        const env = Array.isArray(container.env) ? container.env.filter((e) => !(isRecord(e) && e.name === REGISTRATION_FLOW_ENV)) : [];
        const at = Array.isArray(container.env) ? container.env.findIndex((e) => isRecord(e) && e.name === REGISTRATION_FLOW_ENV) : -1;
        env.splice(at < 0 ? env.length : at, 0, { name: REGISTRATION_FLOW_ENV, value });
        container.env = env;
        return copy;
    });
    if (!found && enabled) {
        throw new Error(
            `the render has no Deployment ${NAMESPACE}/${DASHBOARD} with a ${DASHBOARD} container: the registration flow (kubeflow-azure:selfService) cannot be set`,
        );
    }
    return out;
}
