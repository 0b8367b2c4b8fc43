/**
 * All pure work on the configuration and the render, once, before any resource exists:
 * what each component deploys, as a typed plan, or one error naming every problem. The
 * components only turn these plans into resources (program.ts).
 */
import { Config, StateMode, clientSecretEndDate } from "./config";
import type { RenderedRelease } from "./components/release-source";
import { AuthPlan, allowSessionRefresh, isAuthserviceObject, mitigateLargeTokens, planAuthservice } from "./manifests/authservice";
import { acmeCatchAllDenial, isEdgeObject } from "./manifests/edge";
import { EdgePlan, planEdge } from "./manifests/edge-plan";
import { PlatformPlan, planPlatform } from "./manifests/platform";
import { rolloutOnConfigChange } from "./manifests/upgrades/config-rollout";
import { ProfilesPlan, planProfiles } from "./manifests/profiles";
import { prepareRelease, validateRequired } from "./manifests/transforms";
import { dropExampleProfile, exampleUserProblems } from "./manifests/transforms/example-profile";
import { setRegistrationFlow } from "./manifests/transforms/registration-flow";
import { setDashboardLogout } from "./manifests/transforms/dashboard-logout";
import { moveToServedVersions } from "./manifests/transforms/served-versions";
import { keepDroppedVersions } from "./manifests/upgrades/stored-versions";
import { dropAggregatedRules } from "./manifests/transforms/aggregated-roles";
import { ADMISSION_POLICY_SINCE, dashboardCreateDenials, kfamUsername, profileCreationPolicy } from "./manifests/authorization/profile-creation";
import { selfServiceQuotaObjects } from "./manifests/authorization/self-service-quota";
import { isolateArtifacts } from "./manifests/authorization/artifact-isolation";
import { pipelineUiApiOnly } from "./manifests/authorization/pipeline-ui";
import { secureCookies } from "./manifests/authservice/secure-cookies";
import { findRelease, kubernetesMinor } from "./manifests/catalog";
import { ArtifactMigration, artifactMigration } from "./manifests/upgrades/artifacts";
import { ExternalSecret, useManagedDatabase, useManagedObjectStore } from "./manifests/transforms/managed-state";
import { KubeObject, formatProblems } from "./manifests/types";

/**
 * How the Entra app proves the authservice's identity, decided by the release's
 * authservice image: a client secret (its end date checked here) or a federated
 * credential for the pods' service account.
 */
export type CredentialPlan =
    { readonly kind: "client-secret"; readonly endDate: string; readonly rotation: string } | { readonly kind: "workload-identity"; readonly subject: string };

/** Where the state lives; with managed state, the Secrets the component fills from Azure's outputs. */
export type StatePlan =
    { readonly mode: "in-cluster" } | { readonly mode: "managed"; readonly secrets: readonly ExternalSecret[]; readonly setup: readonly KubeObject[] };

export interface DeploymentPlan {
    readonly release: RenderedRelease["release"];
    /** The release's objects the platform applies, in phases. */
    readonly platform: PlatformPlan;
    /** Credential objects the platform applies apart from the big groups (secrets out of ConfigMaps). */
    readonly platformCredentials: readonly KubeObject[];
    readonly auth: AuthPlan;
    readonly edge: EdgePlan;
    readonly credentials: CredentialPlan;
    readonly profiles: ProfilesPlan;
    /** The copy of the pipelines' artifacts when the stack crosses from MinIO to SeaweedFS, else undefined. */
    readonly artifacts: ArtifactMigration | undefined;
    readonly state: StatePlan;
}

export interface PlanOptions {
    /** The release the stack runs now (its last `kubeflowRelease` output), undefined on a first deploy. */
    readonly deployedRelease?: string;
    /** Where the stack keeps its state now (its last `state` output), undefined on a first deploy. */
    readonly deployedState?: StateMode;
    /** With managed state deployed, its network's range (components/deployed-release.ts). */
    readonly deployedStateAddressSpace?: string;
    readonly now?: Date;
}

/** The components' resource names that the plan must know: the authservice's Secret is named after its component. */
export function authserviceName(cfg: Pick<Config, "name">): string {
    return `${cfg.name}-auth`;
}

