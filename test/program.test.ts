import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { MOCK, Mocks, RecordedResource, SECRET_PLAINTEXTS, installMocks, isSecretOutput, isSecretValue, plaintextLeaks, promiseOf } from "./mocks";
import { CONTEXT, stackConfig, templateValues } from "./stack-files";
import { miniRelease } from "./fixtures/mini-release";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";
import { stackSuffix } from "../config";
import { effectiveSettings, meshExtensionProviders } from "./support/authservice-readback";
import { runProgram } from "./support/program-run";

// Mocks first: the program's modules must see them when they load.
let mocks: Mocks;
let program: typeof import("../program");
let config: typeof import("../config");
let authservice: typeof import("../manifests/authservice");
let outputs: typeof import("../outputs");
let aks: typeof import("../components/aks-cluster");
let entra: typeof import("../components/entra-app");

before(async () => {
    mocks = await installMocks();
    program = await import("../program");
    config = await import("../config");
    authservice = await import("../manifests/authservice");
    outputs = await import("../outputs");
    aks = await import("../components/aks-cluster");
    entra = await import("../components/entra-app");
});

/** The objects of a yaml/v2 group, as the program hands them over (JSON documents). */
function docs(r: RecordedResource): Record<string, unknown>[] {
    const text = isSecretValue(r.inputs.yaml) ? (r.inputs.yaml as { value: string }).value : r.inputs.yaml;
    return typeof text === "string"
        ? text
              .split("\n---\n")
              .filter(Boolean)
              .map((t) => JSON.parse(t) as Record<string, unknown>)
        : [];
}

function isRecordValue(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function run(stack: string, overrides: Record<string, unknown> = {}, rendered = miniRelease()): Promise<import("../program").Deployment> {
    return runProgram(mocks, { stack, overrides, rendered });
}

const T = {
    rg: "azure-native:resources:ResourceGroup",
    ip: "azure-native:network:PublicIPAddress",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    role: "azure-native:authorization:RoleAssignment",
    cluster: "azure-native:containerservice:ManagedCluster",
    app: "azuread:index/application:Application",
    sp: "azuread:index/servicePrincipal:ServicePrincipal",
    password: "azuread:index/applicationPassword:ApplicationPassword",
    groupAssignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
    federated: "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
    consent: "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant",
    k8sProvider: "pulumi:providers:kubernetes",
    pool: "azure-native:containerservice:AgentPool",
    maintenance: "azure-native:containerservice:MaintenanceConfiguration",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
} as const;

/** The host name the dev stack gets by default: its label carries the stack's suffix. */
const DEV_HOST = `kf-dev-${stackSuffix(CONTEXT, "dev")}.westeurope.cloudapp.azure.com`;

const input = <T = unknown>(r: RecordedResource, path: string): T =>
    path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], r.inputs) as T;

