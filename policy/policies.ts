/**
 * The rules of rules.ts as @pulumi/policy policies, all mandatory. Kept apart from
 * index.ts because constructing the PolicyPack starts the analyzer server: the tests
 * import this module and call the policies directly.
 */
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    DEFAULT_MIN_BACKUP_DAYS,
    RESOURCE_RULES,
    ResourceRule,
    StackResource,
    StackViolation,
    managedStateBackupsInProd,
    protectInProd,
    restrictedSignInInProd,
} from "./rules";

const DESCRIPTIONS: Readonly<Record<string, string>> = {
    "kubeflow-gateway-https-redirect": "The Kubeflow gateway (kubeflow/kubeflow-gateway) redirects HTTP to HTTPS and serves port 443 with TLS mode SIMPLE.",
    "only-ingress-gateway-load-balancer": "No Service of type LoadBalancer except istio-system/istio-ingressgateway.",
    "no-credential-in-configmap": "No credential (published default, password hash, private key, JWT, value under a credential key) in a ConfigMap.",
    "aks-rbac-and-workload-identity": "The AKS cluster has Kubernetes RBAC, workload identity and the OIDC issuer enabled.",
    "no-shared-object-store-key": "The pipelines' profile controller copies no object-store key from a Secret into the profile namespaces.",
};

function resourcePolicy(name: string, rule: ResourceRule): ResourceValidationPolicy {
    return {
        name,
        description: DESCRIPTIONS[name] ?? name,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            for (const message of rule({ type: args.type, props: args.props })) {
                reportViolation(message);
            }
        },
    };
}

/** Policy config of protect-in-prod: the stack names that are production. */
export interface ProtectConfig {
    prodStacks?: string[];
}

export const DEFAULT_PROD_STACKS: readonly string[] = ["prod"];

type ProdStackRule = (resources: readonly StackResource[], settings: { stack: string; prodStacks: readonly string[] }) => StackViolation[];

/**
 * A stack rule that applies to production stacks, with the `prodStacks` config every such
 * policy takes. The rules need the stack name, which the policy arguments do not carry:
 * the CLI hands it to the pack's process (PULUMI_NODEJS_STACK, read by
 * pulumi.getStack()), so index.ts passes a getter in.
 */
function prodStackPolicy(name: string, description: string, rule: ProdStackRule, stackName: () => string): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                prodStacks: { type: "array", items: { type: "string" }, default: [...DEFAULT_PROD_STACKS] },
            },
        },
        validateStack: (args, reportViolation) => {
            const prodStacks = args.getConfig<ProtectConfig>().prodStacks ?? DEFAULT_PROD_STACKS;
            const resources = args.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, protect: r.opts.protect, props: r.props }));
            for (const v of rule(resources, { stack: stackName(), prodStacks })) {
                reportViolation(v.message, v.urn);
            }
        },
    };
}

export function protectPolicy(stackName: () => string): StackValidationPolicy {
    return prodStackPolicy(
        "protect-in-prod",
        "In a production stack, the AKS cluster, the resource groups, the Entra application and the static public IP are protected.",
        protectInProd,
        stackName,
    );
}

/** restricted-sign-in-in-prod: the same prodStacks config as protect-in-prod. */
export function restrictedSignInPolicy(stackName: () => string): StackValidationPolicy {
    return prodStackPolicy(
        "restricted-sign-in-in-prod",
        "In a production stack, only members of assigned Entra groups may sign in (kubeflow-azure:allowedGroupIds).",
        restrictedSignInInProd,
        stackName,
    );
}

/** Policy config of managed-state-backups-in-prod: the production stacks and the fewest days of backups. */
export interface BackupsConfig extends ProtectConfig {
    minBackupRetentionDays?: number;
}

/** managed-state-backups-in-prod: prodStacks as the others, and the fewest days of backups. */
export function managedStateBackupsPolicy(stackName: () => string): StackValidationPolicy {
    return {
        name: "managed-state-backups-in-prod",
        description:
            "In a production stack, managed state is backed up: the MySQL server keeps automated backups, the artifacts' storage account keeps versions and soft-deleted blobs and containers, each for at least minBackupRetentionDays.",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                prodStacks: { type: "array", items: { type: "string" }, default: [...DEFAULT_PROD_STACKS] },
                minBackupRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: DEFAULT_MIN_BACKUP_DAYS },
            },
        },
        validateStack: (args, reportViolation) => {
            const config = args.getConfig<BackupsConfig>();
            const resources = args.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, protect: r.opts.protect, props: r.props }));
            const settings = { stack: stackName(), prodStacks: config.prodStacks ?? DEFAULT_PROD_STACKS, minDays: config.minBackupRetentionDays };
            for (const v of managedStateBackupsInProd(resources, settings)) {
                reportViolation(v.message, v.urn);
            }
        },
    };
}

/** Every policy of the pack. */
export function kubeflowAzurePolicies(stackName: () => string): Policies {
    return [
        ...Object.entries(RESOURCE_RULES).map(([name, rule]) => resourcePolicy(name, rule)),
        protectPolicy(stackName),
        restrictedSignInPolicy(stackName),
        managedStateBackupsPolicy(stackName),
    ];
}