/**
 * Without self-service: the admission policy that refuses kfam's Profiles where the
 * cluster serves such policies, and Istio's refusal of the dashboard's create call on
 * every cluster. With it: the CronJob that gives self-made Profiles the default quota.
 */
function profileCreationGuard(cfg: Config, objects: readonly KubeObject[]): KubeObject[] {
    if (cfg.selfService) {
        // Self-made namespaces get the configured default quota.
        return selfServiceQuotaObjects(
            cfg.selfServiceQuota,
            cfg.profiles.map((p) => p.name),
        );
    }
    const minor = kubernetesMinor(cfg.kubernetesVersion);
    const kfam = kfamUsername(objects);
    const admission = !kfam || minor === undefined || minor < ADMISSION_POLICY_SINCE ? [] : profileCreationPolicy(kfam);
    return [...admission, ...dashboardCreateDenials(objects)];
}

export function planDeployment(cfg: Config, rendered: RenderedRelease, options: PlanOptions = {}): DeploymentPlan {
    const now = options.now ?? new Date();
    const release = rendered.release;
    // A render that lacks what the program needs, or that would keep dex or a default
    // credential, fails here; what follows builds on it.
    validateRequired(rendered.objects, release, rendered.origin);
    // Every object at a version the cluster serves, or the release/version pair refused.
    const served = moveToServedVersions(rendered.objects, cfg.kubernetesVersion, release.id);
    if (served.problems.length > 0) {
        throw new Error(formatProblems(`Kubeflow ${release.id} on Kubernetes ${cfg.kubernetesVersion}: nothing was created:`, served.problems));
    }
    const flavour = release.authservice;
    refuseStateSwitch(cfg.state.mode, options.deployedState);
    if (cfg.state.mode === "managed") {
        refuseNetworkMove(cfg.state.network.addressSpace, options.deployedStateAddressSpace);
    }
    // The configured profiles replace the release's example one; the dashboard's flag
    // is set before the hand-over, so whichever component deploys the dashboard has it.
    // "Log out" ends the Entra session too. The dashboard is a platform object, built
    // before any Output exists: an unconfigured tenant id signs out through `common`.
    const released = [
        // MinIO releases: each profile namespace its own object-store key and prefix.
        ...isolateArtifacts(
            setDashboardLogout(
                // A CRD keeps, unserved, a version an older release stored objects at, and an
                // aggregated ClusterRole leaves its rules to the aggregation controller (upgrades).
                setRegistrationFlow(dropExampleProfile(keepDroppedVersions(dropAggregatedRules(served.objects))), cfg.selfService),
                flavour,
                cfg.tenantId ?? "common",
                cfg.hostname,
            ),
        ),
        // Without self-service, the API server refuses kfam's Profiles (config.ts warns below 1.30).
        ...profileCreationGuard(cfg, served.objects),
        // The pipelines UI reads any artifact with its own key: inside the cluster, its API only.
        ...pipelineUiApiOnly(served.objects),
        // v1.7/v1.8: the oidc-authservice's cookies get Secure (and SameSite) at the gateway.
        ...(flavour === "oidc-authservice" ? secureCookies(served.objects) : []),
        // The challenge path skips sign-in: outside a challenge the dashboard refuses it.
        ...(cfg.tls.issuer === "letsencrypt" ? acmeCatchAllDenial(served.objects) : []),
    ];
    // Managed state: the databases and the artifacts in Azure services the stack owns.
    const managed = cfg.state.mode === "managed" ? useManagedObjectStore(useManagedDatabase(released, { mysqlHost: cfg.state.mysqlHost })) : undefined;
    const prepared = prepareRelease(managed?.objects ?? released, {
        owners: {
            authservice: (o) => isAuthserviceObject(o, flavour),
            edge: isEdgeObject,
        },
    });
    const handed = prepared.handedOver;
    const deployed = [...prepared.objects, ...handed.authservice, ...handed.edge, ...prepared.credentials];

    // The steps below are independent of each other: each one's problems are reported together.
    const failures: string[] = [];
    const attempt = <T>(step: () => T): T | undefined => {
        try {
            return step();
        } catch (err) {
            failures.push(err instanceof Error ? err.message : String(err));
            return undefined;
        }
    };
    // Pods restart when what they read from the plan changes (ConfigMaps update in place).
    const platform = attempt(() => planPlatform(rolloutOnConfigChange(allowSessionRefresh(mitigateLargeTokens(prepared.objects), flavour))));
    attempt(() => {
        const exampleUser = exampleUserProblems(deployed);
        if (exampleUser.length > 0) {
            throw new Error(formatProblems(`${exampleUser.length} deployed object(s) name the release's example user`, exampleUser));
        }
    });
    const profiles = attempt(() =>
        planProfiles(
            cfg.profiles,
            deployed,
            { gpu: cfg.gpuPool !== undefined, gpuSpot: cfg.gpuPool?.spot ?? false, spot: cfg.userPool.spot },
            undefined,
            cfg.userIdClaim === "oid",
        ),
    );
    const auth = attempt(() =>
        planAuthservice({
            flavour,
            handed: handed.authservice,
            hostname: cfg.hostname,
            userIdClaim: cfg.userIdClaim,
            secretName: `${authserviceName(cfg)}-entra`,
            acmeChallengeExempt: cfg.tls.issuer === "letsencrypt",
        }),
    );
    const credentials =
        auth &&
        attempt((): CredentialPlan =>
            auth.credential.kind === "workload-identity"
                ? auth.credential
                : { kind: "client-secret", endDate: clientSecretEndDate(cfg.clientSecret, now), rotation: cfg.clientSecret.rotation },
        );
    // The public IP's fields are outputs of the address: the component checks them when they resolve.
    const edge = attempt(() => planEdge({ handed: handed.edge, hostname: cfg.hostname, tls: cfg.tls }));
    // Crossing from MinIO to SeaweedFS, the artifacts are copied before MinIO goes.
    const previous = options.deployedRelease === undefined ? undefined : findRelease(options.deployedRelease);
    const artifacts = attempt(() => artifactMigration(previous, release, [...prepared.objects, ...prepared.credentials]));

    if (failures.length > 0 || !platform || !profiles || !auth || !credentials || !edge) {
        throw new Error(failures.length === 1 ? failures[0] : `${failures.length} problems before any resource:\n\n${failures.join("\n\n")}`);
    }
    const state: StatePlan = managed ? { mode: "managed", secrets: managed.secrets, setup: managed.setup } : { mode: "in-cluster" };
    return { release, platform, platformCredentials: prepared.credentials, auth, edge, credentials, profiles, artifacts, state };
}

