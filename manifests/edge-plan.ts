/**
 * What the IstioGateway component deploys, decided before any resource exists: the
 * handed-over Gateway and Service, and the settings known then. The public IP's fields
 * are outputs of the public endpoint; those known here are checked at once, the others
 * when they resolve (the component checks them again with every setting).
 */
import { EdgeSettings, GATEWAY_NAME, GATEWAY_NAMESPACE, INGRESS_NAMESPACE, INGRESS_SERVICE_NAME, validateEdgeSettings } from "./edge";
import { KubeObject, Problem, formatProblems } from "./types";

/** Where the settings' problems are reported: `edge.hostname`, `edge.acmeEmail` (from `tls.email`), ... */
export const EDGE_PROBLEM_PREFIX = "edge";

export interface EdgeTls {
    readonly issuer: EdgeSettings["issuer"];
    /** ACME account e-mail, required for letsencrypt. */
    readonly email?: string;
}

/** The public IP's fields, each when it is already known. */
export type KnownPublicIp = Partial<Pick<EdgeSettings, "publicIp" | "publicIpName" | "publicIpResourceGroup">>;

export interface EdgePlanInput extends KnownPublicIp {
    /** Upstream objects handed over by the platform (selected by isEdgeObject): the kubeflow-gateway Gateway and istio-ingressgateway Service. */
    readonly handed: readonly KubeObject[];
    /** Public DNS name served on port 443 and named by the certificate. */
    readonly hostname: string;
    /** Certificate issuer and, for letsencrypt, the ACME account e-mail. */
    readonly tls: EdgeTls;
}

export interface EdgePlan {
    readonly gateway: KubeObject;
    readonly service: KubeObject;
    readonly hostname: string;
    readonly tls: EdgeTls;
}

/** Throws with every problem of the hand-over and the known settings. */
export function planEdge(input: EdgePlanInput): EdgePlan {
    const problems: Problem[] = [];
    const pick = (kind: string, key: string): KubeObject | undefined => {
        const found = input.handed.filter((o) => o.kind === kind);
        if (found.length !== 1) {
            problems.push({ where: `handed ${kind}`, value: `${found.length} found`, rule: `exactly one ${key} must be handed over by the platform` });
        }
        return found[0];
    };
    const gateway = pick("Gateway", `${GATEWAY_NAMESPACE}/${GATEWAY_NAME}`);
    const service = pick("Service", `${INGRESS_NAMESPACE}/${INGRESS_SERVICE_NAME}`);
    problems.push(...knownSettingsProblems({ hostname: input.hostname, tls: input.tls }, input));
    if (problems.length > 0 || !gateway || !service) {
        throw edgeError(problems);
    }
    return { gateway, service, hostname: input.hostname, tls: input.tls };
}

/** The settings the plan and the public IP's resolved fields make. */
export function edgeSettings(
    plan: Pick<EdgePlan, "hostname" | "tls">,
    ip: Pick<EdgeSettings, "publicIp" | "publicIpName" | "publicIpResourceGroup">,
): EdgeSettings {
    return {
        hostname: plan.hostname,
        ...ip,
        issuer: plan.tls.issuer,
        ...(plan.tls.email !== undefined ? { acmeEmail: plan.tls.email } : {}),
    };
}

/** The problems of the settings, leaving out the public IP's fields that are not known yet. */
export function knownSettingsProblems(plan: Pick<EdgePlan, "hostname" | "tls">, ip: KnownPublicIp): Problem[] {
    const pending = new Set<string>();
    const known = (value: string | undefined, field: keyof KnownPublicIp, standIn: string): string => {
        if (value !== undefined) {
            return value;
        }
        pending.add(`${EDGE_PROBLEM_PREFIX}.${field}`);
        return standIn;
    };
    // Stand-ins that pass validation for the fields not known yet; their problems are dropped anyway.
    const settings = edgeSettings(plan, {
        publicIp: known(ip.publicIp, "publicIp", "192.0.2.1"),
        publicIpName: known(ip.publicIpName, "publicIpName", "pending"),
        publicIpResourceGroup: known(ip.publicIpResourceGroup, "publicIpResourceGroup", "pending"),
    });
    return validateEdgeSettings(settings, EDGE_PROBLEM_PREFIX).filter((p) => !pending.has(p.where));
}

export function edgeError(problems: readonly Problem[]): Error {
    return new Error(formatProblems(`the HTTPS edge cannot be built (${problems.length} problem(s))`, problems));
}
