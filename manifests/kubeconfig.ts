/**
 * Kubeconfigs for clusters without local accounts: the cluster entry AKS hands out for
 * users, and an exec user that gets an Entra token through kubelogin.
 */
import * as yaml from "js-yaml";
import { isRecord } from "./kube";

/** The application id of the AKS Entra server every managed-Entra cluster accepts tokens for (Azure/kubelogin docs/book/src/concepts/aks.md). */
export const AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
/**
 * kubelogin's login mode written into the kubeconfig. kubelogin's AAD_LOGIN_METHOD
 * environment variable overrides it at run time (Azure/kubelogin
 * pkg/internal/token/options.go, UpdateFromEnv), so one kubeconfig serves a person
 * (`az login`) and a CI runner (`AAD_LOGIN_METHOD=workloadidentity`).
 */
export const KUBELOGIN_DEFAULT_MODE = "azurecli";
export const KUBELOGIN_USER = "kubeflow-azure-entra";

/**
 * Rewrites a kubeconfig so every context authenticates with kubelogin. Throws when the
 * input has no cluster: that is never a kubeconfig AKS returns.
 */
export function entraKubeconfig(kubeconfig: string): string {
    const doc = yaml.load(kubeconfig);
    if (!isRecord(doc) || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
        throw new Error("the AKS user kubeconfig has no cluster entry");
    }
    const contexts = Array.isArray(doc.contexts) ? doc.contexts.filter(isRecord) : [];
    const rewritten = {
        apiVersion: "v1",
        kind: "Config",
        clusters: doc.clusters,
        contexts: contexts.map((c) => ({ ...c, context: { ...(isRecord(c.context) ? c.context : {}), user: KUBELOGIN_USER } })),
        "current-context": doc["current-context"],
        preferences: {},
        users: [
            {
                name: KUBELOGIN_USER,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "kubelogin",
                        args: ["get-token", "--login", KUBELOGIN_DEFAULT_MODE, "--server-id", AKS_SERVER_APP_ID],
                        env: null,
                        interactiveMode: "IfAvailable",
                        provideClusterInfo: false,
                        installHint: "kubelogin is needed for clusters without local accounts: `az aks install-cli` installs it beside kubectl",
                    },
                },
            },
        ],
    };
    return yaml.dump(rewritten, { lineWidth: -1, noRefs: true });
}
