import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { TlsConfig } from "../config";
import {
    EdgeSettings,
    GATEWAY_NAME,
    GATEWAY_NAMESPACE,
    INGRESS_NAMESPACE,
    INGRESS_SERVICE_NAME,
    TLS_SECRET_NAME,
    buildAcmeObjects,
    buildCertificate,
    buildGateway,
    buildHstsFilter,
    buildIngressService,
    validateEdgeObjects,
    validateEdgeSettings,
} from "../manifests/edge";
import { KubeObject, Problem, formatProblems } from "../manifests/types";
import { toYamlText } from "../manifests/parse";
import { versionAliases } from "./version-aliases";

export interface IstioGatewayArgs {
    /** Upstream objects handed over by the platform (selected by isEdgeObject): the kubeflow-gateway Gateway and istio-ingressgateway Service. */
    readonly handed: readonly KubeObject[];
    /** Public DNS name served on port 443 and named by the certificate. */
    readonly hostname: string;
    /** The static public IP address (the self-signed certificate's IP SAN). */
    readonly publicIp: pulumi.Input<string>;
    /** Azure resource name of the static public IP the load balancer binds. */
    readonly publicIpName: pulumi.Input<string>;
    /** Resource group holding that public IP. */
    readonly publicIpResourceGroup: pulumi.Input<string>;
    /** Certificate issuer and, for letsencrypt, the ACME account e-mail. */
    readonly tls: TlsConfig;
    /** The cluster provider: every child uses it explicitly. */
    readonly provider: k8s.Provider;
    /** The platform's resources (Istio CRDs, istiod, cert-manager webhook Ready); everything here waits on them. */
    readonly after: readonly pulumi.Resource[];
    /** The cluster identity's Network Contributor role assignment; the LoadBalancer Service waits on it. */
    readonly networkRole: pulumi.Resource;
}

/** Where the settings' problems are reported: `edge.hostname`, `edge.acmeEmail` (from `tls.email`), ... */
const PREFIX = "edge";

interface EdgeObjects {
    /** The Gateway and the EnvoyFilter that adds HSTS to its HTTPS answers. */
    readonly gateway: readonly KubeObject[];
    readonly service: KubeObject;
    /** The Certificate, preceded by the ACME ClusterIssuer for letsencrypt. */
    readonly certificate: readonly KubeObject[];
}

/**
 * The HTTPS edge: the Kubeflow gateway with the redirect and the TLS
 * server, the ingress gateway as an Azure LoadBalancer on the static IP, and the
 * cert-manager certificate (with its ACME ClusterIssuer for Let's Encrypt).
 *
 * The IP, its name and its resource group are outputs of the public endpoint, so the
 * objects are built inside an apply and handed to yaml/v2 ConfigGroups as text (JSON,
 * which is YAML). Three groups, so that each waits on exactly what it needs: the
 * Service also on the role that lets the cloud provider bind the IP.
 */
