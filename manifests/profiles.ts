/**
 * Kubeflow Profiles from configuration: the validation of the `profiles` key, and the
 * objects each profile becomes (the Profile, what the access management service
 * creates for each contributor (manifests/kfam.ts), the PodDefaults of the namespace).
 * Pure: no Pulumi.
 *
 * What the profile controller does by itself is left to it (kubeflow/kubeflow
 * components/profile-controller/controllers/profile_controller.go, v1.10.0): it
 * creates the namespace, the owner's `namespaceAdmin` RoleBinding to kubeflow-admin,
 * the `ns-owner-access-istio` AuthorizationPolicy, the default-editor/default-viewer
 * service accounts and, from spec.resourceQuotaSpec, the `kf-resource-quota`
 * ResourceQuota. Contributors are not part of a Profile's spec: the dashboard adds them
 * through kfam, whose objects are mirrored here.
 */
import { isRecord } from "./kube";
import { SPOT_TAINT, GPU_TAINT, Toleration, tolerationOf } from "./compute";
import { KubeObject, Problem, dependsOnRef, formatProblems } from "./types";
import { contributorBindingName, contributorObjects, readKfamSettings } from "./kfam";
import { isDnsLabel, isGuid, isUserId } from "./validators";
import { WAIT_FOR } from "./platform";

export { CONTRIBUTOR_CLUSTER_ROLE, CONTRIBUTOR_ROLE, KfamSettings, contributorBindingName, contributorObjects, readKfamSettings } from "./kfam";

export interface ProfileConfig {
    /** The profile's name, which is also its namespace. */
    readonly name: string;
    /** User id of the owner (the value of the kubeflow-userid header for that user). */
    readonly owner: string;
    /** User ids that get what the dashboard's "add contributor" grants. */
    readonly contributors: readonly string[];
    /** Hard limits of the namespace's ResourceQuota: resource name to quantity. */
    readonly resourceQuota: Readonly<Record<string, string>>;
}

const PROFILE_FIELDS = ["name", "owner", "contributors", "resourceQuota"] as const;

/** The quantity pattern of the Profile CRD's resourceQuotaSpec.hard (the Kubernetes quantity grammar), without a sign: a quota is never negative. */
const QUANTITY = /^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** A quota resource name: a Kubernetes qualified name (`cpu`, `requests.nvidia.com/gpu`, `count/deployments.apps`). */
const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Namespaces of the platform, of Kubernetes and of AKS that a profile may never take. */
export const SYSTEM_NAMESPACES: readonly string[] = ["default", "kubeflow", "kubeflow-system", "istio-system", "cert-manager", "auth", "oauth2-proxy"];
export const SYSTEM_NAMESPACE_PREFIXES: readonly string[] = ["kube-", "knative-"];

/**
 * Reads and checks the `profiles` value (already parsed from JSON); `key` is the full
 * config key, used in every problem. Every problem is reported, none stops the others.
 */
