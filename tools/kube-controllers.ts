/**
 * What controllers would do on a real cluster, done by hand on the bare API server of
 * tools/kube-server.ts, each as its source says and no more. Nothing here decides
 * whether the server accepts something: these write only what the controller writes,
 * so that what the program sends next meets the state it would meet on AKS.
 *
 * - The Kubeflow profile controller (kubeflow/kubeflow
 *   components/profile-controller/controllers/profile_controller.go, Reconcile; the same
 *   in v1.7.0, v1.8.0, v1.9.2 and v1.10.0, the controllers the six releases pin):
 *   for a Profile, the namespace (owner annotation, `istio-injection` label), the
 *   `default-editor` and `default-viewer` ServiceAccounts bound to `kubeflow-edit` and
 *   `kubeflow-view`, the owner's `namespaceAdmin` RoleBinding to `kubeflow-admin`, the
 *   `kf-resource-quota` ResourceQuota when the Profile has one, and last the
 *   `profile-finalizer` finalizer. Its Istio AuthorizationPolicy is left out: Istio's
 *   policies decide nothing on this server.
 * - kube-controller-manager's clusterrole-aggregation controller
 *   (kubernetes/kubernetes pkg/controller/clusterroleaggregation): a ClusterRole with an
 *   aggregationRule gets, in selector order and by name, the rules of every other
 *   ClusterRole its selectors match, exact duplicates once; repeated until nothing
 *   changes, as the controller's requeue on every ClusterRole change does.
 */
import * as k8s from "@kubernetes/client-node";
import { isRecord } from "../manifests/kube";
import { KubeObject } from "../manifests/types";
import { ServerSideApplier } from "./kube-apply";

const RBAC = "rbac.authorization.k8s.io";

/** The profile controller's own field manager name, so its fields are not the program's. */
const PROFILE_CONTROLLER = "profile-controller";
const AGGREGATION_CONTROLLER = "clusterrole-aggregation-controller";

/** profile_controller.go constants (v1.10.0 L57-75). */
export const PROFILE_FINALIZER = "profile-finalizer";
export const OWNER_BINDING = "namespaceAdmin";

/** The objects the profile controller creates for a Profile, in its order (the finalizer apart). */
export function profileControllerObjects(profile: KubeObject): KubeObject[] {
    const ns = profile.metadata.name;
    const spec = isRecord(profile.spec) ? profile.spec : {};
    const owner = isRecord(spec.owner) ? spec.owner : {};
    const ownerName = typeof owner.name === "string" ? owner.name : "";
    const account = (name: string, clusterRole: string): KubeObject[] => [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: ns } },
        {
            apiVersion: `${RBAC}/v1`,
            kind: "RoleBinding",
            metadata: { name, namespace: ns },
            roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: clusterRole },
            subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
        },
    ];
    const quota = isRecord(spec.resourceQuotaSpec) && isRecord(spec.resourceQuotaSpec.hard) ? spec.resourceQuotaSpec : undefined;
    return [
        {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: ns, annotations: { owner: ownerName }, labels: { "istio-injection": "enabled" } },
        },
        ...account("default-editor", "kubeflow-edit"),
        ...account("default-viewer", "kubeflow-view"),
        {
            apiVersion: `${RBAC}/v1`,
            kind: "RoleBinding",
            metadata: { name: OWNER_BINDING, namespace: ns, annotations: { user: ownerName, role: "admin" } },
            roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "kubeflow-admin" },
            // The controller copies spec.owner verbatim (an rbacv1.Subject).
            subjects: [{ ...owner }],
        },
        ...(quota ? [{ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "kf-resource-quota", namespace: ns }, spec: quota }] : []),
    ];
}

/** The profile controller, acting a moment after a Profile is accepted, as a controller would. */
export class ProfileController {
    private readonly pending: Promise<void>[] = [];
    readonly errors: string[] = [];
    private readonly applier: ServerSideApplier;

    constructor(
        config: k8s.KubeConfig,
        private readonly delayMs = 300,
    ) {
        this.applier = new ServerSideApplier(config, PROFILE_CONTROLLER);
    }

    /** The apply's afterAccepted hook: a Profile is reconciled later, everything else ignored. */
    readonly observe = (o: KubeObject): Promise<void> => {
        if (o.kind === "Profile" && o.apiVersion.startsWith("kubeflow.org/")) {
            this.pending.push(
                new Promise((resolve) => setTimeout(resolve, this.delayMs))
                    .then(() => this.reconcile(o))
                    .catch((e: unknown) => {
                        this.errors.push(`${o.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
                    }),
            );
        }
        return Promise.resolve();
    };

    /** Resolves when every reconcile started so far is done. */
    async settle(): Promise<void> {
        await Promise.all(this.pending);
    }

    private async reconcile(profile: KubeObject): Promise<void> {
        for (const o of profileControllerObjects(profile)) {
            await this.applier.apply(o);
        }
        const client = this.applier.client;
        const live = await client.read({ apiVersion: profile.apiVersion, kind: profile.kind, metadata: { name: profile.metadata.name } });
        const finalizers = live.metadata?.finalizers ?? [];
        if (!finalizers.includes(PROFILE_FINALIZER)) {
            // The controller's r.Update of the Profile with the finalizer appended.
            await client.replace({ ...live, metadata: { ...live.metadata, finalizers: [...finalizers, PROFILE_FINALIZER] } });
        }
    }
}

/** The rules a ClusterRole with an aggregationRule gets from the others (the controller's syncClusterRole). */
export function aggregatedRules(role: k8s.V1ClusterRole, all: readonly k8s.V1ClusterRole[]): k8s.V1PolicyRule[] {
    const rules: k8s.V1PolicyRule[] = [];
    for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
        const wanted = Object.entries(selector.matchLabels ?? {});
        const matching = all
            .filter((r) => r.metadata?.name !== role.metadata?.name)
            .filter((r) => wanted.every(([k, v]) => r.metadata?.labels?.[k] === v))
            .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
        if ((selector.matchExpressions ?? []).length > 0) {
            throw new Error(`ClusterRole ${role.metadata?.name}: matchExpressions in an aggregation selector are not emulated`);
        }
        for (const r of matching) {
            for (const rule of r.rules ?? []) {
                if (!rules.some((have) => JSON.stringify(have) === JSON.stringify(rule))) {
                    rules.push(rule);
                }
            }
        }
    }
    return rules;
}

/** Fills every aggregated ClusterRole until a pass changes nothing; returns the passes it took. */
export async function aggregateClusterRoles(config: k8s.KubeConfig): Promise<number> {
    const rbac = config.makeApiClient(k8s.RbacAuthorizationV1Api);
    for (let pass = 1; pass <= 10; pass++) {
        const all = (await rbac.listClusterRole()).items;
        let changed = false;
        for (const role of all.filter((r) => r.aggregationRule)) {
            const rules = aggregatedRules(role, all);
            if (JSON.stringify(rules) !== JSON.stringify(role.rules ?? [])) {
                await rbac.replaceClusterRole({ name: role.metadata?.name ?? "", body: { ...role, rules }, fieldManager: AGGREGATION_CONTROLLER });
                changed = true;
            }
        }
        if (!changed) {
            return pass;
        }
    }
    throw new Error("ClusterRole aggregation did not settle in 10 passes");
}