describe("the Azure graph (dev stack)", () => {
    let d: import("../program").Deployment;
    before(async () => {
        d = await run("dev");
    });

    it("creates a Standard static public IP with the DNS label in its own resource group", () => {
        const ip = mocks.one(T.ip);
        assert.equal(input(ip, "sku.name"), "Standard");
        assert.equal(input(ip, "publicIPAllocationMethod"), "Static");
        assert.equal(input(ip, "dnsSettings.domainNameLabel"), `kf-dev-${stackSuffix(CONTEXT, "dev")}`);
        assert.equal(input(ip, "location"), "westeurope");
        const endpointGroup = mocks.byUrn(ip.parent);
        assert.equal(endpointGroup?.type, "kubeflow-azure:azure:PublicEndpoint");
        assert.equal(mocks.ofType(T.rg).length, 2, "one group for the address, one for the cluster");
    });

    it("checks in config exactly the auto-named resources the program registers (their names carry azure-native's 8-digit suffix)", () => {
        const registered = new Set(mocks.resources.map((r) => r.name));
        const cfg = config.resolveConfig(stackConfig("dev"), "dev", CONTEXT);
        for (const derived of config.derivedAzureNames(cfg.name, cfg.nodeResourceGroup).filter((d) => d.key !== "node resource group")) {
            const logical = derived.value.slice(0, -8);
            assert.ok(registered.has(logical), `${derived.key}: no resource named ${logical}`);
        }
    });

    it("replaces the public IP delete-first, so the DNS label is free for its successor", () => {
        assert.equal(mocks.one(T.ip).deleteBeforeReplace, true);
    });

    it("registers the Entra app for this tenant with the authservice redirect URI and the post-logout return on the public host", () => {
        const app = mocks.one(T.app);
        assert.equal(input(app, "signInAudience"), "AzureADMyOrg");
        const hostname = DEV_HOST;
        assert.deepEqual(input(app, "web.redirectUris"), [`https://${hostname}/oauth2/callback`, `https://${hostname}/oauth2/sign_out`]);
        assert.deepEqual(input(app, "web.redirectUris"), [
            authservice.redirectUri("oauth2-proxy", hostname),
            authservice.postLogoutRedirectUri("oauth2-proxy", hostname),
        ]);
        assert.deepEqual(
            input(app, "optionalClaims.accessTokens"),
            [
                { name: "email", essential: false },
                { name: "idtyp", essential: false },
            ],
            "idtyp marks app-only tokens, which the gateway refuses",
        );
        assert.equal(input(app, "web.logoutUrl"), undefined, "no front-channel logout: the session cookie is not sent in Entra's hidden frame");
        assert.deepEqual(input(app, "groupMembershipClaims"), ["None"]);
        assert.deepEqual(input(app, "optionalClaims.idTokens"), [{ name: "email", essential: false }]);
        assert.equal(input(app, "api.requestedAccessTokenVersion"), 2);
        const access = input<{ resourceAppId: string; resourceAccesses: { id: string; type: string }[] }[]>(app, "requiredResourceAccesses");
        assert.equal(access.length, 1);
        assert.equal(access[0].resourceAppId, "00000003-0000-0000-c000-000000000000");
        assert.deepEqual(
            access[0].resourceAccesses.map((a) => a.type),
            ["Scope", "Scope", "Scope", "Scope", "Scope"],
        );
        // offline_access included: oauth2-proxy asks for it (Microsoft Graph permissions reference ids).
        assert.deepEqual(access[0].resourceAccesses.map((a) => a.id).sort(), [
            "14dad69e-099b-42c9-810b-d002981feec1",
            "37f7f235-527c-4136-accd-4a02d197296e",
            "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
            "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
            "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
        ]);
        assert.deepEqual(input(app, "owners"), [MOCK.deployerObjectId]);
        assert.deepEqual(input(mocks.one(T.sp), "owners"), [MOCK.deployerObjectId]);
    });

    it("declares among the Graph permissions every scope oauth2-proxy requests", () => {
        const group = mocks.one("kubernetes:yaml/v2:ConfigGroup", "kf-dev-auth-objects");
        const cfgMap = docs(group).find((o) => o.kind === "ConfigMap" && isRecordValue(o.data) && "oauth2_proxy.cfg" in o.data);
        const scope = /^scope = "([^"]*)"$/m.exec((cfgMap?.data as Record<string, string>)["oauth2_proxy.cfg"])?.[1] ?? "";
        const declared = new Map(Object.entries(entra.GRAPH_SCOPES));
        const access = input<{ resourceAccesses: { id: string }[] }[]>(mocks.one(T.app), "requiredResourceAccesses")[0].resourceAccesses.map((a) => a.id);
        for (const s of scope.split(" ")) {
            assert.ok(declared.has(s), `${s} has a Graph scope id`);
            assert.ok(access.includes(declared.get(s) as string), `${s} is declared on the app`);
        }
        assert.ok(scope.split(" ").includes("offline_access"));
    });

    it("keeps the API identifier and user_impersonation scope: the app ignores the properties their own resources manage", () => {
        assert.deepEqual([...mocks.one(T.app).ignoreChanges].sort(), ["api.oauth2PermissionScopes", "identifierUris"]);
    });

    it("creates the service principal, and on 26.03 no client secret but a federated credential for the oauth2-proxy service account", () => {
        const sp = mocks.one(T.sp);
        assert.equal(input(sp, "clientId"), MOCK.clientId);
        assert.equal(input(sp, "appRoleAssignmentRequired"), false, "unrestricted sign-in by default");
        assert.equal(mocks.ofType(T.groupAssignment).length, 0);
        assert.equal(mocks.ofType(T.consent).length, 0, "no consent grant needed without groups");
        assert.deepEqual(mocks.ofType(T.password), []);
        assert.equal(d.entraApp.clientSecret, undefined);
        const credential = mocks.one(T.federated);
        assert.equal(input(credential, "issuer"), MOCK.clusterOidcIssuer);
        assert.deepEqual(input(credential, "audiences"), ["api://AzureADTokenExchange"]);
        // The subject names exactly the service account the oauth2-proxy pods run as, annotated with the app's client id.
        const objects = docs(mocks.one("kubernetes:yaml/v2:ConfigGroup", "kf-dev-auth-objects"));
        const sa = objects.find((o) => o.kind === "ServiceAccount") as
            { metadata: { name: string; namespace: string; annotations: Record<string, string> } } | undefined;
        assert.ok(sa);
        assert.equal(input(credential, "subject"), `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`);
        assert.equal(sa.metadata.annotations["azure.workload.identity/client-id"], MOCK.clientId);
        const proxy = objects.find((o) => o.kind === "Deployment") as {
            spec: { template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string } } };
        };
        assert.equal(proxy.spec.template.spec.serviceAccountName, sa.metadata.name);
        assert.equal(proxy.spec.template.metadata.labels["azure.workload.identity/use"], "true");
        const secret = mocks.one("kubernetes:core/v1:Secret", "kf-dev-auth-secret");
        assert.deepEqual(Object.keys((secret.inputs.stringData as { value: Record<string, string> }).value).sort(), ["client-id", "cookie-secret"]);
    });

    it("grants the cluster identity Network Contributor on the public IP's resource group", () => {
        const identity = mocks.one(T.identity);
        const role = mocks.one(T.role, "network-contributor");
        assert.equal(input(role, "principalId"), "88888888-7777-6666-5555-444444444444");
        assert.equal(input(role, "principalType"), "ServicePrincipal");
        assert.match(input(role, "roleDefinitionId"), /\/roleDefinitions\/4d97b98b-1d4f-4787-a291-c67834d212e7$/);
        assert.match(input(role, "roleDefinitionId"), new RegExp(`^/subscriptions/${MOCK.subscriptionId}/`));
        const ipGroup = mocks.ofType(T.rg).find((g) => g.name.includes("endpoint"));
        assert.ok(ipGroup);
        assert.match(input(role, "scope"), /resourceGroups\/kf-dev-endpoint-rg/);
        assert.ok(role.dependencies.includes(identity.urn));
        assert.ok(role.dependencies.includes(ipGroup.urn));
    });

    it("creates the cluster with its identity, RBAC, Entra, OIDC issuer, workload identity, overlay and patch upgrades", () => {
        const c = mocks.one(T.cluster);
        const identity = mocks.one(T.identity);
        assert.equal(input(c, "identity.type"), "UserAssigned");
        assert.deepEqual(input(c, "identity.userAssignedIdentities"), [
            `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identity.name}9abc`,
        ]);
        assert.ok(c.dependencies.includes(identity.urn), "identity first");
        assert.equal(input(c, "enableRBAC"), true);
        assert.equal(input(c, "aadProfile.managed"), true);
        assert.equal(input(c, "aadProfile.tenantID"), MOCK.tenantId);
        assert.equal(input(c, "oidcIssuerProfile.enabled"), true);
        assert.equal(input(c, "securityProfile.workloadIdentity.enabled"), true);
        assert.equal(input(c, "networkProfile.networkPlugin"), "azure");
        assert.equal(input(c, "networkProfile.networkPluginMode"), "overlay");
        assert.equal(input(c, "autoUpgradeProfile.upgradeChannel"), "patch");
        assert.equal(input(c, "kubernetesVersion"), "1.34");
        assert.equal(input(c, "sku.tier"), "Free");
        // An empty list, not an absent profile: that clears ranges set before.
        assert.deepEqual(input(c, "apiServerAccessProfile"), { authorizedIPRanges: [] });
        assert.equal(input(c, "nodeResourceGroup"), `kf-dev-${stackSuffix(CONTEXT, "dev")}-nodes`);
        assert.equal(input(c, "disableLocalAccounts"), true, "no admin kubeconfig by default");
        const pools = input<Record<string, unknown>[]>(c, "agentPoolProfiles");
        assert.deepEqual(
            pools.map((p) => [p.name, p.mode]),
            [["system", "System"]],
            "only the system pool is inline",
        );
        assert.equal(pools[0].count, 2);
        assert.equal(pools[0].vmSize, "Standard_D4s_v5");
        assert.deepEqual(c.ignoreChanges, []);
        assert.equal(input(c, "tags.kubeflow-release"), undefined, "a release bump must not PUT the cluster");
    });

    it("makes the user pool its own AgentPool, regular in dev, autoscaled, named by its structural settings", () => {
        const pool = mocks.one(T.pool);
        const c = mocks.one(T.cluster);
        assert.ok(pool.dependencies.includes(c.urn));
        assert.equal(input(pool, "mode"), "User");
        assert.deepEqual([input(pool, "enableAutoScaling"), input(pool, "minCount"), input(pool, "maxCount")], [true, 0, 2]);
        assert.equal(input(pool, "scaleSetPriority"), undefined, "dev's default pool is regular");
        assert.match(input(pool, "agentPoolName"), /^user[0-9a-f]{8}$/);
        assert.equal(input(pool, "agentPoolName"), aks.poolName("user", { vmSize: "Standard_D8s_v5", minCount: 0, maxCount: 2, spot: false }, [], []));
        assert.deepEqual(pool.ignoreChanges, ["count"]);
    });

    it("schedules both auto-upgrade channels into the weekend maintenance window", () => {
        const windows = mocks.ofType(T.maintenance);
        assert.deepEqual(windows.map((w) => input(w, "configName")).sort(), ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]);
        for (const w of windows) {
            assert.deepEqual(input(w, "maintenanceWindow"), {
                schedule: { weekly: { dayOfWeek: "Saturday", intervalWeeks: 1 } },
                durationHours: 8,
                startTime: "00:00",
                utcOffset: "+00:00",
            });
        }
    });

    it("gives the deploying identity the AKS RBAC Cluster Admin role on the cluster, and the provider waits on it", () => {
        const role = mocks.one(T.role, "admin-deployer");
        assert.equal(input(role, "principalId"), MOCK.deployerObjectId);
        assert.match(input(role, "roleDefinitionId"), /\/roleDefinitions\/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/);
        assert.match(input(role, "scope"), /managedClusters\//);
        assert.ok(mocks.one(T.k8sProvider).dependencies.includes(role.urn));
    });

    it("never drops Kubernetes resources from the state when the API server is unreachable", () => {
        assert.equal(mocks.one(T.k8sProvider).inputs.deleteUnreachable, undefined);
    });

    it("updates ConfigMaps and Secrets in place: the provider's enableConfigMapMutable and enableSecretMutable are on", () => {
        const inputs = mocks.one(T.k8sProvider).inputs;
        // Provider inputs travel as the provider's config: a boolean may arrive as its JSON text.
        assert.equal(String(inputs.enableConfigMapMutable), "true");
        assert.equal(String(inputs.enableSecretMutable), "true");
    });

    it("keeps data volumes when a release drops them, with protect off (dev): every PersistentVolumeClaim has retainOnDelete and no protect", () => {
        const pvcs = mocks.ofType("kubernetes:core/v1:PersistentVolumeClaim");
        assert.ok(pvcs.length > 0);
        for (const p of pvcs) {
            assert.equal(p.retainOnDelete, true, p.name);
            // A protected resource the program stops declaring stops the update (pulumi step.go).
            assert.equal(p.protect, false, p.name);
        }
    });

    it("holds no cluster-admin credential: local accounts off, the provider and the kubeconfig output run kubelogin", async () => {
        assert.equal(input(mocks.one(T.cluster), "disableLocalAccounts"), true);
        const providers = mocks.ofType(T.k8sProvider);
        assert.equal(providers.length, 1);
        assert.ok(isSecretValue(providers[0].inputs.kubeconfig), "kubeconfig input is a secret");
        const kubeconfig = await promiseOf(d.outputs.kubeconfig);
        assert.match(kubeconfig, /command: kubelogin/);
        assert.doesNotMatch(kubeconfig, /mock-admin-token|client-key-data|token:/, "no credential in the output");
        const tokens = mocks.invokes.map((i) => i.token);
        assert.ok(!tokens.includes("azure-native:containerservice:listManagedClusterAdminCredentials"), "the admin kubeconfig is never read");
    });

    it("no Kubernetes resource falls back to the default provider", () => {
        const provider = mocks.one(T.k8sProvider);
        const kube = mocks.resources.filter((x) => x.type.startsWith("kubernetes:"));
        assert.ok(kube.length > 5, `${kube.length} Kubernetes resources`);
        for (const r of kube) {
            const ref = r.custom ? r.provider : r.provider || r.providers.kubernetes || "";
            assert.ok(ref.startsWith(`${provider.urn}::`), `${r.type} ${r.name} uses ${ref || "the default provider"}`);
        }
    });

    it("exports exactly the contract's outputs with their values", async () => {
        assert.deepEqual(Object.keys(d.outputs).sort(), [...outputs.OUTPUT_NAMES].sort());
        assert.equal(await promiseOf(d.outputs.kubeflowUrl), `https://${DEV_HOST}/`);
        assert.equal(await promiseOf(d.outputs.hostname), DEV_HOST);
        assert.equal(await promiseOf(d.outputs.ingressIp), MOCK.ipAddress);
        assert.equal(await promiseOf(d.outputs.oidcClientId), MOCK.clientId);
        assert.equal(await promiseOf(d.outputs.tenantId), MOCK.tenantId);
        assert.equal(await promiseOf(d.outputs.oidcIssuerUrl), `https://login.microsoftonline.com/${MOCK.tenantId}/v2.0`);
        assert.equal(await promiseOf(d.outputs.kubeflowRelease), "26.03");
        assert.equal(await promiseOf(d.outputs.clusterOidcIssuerUrl), MOCK.clusterOidcIssuer);
        assert.equal(await promiseOf(d.outputs.tlsIssuer), "self-signed");
        assert.match(await promiseOf(d.outputs.resourceGroupName), /^kf-dev-cluster-rg/);
        assert.match(await promiseOf(d.outputs.clusterName), /^kf-dev-cluster-aks/);
    });

    it("marks the secret outputs secret and only those", async () => {
        for (const name of outputs.OUTPUT_NAMES) {
            assert.equal(await isSecretOutput(d.outputs[name]), outputs.SECRET_OUTPUTS.includes(name), name);
        }
    });

    it("lets no secret reach a resource input in plaintext", () => {
        for (const r of mocks.resources) {
            assert.deepEqual(plaintextLeaks(r.inputs, SECRET_PLAINTEXTS), [], `${r.type} ${r.name}`);
        }
    });

    it("keeps the Entra app and the public endpoint independent of the cluster, and the cluster of the Entra app", () => {
        const cluster = mocks.one(T.cluster);
        const clusterSide = new Set([cluster.urn, mocks.one(T.identity).urn, mocks.one(T.k8sProvider).urn]);
        // The federated credential alone needs the cluster: its issuer.
        const federated = mocks.one(T.federated);
        assert.ok(mocks.transitiveDependencies(federated.urn).has(cluster.urn));
        const entraSide = mocks.resources.filter((r) => (r.type.startsWith("azuread:") || r.type.startsWith("random:")) && r.urn !== federated.urn);
        const endpointSide = [mocks.one(T.ip), ...mocks.ofType(T.rg).filter((g) => g.name.includes("endpoint"))];
        for (const r of [...entraSide, ...endpointSide]) {
            const deps = mocks.transitiveDependencies(r.urn);
            for (const c of clusterSide) {
                assert.ok(!deps.has(c), `${r.name} waits on ${c}`);
            }
        }
        const clusterDeps = mocks.transitiveDependencies(cluster.urn);
        for (const r of entraSide) {
            assert.ok(!clusterDeps.has(r.urn), `cluster waits on ${r.name}`);
        }
        // The one edge from the endpoint into the cluster side: the role on the IP's group.
        const role = mocks.one(T.role, "network-contributor");
        assert.ok(mocks.transitiveDependencies(role.urn).has(endpointSide[1].urn));
    });

    it("leaves the ACME challenge path behind sign-in with the self-signed issuer", () => {
        const group = mocks.one("kubernetes:yaml/v2:ConfigGroup", "kf-dev-auth-objects");
        assert.equal(typeof group.inputs.yaml, "string");
        assert.doesNotMatch(group.inputs.yaml as string, /acme-challenge/);
        assert.match(group.inputs.yaml as string, /oauth2_proxy\.cfg/);
    });

    it("deploys no GPU pool and no device plugin unless asked", () => {
        assert.equal(mocks.ofType(T.pool).length, 1);
        assert.equal(mocks.ofType(T.daemonSet).filter((r) => r.name.includes("nvidia")).length, 0);
    });

    it("protects nothing in dev", () => {
        assert.deepEqual(
            mocks.resources.filter((r) => r.protect).map((r) => r.name),
            [],
        );
    });

    it("answered every invoke the program made from the mocks", () => {
        assert.deepEqual([...new Set(mocks.invokes.map((i) => i.token))].sort(), [
            "azure-native:authorization:getClientConfig",
            "azure-native:containerservice:listManagedClusterUserCredentials",
            "azuread:index/getClientConfig:getClientConfig",
        ]);
    });
});