export function validateProfiles(raw: unknown, key: string, byObjectId = false): { profiles: ProfileConfig[]; problems: Problem[] } {
    const problems: Problem[] = [];
    const bad = (where: string, value: unknown, rule: string): void => {
        problems.push({ where, value: show(value), rule });
    };
    if (!Array.isArray(raw)) {
        bad(key, raw, `a list of { name, owner, contributors?, resourceQuota? }, e.g. \`pulumi config set --path '${key}[0].name' team-a\``);
        return { profiles: [], problems };
    }
    const profiles: ProfileConfig[] = [];
    const firstByName = new Map<string, number>();
    raw.forEach((entry: unknown, i) => {
        const at = `${key}[${i}]`;
        if (!isRecord(entry)) {
            bad(at, entry, "an object { name, owner, contributors?, resourceQuota? }");
            return;
        }
        for (const field of Object.keys(entry)) {
            if (!(PROFILE_FIELDS as readonly string[]).includes(field)) {
                bad(`${at}.${field}`, entry[field], `unknown field; known fields: ${PROFILE_FIELDS.join(", ")}`);
            }
        }
        const name = entry.name;
        if (typeof name !== "string" || !isDnsLabel(name)) {
            bad(`${at}.name`, name, "a DNS label (the namespace): at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit");
        } else if (isSystemNamespace(name)) {
            bad(
                `${at}.name`,
                name,
                `a system namespace; not one of ${SYSTEM_NAMESPACES.join(", ")} or ${SYSTEM_NAMESPACE_PREFIXES.map((p) => `${p}*`).join(", ")}`,
            );
        } else if (firstByName.has(name)) {
            bad(`${at}.name`, name, `duplicate: ${key}[${firstByName.get(name)}] has the same name`);
        } else {
            firstByName.set(name, i);
        }

        const owner = entry.owner;
        const ownerOk = checkUserId(`${at}.owner`, owner, bad, byObjectId);

        const contributors: string[] = [];
        if (entry.contributors !== undefined && !Array.isArray(entry.contributors)) {
            bad(`${at}.contributors`, entry.contributors, "a list of user ids");
        }
        const seen = new Map<string, string>();
        (Array.isArray(entry.contributors) ? entry.contributors : []).forEach((c: unknown, j) => {
            const where = `${at}.contributors[${j}]`;
            if (!checkUserId(where, c, bad, byObjectId)) {
                return;
            }
            if (ownerOk && c === owner) {
                bad(where, c, "the owner is repeated as a contributor; the owner already administers the namespace");
                return;
            }
            const binding = contributorBindingName(c);
            const earlier = seen.get(binding);
            if (earlier !== undefined) {
                bad(
                    where,
                    c,
                    earlier === c
                        ? "listed twice"
                        : `maps to the same binding name ${binding} as ${JSON.stringify(earlier)} (the dashboard keeps one binding per name)`,
                );
                return;
            }
            if (binding.length > 253) {
                bad(where, c, `its binding name ${binding} is longer than 253 characters`);
                return;
            }
            seen.set(binding, c);
            contributors.push(byObjectId && isGuid(c) ? c.toLowerCase() : c);
        });

        const resourceQuota = entry.resourceQuota === undefined ? {} : readResourceQuota(`${at}.resourceQuota`, entry.resourceQuota, bad);
        if (typeof name === "string" && typeof owner === "string") {
            profiles.push({ name, owner: byObjectId && isGuid(owner) ? owner.toLowerCase() : owner, contributors, resourceQuota });
        }
    });
    return { profiles: problems.length > 0 ? [] : profiles, problems };
}

/** A `hard` map of a ResourceQuota from configuration; every problem reported through `bad`, the good entries returned. */
export function readResourceQuota(at: string, raw: unknown, bad: (where: string, value: unknown, rule: string) => void): Record<string, string> {
    const resourceQuota: Record<string, string> = {};
    if (!isRecord(raw)) {
        bad(at, raw, 'a map of resource names to quantities, e.g. { "requests.cpu": "8", "requests.memory": "32Gi" }');
        return resourceQuota;
    }
    for (const [resource, quantity] of Object.entries(raw)) {
        const where = `${at}.${resource}`;
        if (!RESOURCE_NAME.test(resource) || resource.length > 253) {
            bad(where, resource, "a resource name such as cpu, requests.memory, requests.nvidia.com/gpu or count/deployments.apps");
            continue;
        }
        // `pulumi config set --path` stores a bare number as a number.
        const text = typeof quantity === "number" && Number.isFinite(quantity) ? String(quantity) : quantity;
        if (typeof text !== "string" || !QUANTITY.test(text)) {
            bad(where, quantity, "a non-negative Kubernetes quantity such as 4, 500m, 32Gi or 1e3");
            continue;
        }
        resourceQuota[resource] = text;
    }
    return resourceQuota;
}

