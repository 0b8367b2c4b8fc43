/**
 * What kfam, Kubeflow's access management service, creates for a contributor, so that
 * configured contributors get exactly what the dashboard's "add contributor" gives, and
 * the settings of the release's kfam it needs. Pure: no Pulumi.
 */
import { isRecord, podContainers } from "./kube";
import { KubeObject, formatProblems } from "./types";

// What kfam creates for a contributor (kubeflow/kubeflow
// components/access-management/kfam/bindings.go, v1.10.0, the kfam image of 26.03,
// v1.11.0 and v1.10.2; unchanged since v1.8.0, and identical in kubeflow/dashboard,
// where kfam lives now). The dashboard's "add contributor" sends the binding
// { user: { kind: User, name }, roleRef: { kind: ClusterRole, name: edit } }
// (components/centraldashboard/app/api_workgroup.ts, mapSimpleBindingToWorkgroupBinding,
// the same in v1.7.0 to v1.10.0).

/** The role the dashboard calls "contributor", as kfam writes it in the `role` annotation. */
export const CONTRIBUTOR_ROLE = "edit";
/** The ClusterRole kfam binds a contributor to (bindings.go roleBindingNameMap: edit -> kubeflow-edit). */
export const CONTRIBUTOR_CLUSTER_ROLE = "kubeflow-edit";

const NOT_ALPHANUMERIC = /[^a-zA-Z0-9]+/g;

/**
 * bindings.go getBindingName: the subject kind, the user name with every run of
 * non-alphanumerics turned into '-', the role kind and name, joined by '-', lower-cased,
 * runs of non-alphanumerics turned into '-' again. kfam also URL-escapes the user part,
 * which after the first replacement holds only alphanumerics and '-', which that escape
 * leaves as they are. For alice@contoso.com: user-alice-contoso-com-clusterrole-edit.
 */
export function contributorBindingName(user: string): string {
    return ["User", user.replace(NOT_ALPHANUMERIC, "-"), "ClusterRole", CONTRIBUTOR_ROLE].join("-").toLowerCase().replace(NOT_ALPHANUMERIC, "-");
}

/** How kfam identifies users: what it reads from the render's profiles-config. */
export interface KfamSettings {
    /** The header carrying the user id (`-userid-header`). */
    readonly userIdHeader: string;
    /** The prefix of its value (`-userid-prefix`). */
    readonly userIdPrefix: string;
    /**
     * The sources a contributor's policy admits (the ingress gateway, the pipelines UI);
     * undefined for a kfam that writes no `from` clause.
     */
    readonly principals?: readonly string[];
}

const KFAM_CONTAINER = "kfam";
// kfam's defaults when the variables are empty (bindings.go getAuthorizationPolicy, GetEnvDefault).
const DEFAULT_GATEWAY_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";
const DEFAULT_KFP_UI_PRINCIPAL = "cluster.local/ns/kubeflow/sa/ml-pipeline-ui";

/**
 * Reads kfam's settings where kfam reads them: the ConfigMap its container takes its
 * environment from (`-userid-header $(USERID_HEADER) -userid-prefix $(USERID_PREFIX)`).
 * The principal variables came with the `from` clause of the contributor policy in the
 * same upstream change (kubeflow/kubeflow e28be5d, "Make principals dynamic", v1.8.0):
 * v1.7.0's ConfigMap has neither, and its kfam writes a policy without `from`.
 */
export function readKfamSettings(objects: readonly KubeObject[]): KfamSettings {
    const where = "the render's access management service (kfam)";
    const deployment = objects.find((o) => o.kind === "Deployment" && podContainers(o).some((c) => c.name === KFAM_CONTAINER));
    const kfam = deployment ? podContainers(deployment).find((c) => c.name === KFAM_CONTAINER) : undefined;
    const refs =
        kfam && Array.isArray(kfam.envFrom) ? kfam.envFrom.filter(isRecord).map((e) => (isRecord(e.configMapRef) ? e.configMapRef.name : undefined)) : [];
    const data: Record<string, unknown> = {};
    for (const ref of refs) {
        const cm = objects.find(
            (o) => o.kind === "ConfigMap" && o.apiVersion === "v1" && o.metadata.name === ref && o.metadata.namespace === deployment?.metadata.namespace,
        );
        Object.assign(data, isRecord(cm?.data) ? cm.data : {});
    }
    const header = data.USERID_HEADER;
    if (!deployment || typeof header !== "string" || header === "") {
        throw new Error(
            formatProblems("profiles: the render lacks what the contributor bindings mirror", [
                {
                    where,
                    value: deployment
                        ? `Deployment ${deployment.metadata.namespace}/${deployment.metadata.name} reads no USERID_HEADER`
                        : "no Deployment with a kfam container",
                    rule: "required: contributors get the objects kfam would create, with its user id header",
                },
            ]),
        );
    }
    const prefix = typeof data.USERID_PREFIX === "string" ? data.USERID_PREFIX : "";
    const hasPrincipals = "ISTIO_INGRESS_GATEWAY_PRINCIPAL" in data || "KFP_UI_PRINCIPAL" in data;
    const nonEmpty = (v: unknown, fallback: string): string => (typeof v === "string" && v !== "" ? v : fallback);
    return hasPrincipals
        ? {
              userIdHeader: header,
              userIdPrefix: prefix,
              principals: [
                  nonEmpty(data.ISTIO_INGRESS_GATEWAY_PRINCIPAL, DEFAULT_GATEWAY_PRINCIPAL),
                  nonEmpty(data.KFP_UI_PRINCIPAL, DEFAULT_KFP_UI_PRINCIPAL),
              ],
          }
        : { userIdHeader: header, userIdPrefix: prefix };
}

/**
 * kfam's RoleBinding and AuthorizationPolicy for one contributor (bindings.go Create),
 * with the `user` and `role` annotations kfam's List reads back for the dashboard.
 * The two apiGroups kfam leaves empty are written as the API server defaults them
 * (kubernetes/kubernetes pkg/apis/rbac/v1/defaults.go: SetDefaults_RoleBinding,
 * SetDefaults_Subject), so the stored object and this one do not differ on every diff.
 */
export function contributorObjects(namespace: string, user: string, kfam: KfamSettings): KubeObject[] {
    const name = contributorBindingName(user);
    const annotations = { user, role: CONTRIBUTOR_ROLE };
    const rule: Record<string, unknown> = {
        when: [{ key: `request.headers[${kfam.userIdHeader}]`, values: [kfam.userIdPrefix + user] }],
    };
    if (kfam.principals) {
        rule.from = [{ source: { principals: [...kfam.principals] } }];
    }
    return [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name, namespace, annotations: { ...annotations } },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTRIBUTOR_CLUSTER_ROLE },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
        },
        {
            // kfam's REST client for policies is security.istio.io/v1beta1 (api_default.go).
            apiVersion: "security.istio.io/v1beta1",
            kind: "AuthorizationPolicy",
            metadata: { name, namespace, annotations: { ...annotations } },
            spec: { rules: [rule] },
        },
    ];
}
