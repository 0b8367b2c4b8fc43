import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { toYamlText } from "../manifests/parse";
import { AuthPlan, bindAuthservice } from "../manifests/authservice";
import { renamedObjects } from "./renamed-objects";
import { versionAliases } from "./version-aliases";

export interface AuthserviceArgs {
    /** What to deploy, decided before any resource (planAuthservice). */
    readonly plan: AuthPlan;
    /** Directory (tenant) id of the Entra tenant. */
    readonly tenantId: pulumi.Input<string>;
    /** Application (client) id of the Entra app registration. */
    readonly clientId: pulumi.Input<string>;
    /** Entra client secret (a Pulumi secret Output); required exactly when the plan's credential is a client secret. */
    readonly clientSecret?: pulumi.Input<string>;
    /**
     * The cluster's OIDC issuer (`AksCluster.oidcIssuerUrl`): on oauth2-proxy releases the
     * gateway accepts its service account tokens for automationAudience(hostname); absent,
     * it accepts none. Refused on oidc-authservice releases, whose authservice reviews such
     * tokens itself.
     */
    readonly clusterIssuer?: pulumi.Input<string>;
    /** The cluster provider; every child uses it explicitly. */
    readonly provider: k8s.Provider;
    /** The platform's resources (namespaces, istiod Ready for sidecar injection); everything here waits on them. */
    readonly after: readonly pulumi.Resource[];
}

/** Pod template annotation with a digest of the credentials and settings: a rotation rolls the pods. */
export const SECRET_CHECKSUM_ANNOTATION = "kubeflow-azure/authservice-secret-checksum";
export { ACME_EXEMPT_ANNOTATION } from "../manifests/authservice";

/**
 * The release's authservice signed in through Microsoft Entra ID: the rewritten
 * upstream objects in one yaml/v2 group, and the credential Secret they read, with a
 * cookie secret generated once per stack.
 */
export class Authservice extends pulumi.ComponentResource {
    /** The session cookie name of this flavour (README / KFP SDK). */
    public readonly sessionCookieName: string;

    constructor(name: string, args: AuthserviceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeflow-azure:kubeflow:Authservice", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        const plan = args.plan;
        const ref = plan.secret;
        this.sessionCookieName = plan.sessionCookieName;

        if (args.clusterIssuer !== undefined && plan.flavour !== "oauth2-proxy") {
            throw new Error(
                `authservice ${name}: a cluster issuer was given, but only the gateway of oauth2-proxy releases trusts one (${plan.flavour} reviews service account tokens itself)`,
            );
        }
        if ((plan.credential.kind === "client-secret") !== (args.clientSecret !== undefined)) {
            throw new Error(
                `authservice ${name}: the release's ${plan.flavour} authenticates with ${plan.credential.kind === "client-secret" ? "a client secret, and none was given" : "workload identity, and a client secret was given"}`,
            );
        }

        // oauth2-proxy base64-decodes a cookie secret only when the result is 16, 24 or 32
        // bytes, else takes it raw: 32 alphanumerics decode to 24 bytes (AES-192). A
        // RandomBytes.base64 value would not do: standard base64 has + and /, which its
        // URL-safe decoder refuses, and the 44 raw characters are no AES key length.
        const cookieSecret =
            ref.keys.cookieSecret !== undefined
                ? new random.RandomPassword(`${name}-cookie-secret`, { length: 32, special: false }, { parent: this }).result
                : undefined;
        const entries: Array<[string, pulumi.Input<string>]> = [[ref.keys.clientId, args.clientId]];
        if (ref.keys.clientSecret !== undefined && args.clientSecret !== undefined) {
            entries.push([ref.keys.clientSecret, args.clientSecret]);
        }
        if (ref.keys.cookieSecret !== undefined && cookieSecret) {
            entries.push([ref.keys.cookieSecret, cookieSecret]);
        }
        const values = entries.map(([, v]) => v);

        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: { name: ref.name, namespace: ref.namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                type: "Opaque",
                stringData: pulumi.secret(pulumi.all(values).apply((vs) => Object.fromEntries(entries.map(([k], i) => [k, vs[i]])))),
            },
            { ...childOpts, dependsOn: [...args.after], deleteBeforeReplace: true },
        );

        // A digest of a secret is not the secret; left marked secret it would hide the
        // whole configuration from every preview and diff.
        const checksum = pulumi.unsecret(
            pulumi
                .all([args.tenantId, ...values])
                .apply((inputs) => digest([plan.flavour, plan.hostname, plan.userIdClaim, ref.name, ref.namespace, ...entries.map(([k]) => k), ...inputs])),
        );
        // The plan did the rewrite; only the ids, outputs of the app and the cluster, go in here.
        const yaml = pulumi
            .all([args.tenantId, args.clientId, checksum, args.clusterIssuer])
            .apply(([tenantId, clientId, sum, clusterIssuer]) =>
                toYamlText(bindAuthservice(plan, { tenantId, clientId, clusterIssuer }, { [SECRET_CHECKSUM_ANNOTATION]: sum })),
            );

        // A fixed prefix, like the platform's: the children's names never follow the group's.
        new k8s.yaml.v2.ConfigGroup(
            `${name}-objects`,
            { yaml, resourcePrefix: name },
            { ...childOpts, dependsOn: [...args.after, secret], transforms: [versionAliases, renamedObjects] },
        );
        this.registerOutputs({ sessionCookieName: this.sessionCookieName });
    }
}

function digest(parts: readonly string[]): string {
    const hash = createHash("sha256");
    for (const p of parts) {
        // Length-prefixed, so that no two different lists hash alike.
        hash.update(`${p.length}:${p}\n`);
    }
    return hash.digest("hex").slice(0, 32);
}