function checkUserId(where: string, value: unknown, bad: (where: string, value: unknown, rule: string) => void, byObjectId: boolean): value is string {
    if (typeof value === "string" && byObjectId && isGuid(value)) {
        return true;
    }
    if (typeof value !== "string" || !isUserId(value)) {
        bad(
            where,
            value,
            byObjectId
                ? "a user principal name (local@domain, resolved to the user's object id at deploy time) or an object id (a GUID)"
                : "a user id of the form local@domain (a UPN or an e-mail address, as the sign-in claim carries it)",
        );
        return false;
    }
    return true;
}

export function isSystemNamespace(name: string): boolean {
    return SYSTEM_NAMESPACES.includes(name) || SYSTEM_NAMESPACE_PREFIXES.some((p) => name.startsWith(p));
}

function show(value: unknown): string {
    return value === undefined ? "(unset)" : (JSON.stringify(value) ?? "(not representable)");
}

// ---------------------------------------------------------------------------
// Builders

/** The Profile; the owner subject as the release's own example profile writes it. */
export function profileObject(p: ProfileConfig): KubeObject {
    const spec: Record<string, unknown> = { owner: { kind: "User", name: p.owner } };
    if (Object.keys(p.resourceQuota).length > 0) {
        spec.resourceQuotaSpec = { hard: { ...p.resourceQuota } };
    }
    // v1: the storage version of the CRD in every supported render (v1beta1 is served too).
    return { apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name: p.name, annotations: { [WAIT_FOR]: PROFILE_RECONCILED } }, spec };
}

/**
 * What the provider awaits on a Profile before the objects in its namespace are sent:
 * the profile controller's finalizer. The controller creates the namespace, its Istio
 * policy, the default-editor and default-viewer accounts and bindings, the owner's
 * `namespaceAdmin` binding and the quota, and adds `profile-finalizer` only after all of
 * them succeeded; it writes no success condition, its only status write being a
 * `Failed` condition (kubeflow/kubeflow components/profile-controller/controllers/
 * profile_controller.go, Reconcile, the same from v1.7.0 to v1.10.0, the controllers the
 * six releases pin; finalizer name at L57 of v1.10.0). Without the wait, the contributor
 * bindings would race the controller for the namespace and rely on the provider's retry
 * of a NotFound create (pulumi-kubernetes v4.32.0 provider/pkg/await/await.go Creation).
 * The filter form `[?@=="..."]` is the provider's JSONPath (provider/pkg/jsonpath).
 */
export const PROFILE_RECONCILED = 'jsonpath={.metadata.finalizers[?@=="profile-finalizer"]}';

export interface ComputeOptions {
    /** A GPU pool exists (tainted with GPU_TAINT). */
    readonly gpu: boolean;
    /** The GPU pool is spot, so its nodes carry the spot taint as well. */
    readonly gpuSpot?: boolean;
    /** The user pool is spot. */
    readonly spot: boolean;
}

/** The label a pod (a notebook, a pipeline step) carries to select a PodDefault. */
export const GPU_SELECTOR_LABEL = "gpu";
export const SPOT_SELECTOR_LABEL = "spot";

/**
 * The PodDefaults (kubeflow.org/v1alpha1, the only version of the CRD in every
 * supported render) of a profile namespace. The notebook form offers each under its
 * `desc` and sets the first key of its selector's matchLabels to "true"
 * (components/crud-web-apps/jupyter/backend/apps/common/routes/get.py and form.py,
 * v1.10.0). A PodDefault can carry tolerations but no resources: the PodDefaultSpec
 * (components/admission-webhook/pkg/apis/settings/v1alpha1/poddefault_types.go and the
 * CRD schema of the renders) has no such field, so the GPU count comes from the
 * notebook form's GPU field or the pipeline step's accelerator limit.
 */
