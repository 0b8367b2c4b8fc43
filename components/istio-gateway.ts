import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    TLS_SECRET_NAME,
    buildAcmeObjects,
    buildCertificate,
    buildGateway,
    buildHstsFilter,
    buildIngressService,
    validateEdgeObjects,
    validateEdgeSettings,
} from "../manifests/edge";
import { EDGE_PROBLEM_PREFIX, EdgePlan, edgeError, edgeSettings, knownSettingsProblems } from "../manifests/edge-plan";
import { KubeObject } from "../manifests/types";
import { toYamlText } from "../manifests/parse";
import { versionAliases } from "./version-aliases";

export interface IstioGatewayArgs {
    /** What to deploy, decided before any resource (planEdge). */
    readonly plan: EdgePlan;
    /** The static public IP address (the self-signed certificate's IP SAN). */
    readonly publicIp: pulumi.Input<string>;
    /** Azure resource name of the static public IP the load balancer binds. */
    readonly publicIpName: pulumi.Input<string>;
    /** Resource group holding that public IP. */
    readonly publicIpResourceGroup: pulumi.Input<string>;
    /** The cluster provider: every child uses it explicitly. */
    readonly provider: k8s.Provider;
    /** The platform's resources (Istio CRDs, istiod, cert-manager webhook Ready); everything here waits on them. */
    readonly after: readonly pulumi.Resource[];
    /** The cluster identity's Network Contributor role assignment; the LoadBalancer Service waits on it. */
    readonly networkRole: pulumi.Resource;
}

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
        // The public IP's fields known now are checked before super(): invalid input must
        // fail before any resource, this component included, is registered.
        const plan = args.plan;
        const problems = knownSettingsProblems(plan, {
            publicIp: known(args.publicIp),
            publicIpName: known(args.publicIpName),
            publicIpResourceGroup: known(args.publicIpResourceGroup),
        });
        if (problems.length > 0) {
            throw edgeError(problems);
        }
        super("kubeflow-azure:kubeflow:IstioGateway", name, {}, opts);

        const built: pulumi.Output<EdgeObjects> = pulumi
            .all([args.publicIp, args.publicIpName, args.publicIpResourceGroup])
            .apply(async ([publicIp, publicIpName, publicIpResourceGroup]) => {
                const settings = edgeSettings(plan, { publicIp, publicIpName, publicIpResourceGroup });
                const resolved = validateEdgeSettings(settings, EDGE_PROBLEM_PREFIX);
                if (resolved.length > 0) {
                    throw edgeError(resolved);
                }
                const objects: EdgeObjects = {
                    gateway: [buildGateway(plan.gateway, settings), buildHstsFilter(plan.gateway)],
                    service: buildIngressService(plan.service, settings),
                    // The issuer first: cert-manager would otherwise report the certificate
                    // as waiting for a missing issuer until the next resync.
                    certificate: [...buildAcmeObjects(settings), buildCertificate(settings)],
                };
                await validateEdgeObjects([...objects.gateway, objects.service, ...objects.certificate]);
                return objects;
            });

        const after = [...args.after];
        const group = (suffix: string, objects: pulumi.Output<readonly KubeObject[]>, dependsOn: pulumi.Resource[]): k8s.yaml.v2.ConfigGroup =>
            new k8s.yaml.v2.ConfigGroup(
                `${name}-${suffix}`,
                {
                    yaml: objects.apply(toYamlText),
                    // One prefix for the three groups (as for the platform's phases): an object
                    // moved to another group keeps its URN.
                    resourcePrefix: name,
                },
                { parent: this, provider: args.provider, dependsOn, transforms: [versionAliases] },
            );

        const gateway = group(
            "gateway",
            built.apply((b) => b.gateway),
            after,
        );
        const service = group(
            "service",
            built.apply((b) => [b.service]),
            [...after, args.networkRole],
        );
        const certificate = group(
            "certificate",
            built.apply((b) => b.certificate),
            after,
        );

        this.certificateSecretName = TLS_SECRET_NAME;
        this.ready = [gateway, service, certificate];
        this.registerOutputs({ certificateSecretName: this.certificateSecretName });
    }
}

/** A plain value now, or undefined while it is an output. */
function known(value: pulumi.Input<string>): string | undefined {
    return typeof value === "string" ? value : undefined;
}