describe("GPU and spot pools, admin groups (dev stack with options)", () => {
    const GROUP = "0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e";
    let options: import("../program").Deployment;
    before(async () => {
        options = await run("dev", {
            "kubeflow-azure:gpuPool": { vmSize: "Standard_NC4as_T4_v3", maxCount: 2, spot: true },
            "kubeflow-azure:userPool": { vmSize: "Standard_D8s_v5", minCount: 0, maxCount: 2, spot: true },
            "kubeflow-azure:adminGroupIds": [GROUP],
            "kubeflow-azure:localAccounts": true,
        });
    });

    it("with localAccounts asked for, hands the provider and the kubeconfig output the admin kubeconfig, as a secret", async () => {
        assert.equal(input(mocks.one(T.cluster), "disableLocalAccounts"), false);
        const provider = mocks.one(T.k8sProvider);
        assert.ok(isSecretValue(provider.inputs.kubeconfig), "kubeconfig input is a secret");
        assert.equal(await promiseOf(options.outputs.kubeconfig), MOCK.kubeconfig);
        const credentials = mocks.invokes.filter((i) => i.token === "azure-native:containerservice:listManagedClusterAdminCredentials");
        assert.equal(credentials.length, 1);
    });

    it("adds a GPU AgentPool that scales from zero, tainted and labelled, besides the spot user pool", () => {
        const pools = mocks.ofType(T.pool);
        const gpu = pools.find((p) => p.name.endsWith("-gpu"));
        const user = pools.find((p) => p.name.endsWith("-user"));
        assert.ok(gpu && user);
        assert.equal(input(gpu, "vmSize"), "Standard_NC4as_T4_v3");
        assert.deepEqual([input(gpu, "enableAutoScaling"), input(gpu, "minCount"), input(gpu, "maxCount"), input(gpu, "count")], [true, 0, 2, 0]);
        assert.deepEqual(input(gpu, "nodeTaints"), ["sku=gpu:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]);
        assert.deepEqual(input(gpu, "nodeLabels"), { "kubeflow-azure/pool": "gpu" });
        assert.equal(input(gpu, "scaleSetPriority"), "Spot");
        assert.match(input(gpu, "agentPoolName"), /^gpu[0-9a-f]{9}$/);
        assert.equal(input(user, "scaleSetPriority"), "Spot");
        assert.deepEqual(input(user, "nodeTaints"), ["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]);
        assert.notEqual(
            input(user, "agentPoolName"),
            aks.poolName("user", { vmSize: "Standard_D8s_v5", minCount: 0, maxCount: 2, spot: false }, [], []),
            "turning spot on renames the pool: AKS cannot change priority in place, so the new pool comes first",
        );
    });

    it("deploys the NVIDIA device plugin on the GPU nodes, tolerating their taints", () => {
        const ds = mocks.one(T.daemonSet, "nvidia-device-plugin");
        assert.equal(input(ds, "metadata.namespace"), "kube-system");
        assert.deepEqual(input(ds, "spec.template.spec.nodeSelector"), { "kubeflow-azure/pool": "gpu" });
        const tolerations = input<Record<string, string>[]>(ds, "spec.template.spec.tolerations");
        assert.deepEqual(tolerations.map((t) => `${t.key}=${t.value ?? ""}:${t.effect}`).sort(), [
            "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
            "nvidia.com/gpu=:NoSchedule",
            "sku=gpu:NoSchedule",
        ]);
        assert.match(input<{ image: string }[]>(ds, "spec.template.spec.containers")[0].image, /^nvcr\.io\/nvidia\/k8s-device-plugin:v\d+\.\d+\.\d+$/);
        assert.ok(ds.provider.startsWith(`${mocks.one(T.k8sProvider).urn}::`));
    });

    it("gives each admin group the AKS RBAC Cluster Admin role on the cluster", () => {
        const role = mocks.one(T.role, `admin-${GROUP}`);
        assert.equal(input(role, "principalId"), GROUP);
        assert.equal(input(role, "principalType"), "Group");
        assert.match(input(role, "roleDefinitionId"), /\/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/);
    });
});

describe("a fixed deploying identity (previews run as another identity)", () => {
    const CI_IDENTITY = "12121212-3434-5656-7878-909090909090";
    before(async () => {
        await run("dev", { "kubeflow-azure:deployerObjectId": CI_IDENTITY, "kubeflow-azure:protect": true });
    });

    it("keeps a protected stack on the Free tier: the tier is its own setting (clusterTier), not a side effect of protect", () => {
        assert.ok(mocks.one(T.cluster).protect);
        assert.equal(input(mocks.one(T.cluster), "sku.tier"), "Free");
    });

    it("makes that identity, not the previewing one, the app's owner and the cluster admin", () => {
        const owners = input<string[]>(mocks.one(T.app), "owners");
        assert.ok(owners.includes(CI_IDENTITY), owners.join(","));
        assert.ok(!owners.includes(MOCK.deployerObjectId), "the identity running this preview is not made an owner");
        assert.equal(input(mocks.one(T.role, "admin-deployer"), "principalId"), CI_IDENTITY);
    });
});

describe("the Azure graph (prod stack)", () => {
    let prodDeployment: import("../program").Deployment;
    before(async () => {
        prodDeployment = await run("prod", {
            "kubeflow-azure:allowedGroupIds": ["0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e", "5f5f5f5f-6a6a-7b7b-8c8c-9d9d9d9d9d9d"],
            "kubeflow-azure:tenantId": "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE",
        });
    });

    it("protects the cluster, the resource groups and the Entra app", () => {
        const protectedTypes = mocks.resources
            .filter((r) => r.protect)
            .map((r) => r.type)
            .sort();
        // With managed state (prod's default), also what holds the data: its group, network,
        // server and databases, storage account and container.
        const state = [
            T.rg,
            "azure-native:network:VirtualNetwork",
            "azure-native:dbformysql:Server",
            ...Array<string>(4).fill("azure-native:dbformysql:Database"),
            "azure-native:storage:StorageAccount",
            "azure-native:storage:BlobContainer",
        ];
        assert.deepEqual(protectedTypes, [T.cluster, T.ip, T.rg, T.rg, T.app, ...state].sort());
    });

    it("uses the Standard tier, zones, the allow-list and regular user nodes", () => {
        const c = mocks.one(T.cluster);
        assert.equal(input(c, "sku.tier"), "Standard");
        assert.deepEqual(input(c, "apiServerAccessProfile.authorizedIPRanges"), ["20.61.10.0/24"]);
        const pools = input<Record<string, unknown>[]>(c, "agentPoolProfiles");
        assert.deepEqual(pools[0].availabilityZones, ["1", "2", "3"]);
        const user = mocks.one(T.pool);
        assert.equal(input(user, "scaleSetPriority"), undefined);
        assert.deepEqual(input(user, "availabilityZones"), ["1", "2", "3"]);
        assert.deepEqual(input(mocks.one(T.ip), "zones"), ["1", "2", "3"]);
    });

    it("disables local accounts and hands the provider and the kubeconfig output an Entra (kubelogin) kubeconfig", async () => {
        const c = mocks.one(T.cluster);
        assert.equal(input(c, "disableLocalAccounts"), true);
        const tokens = [...new Set(mocks.invokes.map((i) => i.token))];
        assert.ok(tokens.includes("azure-native:containerservice:listManagedClusterUserCredentials"));
        assert.ok(!tokens.includes("azure-native:containerservice:listManagedClusterAdminCredentials"), "no admin credentials are read");
        const provider = mocks.one(T.k8sProvider);
        assert.ok(isSecretValue(provider.inputs.kubeconfig));
        const kubeconfig = await promiseOf(prodDeployment.outputs.kubeconfig);
        assert.match(kubeconfig, /command: kubelogin/);
        assert.match(kubeconfig, /- azurecli/);
        assert.match(kubeconfig, /server: https:\/\/kf-dev-mock\.hcp\.westeurope\.azmk8s\.io:443/);
        assert.doesNotMatch(kubeconfig, /devicecode|mock-admin-token/);
    });

    it("restricts sign-in to the configured groups", () => {
        assert.equal(input(mocks.one(T.sp), "appRoleAssignmentRequired"), true);
        const assignments = mocks.ofType(T.groupAssignment);
        assert.deepEqual(assignments.map((a) => input(a, "principalObjectId")).sort(), [
            "0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e",
            "5f5f5f5f-6a6a-7b7b-8c8c-9d9d9d9d9d9d",
        ]);
        for (const a of assignments) {
            assert.equal(input(a, "appRoleId"), "00000000-0000-0000-0000-000000000000");
            assert.equal(input(a, "resourceObjectId"), "56565656-7878-9090-1212-343434343434");
        }
    });

    it("consents for the whole tenant to exactly the Graph scopes the authservice asks for, since assignment is required", () => {
        const grant = mocks.one(T.consent);
        assert.equal(input(grant, "servicePrincipalObjectId"), "56565656-7878-9090-1212-343434343434");
        assert.equal(input(grant, "resourceServicePrincipalObjectId"), MOCK.graphObjectId);
        assert.equal(input(grant, "userObjectId"), undefined, "all users");
        assert.deepEqual([...input<string[]>(grant, "claimValues")].sort(), ["User.Read", "email", "offline_access", "openid", "profile"]);
        const lookup = mocks.invokes.find((i) => i.token === "azuread:index/getServicePrincipal:getServicePrincipal");
        assert.equal(lookup?.inputs.clientId, "00000003-0000-0000-c000-000000000000");
    });

    it("uses the configured tenant for the cluster's Entra integration", () => {
        assert.equal(input(mocks.one(T.cluster), "aadProfile.tenantID"), "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    });
});

describe("owners of the Entra app", () => {
    it("are the deploying identity (azuread's client config) plus the configured ones, each once", async () => {
        const person = "0b0b0b0b-1c1c-2d2d-3e3e-4f4f4f4f4f4f";
        await run("dev", { "kubeflow-azure:owners": [person.toUpperCase(), MOCK.deployerObjectId.toUpperCase(), person] });
        const expected = [person, MOCK.deployerObjectId].sort();
        assert.deepEqual(input(mocks.one(T.app), "owners"), expected);
        assert.deepEqual(input(mocks.one(T.sp), "owners"), expected);
    });
});

describe("a release whose authservice needs a client secret (v1.10.2, oauth2-proxy v7.7.1)", () => {
    const today = new Date().toISOString().slice(0, 10);
    const secretRelease = { "kubeflow-azure:kubeflowRelease": "v1.10.2", "kubeflow-azure:kubernetesVersion": "1.32", "kubeflow-azure:state": "in-cluster" };
    let d: import("../program").Deployment;
    before(async () => {
        d = await run("prod", { ...secretRelease, "kubeflow-azure:clientSecret": { validityDays: 180, rotation: today } }, miniRelease("v1.10.2"));
    });

    it("issues the client secret with a fixed end date: the rotation day plus the validity", () => {
        const password = mocks.one(T.password);
        assert.equal(input(password, "endDateRelative"), undefined, "no relative date, resolved anew each plan");
        const end = new Date(Date.parse(`${today}T00:00:00Z`) + 180 * 86400000).toISOString().replace(".000Z", "Z");
        assert.equal(input(password, "endDate"), end);
        assert.deepEqual(input(password, "rotateWhenChanged"), { rotation: today });
        assert.ok(password.additionalSecretOutputs.includes("value"));
        assert.deepEqual(mocks.ofType(T.federated), []);
    });

    it("hands the secret to the authservice only as a secret", async () => {
        assert.ok(d.entraApp.clientSecret);
        assert.ok(await isSecretOutput(d.entraApp.clientSecret));
        assert.equal(await promiseOf(d.entraApp.clientSecret), MOCK.clientSecret);
        for (const r of mocks.resources) {
            assert.deepEqual(plaintextLeaks(r.inputs, SECRET_PLAINTEXTS), [], `${r.type} ${r.name}`);
        }
    });

    it("is refused before any resource when the rotation is no date, or describes an expired secret", async () => {
        for (const [rotation, pattern] of [
            ["1", /clientSecret\.rotation: "1": the day the client secret is issued, YYYY-MM-DD/],
            ["2020-01-01", /clientSecret\.rotation: "2020-01-01": a secret issued then ended 2020-06-29/],
        ] as const) {
            mocks.reset();
            const cfg = config.resolveConfig(
                stackConfig("prod", { ...templateValues("prod"), ...secretRelease, "kubeflow-azure:clientSecret": { validityDays: 180, rotation } }),
                "prod",
                CONTEXT,
            );
            assert.throws(() => program.deploy(cfg, miniRelease("v1.10.2")), pattern);
            await mocks.settle();
            assert.deepEqual(
                mocks.resources.map((r) => r.name),
                [],
            );
        }
    });
});

describe("the user claim", () => {
    it("feeds oauth2-proxy and the gateway rule that writes kubeflow-userid from the one config key", async () => {
        for (const claim of ["preferred_username", "email", "oid"]) {
            await run("dev", { "kubeflow-azure:userIdClaim": claim });
            const objects = docs(mocks.one("kubernetes:yaml/v2:ConfigGroup", "kf-dev-auth-objects")) as unknown as import("../manifests/types").KubeObject[];
            const eff = effectiveSettings(objects, "oauth2-proxy");
            assert.equal(eff.userIdClaim, claim);
            const cfg = objects.find((o) => o.kind === "ConfigMap" && isRecordValue(o.data) && "oauth2_proxy.cfg" in o.data);
            assert.match((cfg?.data as Record<string, string>)["oauth2_proxy.cfg"], new RegExp(`^oidc_email_claim = "${claim}"$`, "m"));
        }
    });
});

describe("a render the program cannot use", () => {
    it("is refused before any resource is registered, naming what is wrong", async () => {
        const broken = miniRelease();
        // The oauth2-proxy Deployment no longer mounts its configuration.
        const proxy = broken.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "oauth2-proxy");
        assert.ok(proxy);
        delete (proxy.spec as { template: { spec: { volumes?: unknown } } }).template.spec.volumes;
        mocks.reset();
        const cfg = config.resolveConfig(stackConfig("dev"), "dev", CONTEXT);
        assert.throws(() => program.deploy(cfg, broken), /oauth2_proxy\.cfg/);
        await mocks.settle();
        assert.deepEqual(
            mocks.resources.map((r) => r.name),
            [],
        );
    });

    it("lacking an object the program needs, is refused before any resource is registered", async () => {
        const partial = miniRelease();
        const objects = partial.objects.filter((o) => !(o.kind === "Service" && o.metadata.name === "istio-ingressgateway"));
        mocks.reset();
        const cfg = config.resolveConfig(stackConfig("dev"), "dev", CONTEXT);
        assert.throws(() => program.deploy(cfg, { ...partial, objects }), /lacks 1 object\(s\).*\n.*Service istio-system\/istio-ingressgateway is missing/);
        await mocks.settle();
        assert.deepEqual(
            mocks.resources.map((r) => r.name),
            [],
        );
    });
});

describe("the oidc-authservice releases", { skip: skipWithoutRenders() }, () => {
    it("register the callback that image serves on the same host", async () => {
        const release = (await import("../manifests/catalog")).findRelease("v1.7.0");
        assert.ok(release);
        const rotation = { validityDays: 365, rotation: new Date().toISOString().slice(0, 10) };
        await run(
            "dev",
            { "kubeflow-azure:kubeflowRelease": "v1.7.0", "kubeflow-azure:kubernetesVersion": "1.25", "kubeflow-azure:clientSecret": rotation },
            { release, objects: loadRender("v1.7.0"), origin: "v1.7.0 render" },
        );
        const uris = input<string[]>(mocks.one(T.app), "web.redirectUris");
        assert.deepEqual(uris, [authservice.redirectUri("oidc-authservice", DEV_HOST), authservice.postLogoutRedirectUri("oidc-authservice", DEV_HOST)]);
        assert.ok(uris[0].startsWith(`https://${DEV_HOST}/`));
    });
});

describe("the whole program on every real release", { skip: skipWithoutRenders() }, () => {
    const GROUP = "kubernetes:yaml/v2:ConfigGroup";
    for (const id of availableRenders()) {
        it(`${id}: applies every object once, in chained phases, with no dex and no default credential`, async () => {
            const catalog = await import("../manifests/catalog");
            const release = catalog.findRelease(id);
            assert.ok(release);
            const k8sVersion = release.kubernetes.max;
            const secretless = id === "26.03" || id === "v1.11.0";
            const rotation = secretless ? {} : { "kubeflow-azure:clientSecret": { validityDays: 180, rotation: new Date().toISOString().slice(0, 10) } };
            const groups = { "kubeflow-azure:allowedGroupIds": ["0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e"] };
            // prod's managed state needs SeaweedFS: the MinIO releases keep it in the cluster.
            const state = release.objectStore === "minio" ? { "kubeflow-azure:state": "in-cluster" } : {};
            const deployment = await run(
                "prod",
                { "kubeflow-azure:kubeflowRelease": id, "kubeflow-azure:kubernetesVersion": k8sVersion, ...rotation, ...groups, ...state },
                { release, objects: loadRender(id), origin: id },
            );
            const host = await promiseOf(deployment.outputs.hostname);
            const phases = mocks
                .ofType(GROUP)
                .filter((g) => /-kubeflow-phase-\d+$/.test(g.name))
                .sort((a, b) => Number(/(\d+)$/.exec(a.name)?.[1]) - Number(/(\d+)$/.exec(b.name)?.[1]));
            assert.ok(phases.length >= 3, `${phases.length} phases`);
            phases.forEach((p, i) => {
                if (i > 0) {
                    assert.ok(p.dependencies.includes(phases[i - 1].urn), `${p.name} waits on ${phases[i - 1].name}`);
                }
            });
            const applied = mocks.ofType(GROUP).flatMap(docs);
            const keys = applied.map((o) => {
                const m = o.metadata as { name: string; namespace?: string };
                return `${String(o.apiVersion)}/${String(o.kind)}:${m.namespace ?? ""}/${m.name}`;
            });
            assert.equal(new Set(keys).size, keys.length, "no object applied twice");
            // prod (letsencrypt, selfService off): the ACME path refused off-challenge, the
            // dashboard's create call refused at the gateway and at kfam, the gateway's token
            // rules, the pipelines UI's API alone for callers inside the cluster.
            const denials = keys.filter((k) => k.includes("AuthorizationPolicy:") && /kubeflow-azure-|entra-user-tokens-only/.test(k)).sort();
            assert.deepEqual(
                denials.map((k) => k.replace(/^[^:]*:/, "")),
                [
                    "istio-system/kubeflow-azure-no-workgroup-create",
                    "kubeflow/kubeflow-azure-acme-path-solver-only",
                    "kubeflow/kubeflow-azure-no-workgroup-create",
                    "kubeflow/kubeflow-azure-pipeline-ui-api-only",
                    ...(release.authservice === "oauth2-proxy" ? ["istio-system/entra-user-tokens-only"] : []),
                ].sort(),
            );
            assert.ok(!keys.some((k) => k.includes("CronJob:kubeflow/kubeflow-azure-self-service-quota")), "no default-quota CronJob without self-service");
            // The MinIO releases: each profile namespace its own object-store key.
            assert.equal(
                keys.some((k) => k.includes("CronJob:kubeflow/kubeflow-azure-artifact-keys")),
                release.objectStore === "minio",
                "the artifact keys' CronJob exactly where the object store is MinIO",
            );
            const text = JSON.stringify(applied);
            assert.doesNotMatch(text, /dex\.auth\.svc/);
            assert.doesNotMatch(text, /minio123/);
            // Data volumes are their own resources, retained and not protected.
            const pvcs = mocks.ofType("kubernetes:core/v1:PersistentVolumeClaim");
            assert.ok(pvcs.length > 0);
            assert.ok(
                pvcs.every((p) => p.retainOnDelete && !p.protect),
                "PVCs retained, never protected",
            );
            for (const r of mocks.resources) {
                assert.deepEqual(plaintextLeaks(r.inputs, SECRET_PLAINTEXTS), [], `${r.type} ${r.name}`);
            }
            for (const s of mocks.ofType("kubernetes:core/v1:Secret")) {
                assert.ok(isSecretValue(s.inputs.stringData), `${s.name}: values are secret`);
            }

            // The edge: exactly one gateway, one ingress Service, one certificate, after the platform.
            const named = (kind: string, name: string) => applied.filter((o) => o.kind === kind && (o.metadata as { name: string }).name === name);
            assert.equal(named("Gateway", "kubeflow-gateway").length, 1);
            assert.equal(named("Service", "istio-ingressgateway").length, 1);
            assert.equal((named("Service", "istio-ingressgateway")[0].spec as { type: string }).type, "LoadBalancer");
            assert.equal(named("Certificate", "istio-ingressgateway-certs").length, 1);
            const lastPhase = phases[phases.length - 1];
            const edgeGroups = mocks.ofType(GROUP).filter((g) => g.name.startsWith("kf-prod-edge-"));
            assert.equal(edgeGroups.length, 3);
            for (const g of edgeGroups) {
                assert.ok(mocks.transitiveDependencies(g.urn).has(lastPhase.urn), `${g.name} waits on the platform`);
            }
            const serviceGroup = edgeGroups.find((g) => docs(g).some((o) => o.kind === "Service"));
            assert.ok(
                serviceGroup?.dependencies.includes(mocks.one(T.role, "network-contributor").urn),
                "the LoadBalancer waits on the Network Contributor role",
            );

            // The authservice: the same redirect URI as the app registration, the ACME path exempt (prod uses letsencrypt).
            const authGroup = mocks.one(GROUP, "kf-prod-auth-objects");
            const authObjects = docs(authGroup) as unknown as import("../manifests/types").KubeObject[];
            const effective = effectiveSettings(authObjects, release.authservice);
            assert.equal(effective.redirectUrl, input<string[]>(mocks.one(T.app), "web.redirectUris")[0]);
            assert.ok(mocks.transitiveDependencies(authGroup.urn).has(lastPhase.urn));
            assert.match(JSON.stringify(authObjects), /\/\.well-known\/acme-challenge\//);

            // Sign-in: one claim on both sides; no client secret where workload identity does.
            assert.equal(effective.userIdClaim, release.authservice === "oauth2-proxy" ? "preferred_username" : "email");
            assert.deepEqual(
                effective.gatewayJwtRules.flatMap((r) => r.outputClaimToHeaders.map((h) => h.claim)),
                release.authservice === "oauth2-proxy" ? ["preferred_username", "sub"] : [],
            );

            // Automation: on oauth2-proxy releases the gateway trusts the cluster's own issuer
            // (the stack's clusterOidcIssuerUrl) for the site's audience, naming the service account.
            const clusterRules = effective.gatewayJwtRules.filter((r) => r.issuer === MOCK.clusterOidcIssuer);
            assert.deepEqual(
                clusterRules.map((r) => [r.jwksUri, r.audiences, r.outputClaimToHeaders]),
                release.authservice === "oauth2-proxy"
                    ? [[`${MOCK.clusterOidcIssuer}openid/v1/jwks`, [`https://${host}`], [{ header: "kubeflow-userid", claim: "sub" }]]]
                    : [],
            );

            // Sign-out: the dashboard's logout (a platform object) ends in Entra's sign-out and
            // comes back to the host (oauth2-proxy's own sign-out, or the home page), which the
            // app registration lists as a redirect URI.
            const dashboard = applied.find((o) => o.kind === "Deployment" && (o.metadata as { name: string }).name === "centraldashboard");
            const logoutUrl = JSON.stringify(dashboard).match(/"name":"LOGOUT_URL","value":"([^"]*)"/)?.[1];
            const back = input<string[]>(mocks.one(T.app), "web.redirectUris")[1];
            assert.equal(back, release.authservice === "oauth2-proxy" ? `https://${host}/oauth2/sign_out` : `https://${host}/`);
            if (release.authservice === "oauth2-proxy") {
                const entra = new URL(logoutUrl ?? "");
                assert.equal(entra.searchParams.get("post_logout_redirect_uri"), back);
                assert.match(entra.toString(), /^https:\/\/login\.microsoftonline\.com\/[^/]+\/oauth2\/v2\.0\/logout\?/);
            } else {
                assert.equal(logoutUrl, "/authservice/logout");
                const params = authObjects.find((o) => o.kind === "ConfigMap" && isRecordValue(o.data) && "AFTER_LOGOUT_URL" in o.data);
                const after = new URL(String((params?.data as Record<string, string>).AFTER_LOGOUT_URL));
                assert.equal(after.searchParams.get("post_logout_redirect_uri"), back);
            }
            assert.equal(mocks.ofType(T.password).length, secretless ? 0 : 1);
            assert.equal(mocks.ofType(T.federated).length, secretless ? 1 : 0);
            if (secretless) {
                const sa = authObjects.find((o) => o.kind === "ServiceAccount");
                assert.ok(sa);
                assert.equal(input(mocks.one(T.federated), "subject"), `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`);
                assert.equal(effective.federatedTokenAuth, true);
            }
            // Sign-in restricted to a group: the tenant-wide consent spares the first user "Need admin approval".
            assert.deepEqual([...input<string[]>(mocks.one(T.consent), "claimValues")].sort(), ["User.Read", "email", "offline_access", "openid", "profile"]);
            // Refreshed sessions reach the browser: the platform applies the mesh config with set-cookie on allow.
            const mesh = applied.find(
                (o) =>
                    o.kind === "ConfigMap" &&
                    (o.metadata as { name: string; namespace?: string }).name === "istio" &&
                    (o.metadata as { namespace?: string }).namespace === "istio-system",
            );
            assert.ok(mesh);
            if (release.authservice === "oauth2-proxy") {
                const provider = meshExtensionProviders([mesh as unknown as import("../manifests/types").KubeObject]).find((p) => p.name === "oauth2-proxy");
                assert.deepEqual((provider?.envoyExtAuthzHttp as Record<string, unknown>).headersToDownstreamOnAllow, ["set-cookie"]);
            }
            // HSTS on the HTTPS server.
            const hsts = named("EnvoyFilter", "kubeflow-gateway-hsts");
            assert.equal(hsts.length, 1);
            assert.match(JSON.stringify(hsts[0]), /"strict-transport-security","value":"max-age=31536000"/);
        });
    }
});