export function podDefaults(namespace: string, compute: ComputeOptions): KubeObject[] {
    const out: KubeObject[] = [];
    const podDefault = (name: string, label: string, desc: string, tolerations: Toleration[]): KubeObject => ({
        apiVersion: "kubeflow.org/v1alpha1",
        kind: "PodDefault",
        metadata: { name, namespace },
        spec: { desc, selector: { matchLabels: { [label]: "true" } }, tolerations },
    });
    if (compute.gpu) {
        const tolerations = [tolerationOf(GPU_TAINT), ...(compute.gpuSpot ? [tolerationOf(SPOT_TAINT)] : [])];
        out.push(podDefault("gpu", GPU_SELECTOR_LABEL, "Allow GPU nodes (request the GPUs too)", tolerations));
    }
    if (compute.spot) {
        out.push(podDefault("spot", SPOT_SELECTOR_LABEL, "Allow spot nodes (may be evicted)", [tolerationOf(SPOT_TAINT)]));
    }
    return out;
}

// ---------------------------------------------------------------------------
// The plan

export interface ProfilesPlan {
    /** Profiles first; the namespaced objects of each wait on their Profile (depends-on). */
    readonly objects: readonly KubeObject[];
    /**
     * With `userIdClaim: oid`: the user principal names of the configuration, to resolve to
     * object ids at deploy time, and the objects for those ids (`objects` names the users
     * as configured, for a plan without a directory to ask).
     */
    readonly byObjectId?: {
        readonly userPrincipalNames: readonly string[];
        readonly objectsFor: (objectIds: ReadonlyMap<string, string>) => KubeObject[];
    };
}

/** yaml/v2's in-group ordering annotation. */
export const DEPENDS_ON = "config.kubernetes.io/depends-on";

/**
 * Every object of every profile, checked against the release it joins: a profile may
 * not take a namespace the render creates or puts objects in. Throws with every
 * problem before anything exists. `objects` is the release as it will be deployed.
 */
export function planProfiles(
    profiles: readonly ProfileConfig[],
    objects: readonly KubeObject[],
    compute: ComputeOptions,
    key = "kubeflow-azure:profiles",
    byObjectId = false,
): ProfilesPlan {
    if (profiles.length === 0) {
        return { objects: [] };
    }
    const taken = new Set<string>();
    for (const o of objects) {
        if (o.kind === "Namespace" && o.apiVersion === "v1") {
            taken.add(o.metadata.name);
        }
        if (o.metadata.namespace) {
            taken.add(o.metadata.namespace);
        }
    }
    const problems: Problem[] = profiles.flatMap((p, i) =>
        taken.has(p.name)
            ? [{ where: `${key}[${i}].name`, value: JSON.stringify(p.name), rule: "a namespace of the Kubeflow release; choose another name" }]
            : [],
    );
    if (problems.length > 0) {
        throw new Error(formatProblems(`${problems.length} configuration problem(s); nothing was created:`, problems));
    }
    const kfam = readKfamSettings(objects);
    const build = (users: readonly ProfileConfig[]): KubeObject[] => {
        const out: KubeObject[] = [];
        for (const p of users) {
            const profile = profileObject(p);
            const ref = dependsOnRef(profile);
            const inNamespace = [...p.contributors.flatMap((c) => contributorObjects(p.name, c, kfam)), ...podDefaults(p.name, compute)].map((o) => ({
                ...o,
                metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [DEPENDS_ON]: ref } },
            }));
            out.push(profile, ...inNamespace);
        }
        return out;
    };
    const names = byObjectId ? [...new Set(profiles.flatMap((p) => [p.owner, ...p.contributors]).filter((u) => !isGuid(u)))].sort() : [];
    if (names.length === 0) {
        return { objects: build(profiles) };
    }
    return {
        objects: build(profiles),
        byObjectId: {
            userPrincipalNames: names,
            objectsFor: (ids) => {
                const missing = names.filter((n) => !isGuid(ids.get(n) ?? ""));
                if (missing.length > 0) {
                    throw new Error(`${key}: no object id for ${missing.join(", ")}: each must be the user principal name of a user of the tenant`);
                }
                const id = (u: string): string => (ids.get(u) ?? u).toLowerCase();
                return build(profiles.map((p) => ({ ...p, owner: id(p.owner), contributors: p.contributors.map(id) })));
            },
        },
    };
}