/** An update refused before anything changes: one configuration key, its value, and the rule with the way back. */
function refusedUpdate(title: string, key: string, value: string, rule: string): Error {
    return new Error(formatProblems(`${title}; nothing was changed:`, [{ where: `kubeflow-azure:${key}`, value: JSON.stringify(value), rule }]));
}

/**
 * A stack keeps its state where it is: moving it between the cluster and Azure's
 * services means moving the data, which no update does. Refused before anything changes.
 */
export function refuseStateSwitch(configured: StateMode, deployed: StateMode | undefined): void {
    if (deployed === undefined || deployed === configured) {
        return;
    }
    throw refusedUpdate(
        "the stack's state cannot move in an update",
        "state.mode",
        configured,
        `this stack keeps its state ${deployed === "managed" ? "in Azure Database for MySQL and Blob Storage (managed)" : "in the cluster (in-cluster)"}, ` +
            `and an update does not move the data. Set state.mode back to ${deployed}, ` +
            "or deploy a new stack with the other mode and move the data yourself (README: Managed state, Moving an existing stack)",
    );
}

/**
 * A managed stack keeps its network's range: Azure changes the range of no subnet that
 * holds something (the nodes, the server's delegation, the private endpoint), and moves no
 * private-access MySQL server to another subnet. Refused before anything changes, with the
 * way back.
 */
export function refuseNetworkMove(configured: string, deployed: string | undefined): void {
    if (deployed === undefined || deployed === configured) {
        return;
    }
    throw refusedUpdate(
        "the managed state's network cannot change its range in an update",
        "state.addressSpace",
        configured,
        `this stack's nodes, MySQL server and storage endpoint are in ${deployed}, and Azure moves no subnet that is in use. ` +
            `Set state.addressSpace back to ${deployed}, or deploy a new stack in the new range and move the data (README: Managed state, Moving an existing stack)`,
    );
}
