/** The checks on the edge settings and on the objects built from them. */
import { isIP } from "node:net";
import type { EdgeSettings } from "./edge";
import { validateObjects } from "./schemas";
import { KubeObject, Problem } from "./types";
import { isDnsName, isEmailAddress } from "./validators";

const AZURE_RESOURCE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$/;
const AZURE_RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/u;

/** Every problem with the edge settings, each naming `${prefix}.<field>`, the value and the rule. */
export function validateEdgeSettings(settings: EdgeSettings, prefix = "edge"): Problem[] {
    const problems: Problem[] = [];
    const add = (field: string, value: unknown, rule: string): void => {
        problems.push({ where: `${prefix}.${field}`, value: JSON.stringify(value ?? null), rule });
    };
    const { hostname, publicIp, publicIpName, publicIpResourceGroup, issuer, acmeEmail, acmeServer } = settings;

    if (isIP(hostname) !== 0) {
        add("hostname", hostname, "must be a DNS name, not an IP address (the sign-in redirect URI and the certificate need a name)");
    } else if (!isDnsName(hostname)) {
        add("hostname", hostname, "must be a lower-case DNS name (labels of a-z, 0-9 and '-', at most 63 characters each, 253 in all)");
    } else if (!hostname.includes(".")) {
        add("hostname", hostname, "must be fully qualified (e.g. <label>.<region>.cloudapp.azure.com)");
    }
    if (isIP(publicIp) === 0) {
        add("publicIp", publicIp, "must be an IP address");
    }
    if (!AZURE_RESOURCE_NAME.test(publicIpName)) {
        add("publicIpName", publicIpName, "must be an Azure resource name: 1-80 of letters, digits, '.', '-', '_', starting with a letter or digit");
    }
    if (!AZURE_RESOURCE_GROUP.test(publicIpResourceGroup)) {
        add(
            "publicIpResourceGroup",
            publicIpResourceGroup,
            "must be an Azure resource group name: 1-90 of letters, digits, '.', '-', '_', '(', ')', not ending in '.'",
        );
    }
    if (issuer !== "self-signed" && issuer !== "letsencrypt") {
        add("issuer", issuer, "must be 'self-signed' or 'letsencrypt'");
    }
    if (issuer === "letsencrypt") {
        if (acmeEmail === undefined || acmeEmail.length === 0) {
            add("acmeEmail", acmeEmail, "is required with issuer 'letsencrypt' (ACME account contact for expiry notices)");
        } else if (!isEmailAddress(acmeEmail)) {
            add("acmeEmail", acmeEmail, "must be an e-mail address");
        }
        if (acmeServer !== undefined && !/^https:\/\/\S+$/.test(acmeServer)) {
            add("acmeServer", acmeServer, "must be an https:// ACME directory URL");
        }
    }
    return problems;
}

/**
 * Validates each object against its published schema (Kubernetes, Istio,
 * cert-manager) and throws one error listing every problem.
 */
export function validateEdgeObjects(objs: readonly KubeObject[]): Promise<void> {
    return validateObjects(objs, "edge");
}