export class IstioGateway extends pulumi.ComponentResource {
    /** The Secret (istio-system) holding the served certificate; ca.crt is the CA to trust when self-signed. */
    public readonly certificateSecretName: string;
    /** The groups that apply the edge; whatever needs the edge in place waits on them. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: IstioGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before super(): invalid input must fail before any resource, this
        // component included, is registered.
        const upstream = checkedInputs(args);
        super("kubeflow-azure:kubeflow:IstioGateway", name, {}, opts);

        const built: pulumi.Output<EdgeObjects> = pulumi
            .all([args.publicIp, args.publicIpName, args.publicIpResourceGroup])
            .apply(async ([publicIp, publicIpName, publicIpResourceGroup]) => {
                const settings = edgeSettings(args, { publicIp, publicIpName, publicIpResourceGroup });
                throwOnProblems(validateEdgeSettings(settings, PREFIX));
                const objects: EdgeObjects = {
                    gateway: [buildGateway(upstream.gateway, settings), buildHstsFilter(upstream.gateway)],
                    service: buildIngressService(upstream.service, settings),
                    // The issuer first: cert-manager would otherwise report the certificate
                    // as waiting for a missing issuer until the next resync.
                    certificate: [...buildAcmeObjects(settings), buildCertificate(settings)],
                };
                await validateEdgeObjects([...objects.gateway, objects.service, ...objects.certificate]);
                return objects;
            });

        const after = [...args.after];
        const group = (suffix: string, objects: pulumi.Output<readonly KubeObject[]>, dependsOn: pulumi.Resource[]): k8s.yaml.v2.ConfigGroup =>
            new k8s.yaml.v2.ConfigGroup(`${name}-${suffix}`, {
                yaml: objects.apply(toYamlText),
                // One prefix for the three groups (as for the platform's phases): an object
                // moved to another group keeps its URN.
                resourcePrefix: name,
            }, { parent: this, provider: args.provider, dependsOn, transforms: [versionAliases] });

        const gateway = group("gateway", built.apply((b) => b.gateway), after);
        const service = group("service", built.apply((b) => [b.service]), [...after, args.networkRole]);
        const certificate = group("certificate", built.apply((b) => b.certificate), after);

        this.certificateSecretName = TLS_SECRET_NAME;
        this.ready = [gateway, service, certificate];
        this.registerOutputs({ certificateSecretName: this.certificateSecretName });
    }
}

/**
 * The component's checks of what is known before deployment, for callers that must
 * fail before registering anything at all; the constructor runs the same checks.
 */
export function checkEdge(args: Pick<IstioGatewayArgs, "handed" | "hostname" | "tls" | "publicIp" | "publicIpName" | "publicIpResourceGroup">): void {
    checkedInputs(args);
}

/**
 * Every problem with what is known before deployment: the hand-over and the settings
 * that are plain values (the IP fields are checked once their outputs resolve).
 */
function checkedInputs(args: Pick<IstioGatewayArgs, "handed" | "hostname" | "tls" | "publicIp" | "publicIpName" | "publicIpResourceGroup">): { gateway: KubeObject; service: KubeObject } {
    const problems: Problem[] = [];
    const pick = (kind: string, key: string): KubeObject | undefined => {
        const found = args.handed.filter((o) => o.kind === kind);
        if (found.length !== 1) {
            problems.push({ where: `handed ${kind}`, value: `${found.length} found`, rule: `exactly one ${key} must be handed over by the platform` });
        }
        return found[0];
    };
    const gateway = pick("Gateway", `${GATEWAY_NAMESPACE}/${GATEWAY_NAME}`);
    const service = pick("Service", `${INGRESS_NAMESPACE}/${INGRESS_SERVICE_NAME}`);

    const unknownFields = new Set<string>();
    const known = (value: pulumi.Input<string>, field: string): string | undefined => {
        if (typeof value === "string") {
            return value;
        }
        unknownFields.add(`${PREFIX}.${field}`);
        return undefined;
    };
    // Stand-ins that pass validation for the fields that are outputs; filtered out below anyway.
    const settings = edgeSettings(args, {
        publicIp: known(args.publicIp, "publicIp") ?? "192.0.2.1",
        publicIpName: known(args.publicIpName, "publicIpName") ?? "pending",
        publicIpResourceGroup: known(args.publicIpResourceGroup, "publicIpResourceGroup") ?? "pending",
    });
    problems.push(...validateEdgeSettings(settings, PREFIX).filter((p) => !unknownFields.has(p.where)));
    throwOnProblems(problems);
    if (!gateway || !service) {
        throw new Error("unreachable: a missing Gateway or Service is a problem reported above");
    }
    return { gateway, service };
}

function edgeSettings(args: Pick<IstioGatewayArgs, "hostname" | "tls">, ip: Pick<EdgeSettings, "publicIp" | "publicIpName" | "publicIpResourceGroup">): EdgeSettings {
    return {
        hostname: args.hostname,
        ...ip,
        issuer: args.tls.issuer,
        ...(args.tls.email !== undefined ? { acmeEmail: args.tls.email } : {}),
    };
}

function throwOnProblems(problems: readonly Problem[]): void {
    if (problems.length > 0) {
        throw new Error(formatProblems(`the HTTPS edge cannot be built (${problems.length} problem(s))`, problems));
    }
}


