import { loadConfig } from "./config";
import { deploy } from "./program";

// Validation happens here, before any resource is registered.
const { outputs } = deploy(loadConfig());

export const kubeflowUrl = outputs.kubeflowUrl;
export const hostname = outputs.hostname;
export const ingressIp = outputs.ingressIp;
export const resourceGroupName = outputs.resourceGroupName;
export const clusterName = outputs.clusterName;
export const kubeconfig = outputs.kubeconfig;
export const oidcClientId = outputs.oidcClientId;
export const oidcIssuerUrl = outputs.oidcIssuerUrl;
export const tenantId = outputs.tenantId;
export const kubeflowRelease = outputs.kubeflowRelease;
export const clusterOidcIssuerUrl = outputs.clusterOidcIssuerUrl;
