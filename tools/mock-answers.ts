/**
 * What the recording runtime answers in place of the clouds: a fixed tenant, ids and
 * addresses for the resources Azure computes, fixed plaintexts for the secrets (so a
 * test can prove they never travel outside a secret), and every invoke the program
 * makes. An invoke it does not know fails the evaluation, so a new invoke cannot slip in
 * unnoticed. The offline plan prints these placeholders; the tests assert on them.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { parseManifests } from "../manifests/parse";

/** The issuer AKS gives a cluster with the OIDC issuer on, in the cluster's region (`<region>.oic.prod-aks.azure.com`). */
export function mockClusterOidcIssuer(location: string): string {
    return `https://${location}.oic.prod-aks.azure.com/${PLACEHOLDER_TENANT}/cluster/`;
}

/** A tenant id no directory has (its version nibble is 0, which Entra never issues): plainly a placeholder. */
const PLACEHOLDER_TENANT = "00000000-0000-0000-0000-00000000cafe";

export const MOCK = {
    tenantId: PLACEHOLDER_TENANT,
    subscriptionId: "00000000-1111-2222-3333-444444444444",
    deployerObjectId: "99999999-aaaa-bbbb-cccc-dddddddddddd",
    clientId: "11111111-2222-3333-4444-555555555555",
    /** The plaintext the mocked ApplicationPassword returns; it must only ever travel as a secret. */
    clientSecret: "mock-entra-client-secret-Q~do-not-leak",
    /** The plaintext of the mocked storage account's first key; it must only ever travel as a secret. */
    storageKey: "mock-storage-account-key-do-not-leak==",
    /** The plaintext every mocked random password returns. */
    randomPassword: "mock-random-password-do-not-leak",
    ipAddress: "20.61.10.20",
    /** The dev stack's (westeurope) cluster issuer; other regions get their own (mockClusterOidcIssuer). */
    clusterOidcIssuer: mockClusterOidcIssuer("westeurope"),
    /** Microsoft Graph's service principal in the mocked tenant. */
    graphObjectId: "45454545-6767-8989-0101-232323232323",
    kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: clusterAdmin\n  user:\n    token: mock-admin-token-do-not-leak\n",
    /** What AKS hands a user of a cluster with managed Entra: the cluster entry and a kubelogin device-code user. */
    userKubeconfig: [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- cluster:",
        "    certificate-authority-data: TU9DSw==",
        "    server: https://kf-dev-mock.hcp.westeurope.azmk8s.io:443",
        "  name: kf-dev-cluster-aks",
        "contexts:",
        "- context:",
        "    cluster: kf-dev-cluster-aks",
        "    user: clusterUser_kf-dev",
        "  name: kf-dev-cluster-aks",
        "current-context: kf-dev-cluster-aks",
        "users:",
        "- name: clusterUser_kf-dev",
        "  user:",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1beta1",
        "      command: kubelogin",
        "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]",
        "",
    ].join("\n"),
} as const;

export function answerResource(args: pulumi.runtime.MockResourceArgs, preview: boolean): pulumi.runtime.MockResourceResult {
    const inputs = args.inputs as Record<string, unknown>;
    const id = `${args.name}-id`;
    const state: Record<string, unknown> = { ...inputs };
    switch (args.type) {
        case "azure-native:resources:ResourceGroup":
            state.name = inputs.resourceGroupName ?? `${args.name}1234`;
            return { id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/${String(state.name)}`, state };
        case "azure-native:network:PublicIPAddress":
            state.name = inputs.publicIpAddressName ?? `${args.name}5678`;
            state.ipAddress = preview ? undefined : MOCK.ipAddress;
            state.dnsSettings = {
                ...(inputs.dnsSettings as object),
                fqdn: `${String((inputs.dnsSettings as { domainNameLabel?: string })?.domainNameLabel)}.${String(inputs.location)}.cloudapp.azure.com`,
            };
            return { id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/${String(state.name)}`, state };
        case "azure-native:managedidentity:UserAssignedIdentity":
            state.name = `${args.name}9abc`;
            state.principalId = "88888888-7777-6666-5555-444444444444";
            state.clientId = "33333333-2222-1111-0000-999999999999";
            return {
                id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${String(state.name)}`,
                state,
            };
        case "azure-native:containerservice:ManagedCluster":
            state.name = inputs.resourceName ?? `${args.name}def0`;
            state.oidcIssuerProfile = { enabled: true, issuerURL: mockClusterOidcIssuer(typeof inputs.location === "string" ? inputs.location : "westeurope") };
            return {
                id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${String(state.name)}`,
                state,
            };
        case "azure-native:dbformysql:Server":
            state.name = inputs.serverName ?? `${args.name}0123`;
            state.fullyQualifiedDomainName = `${String(state.name)}.mysql.database.azure.com`;
            return {
                id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.DBforMySQL/flexibleServers/${String(state.name)}`,
                state,
            };
        case "azure-native:storage:StorageAccount":
            state.name = inputs.accountName ?? `${args.name}4567`;
            return { id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${String(state.name)}`, state };
        case "azure-native:network:VirtualNetwork":
            state.name = inputs.virtualNetworkName ?? `${args.name}89ab`;
            return { id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${String(state.name)}`, state };
        case "azure-native:network:Subnet":
            state.name = inputs.subnetName ?? `${args.name}cdef`;
            return {
                id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${String(inputs.virtualNetworkName)}/subnets/${String(state.name)}`,
                state,
            };
        case "azuread:index/application:Application":
            state.clientId = MOCK.clientId;
            state.objectId = "12121212-3434-5656-7878-909090909090";
            return { id: `/applications/${String(state.objectId)}`, state };
        case "azuread:index/servicePrincipal:ServicePrincipal":
            state.objectId = "56565656-7878-9090-1212-343434343434";
            return { id: String(state.objectId), state };
        case "azuread:index/applicationPassword:ApplicationPassword":
            state.value = MOCK.clientSecret;
            state.keyId = "abababab-cdcd-efef-0101-232323232323";
            state.endDate = "2027-11-28T00:00:00Z";
            return { id, state };
        case "random:index/randomUuid:RandomUuid":
            state.result = "6b6b6b6b-5c5c-4d4d-3e3e-2f2f2f2f2f2f";
            return { id, state };
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            state.result = MOCK.randomPassword;
            return { id, state };
        case "random:index/randomBytes:RandomBytes":
            state.base64 = Buffer.from(MOCK.randomPassword.padEnd(32, "x").slice(0, 32)).toString("base64");
            state.hex = Buffer.from(MOCK.randomPassword.padEnd(32, "x").slice(0, 32)).toString("hex");
            return { id, state };
        case "pulumi:pulumi:StackReference":
            // A kubeflow-azure stack as this program exports it under these mocks (dev stack,
            // mini render): what a consumer stack reads.
            state.outputs = {
                kubeflowUrl: "https://kf-dev.westeurope.cloudapp.azure.com/",
                hostname: "kf-dev.westeurope.cloudapp.azure.com",
                ingressIp: MOCK.ipAddress,
                resourceGroupName: "kf-dev-cluster-rg1234",
                clusterName: "kf-dev-cluster-aksdef0",
                kubeconfig: MOCK.kubeconfig,
                oidcClientId: MOCK.clientId,
                oidcIssuerUrl: `https://login.microsoftonline.com/${MOCK.tenantId}/v2.0`,
                tenantId: MOCK.tenantId,
                kubeflowRelease: "26.03",
                clusterOidcIssuerUrl: MOCK.clusterOidcIssuer,
                tlsIssuer: "self-signed",
                state: "in-cluster",
                stateAddressSpace: "",
                stateResourceGroupName: "",
                stateNetworkId: "",
                stateMysqlServerName: "",
                stateStorageAccountName: "",
            };
            state.secretOutputNames = ["kubeconfig"];
            return { id: String(inputs.name), state };
        default:
            return { id, state };
    }
}

export function answerInvoke(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
        case "azure-native:authorization:getClientConfig":
            return {
                tenantId: MOCK.tenantId,
                subscriptionId: MOCK.subscriptionId,
                objectId: MOCK.deployerObjectId,
                clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            };
        case "azuread:index/getClientConfig:getClientConfig":
            return { tenantId: MOCK.tenantId, objectId: MOCK.deployerObjectId, clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", id: "client-config" };
        case "azuread:index/getServicePrincipal:getServicePrincipal":
            // Microsoft Graph's service principal as a tenant holds it.
            return { clientId: "00000003-0000-0000-c000-000000000000", objectId: MOCK.graphObjectId, displayName: "Microsoft Graph" };
        case "azuread:index/getUser:getUser": {
            // A stable object id per user principal name, as the directory would answer.
            const upn = String((args.inputs as { userPrincipalName?: string }).userPrincipalName ?? "");
            const hex = createHash("sha256").update(upn.toLowerCase()).digest("hex");
            const objectId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
            return { objectId, userPrincipalName: upn, id: objectId };
        }
        case "azure-native:containerservice:listManagedClusterAdminCredentials":
            return { kubeconfigs: [{ name: "clusterAdmin", value: Buffer.from(MOCK.kubeconfig).toString("base64") }] };
        case "azure-native:storage:listStorageAccountKeys":
            return { keys: [{ keyName: "key1", value: MOCK.storageKey, permissions: "FULL", creationTime: "2026-01-01T00:00:00Z" }] };
        case "azure-native:containerservice:listManagedClusterUserCredentials":
            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(MOCK.userKubeconfig).toString("base64") }] };
        case "kubernetes:kustomize:directory": {
            // A stand-in for kustomize: the directory's YAML resources, concatenated.
            const directory = String((args.inputs as { directory: string }).directory);
            const files = fs
                .readdirSync(directory)
                .filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f))
                .sort();
            return { result: files.flatMap((f) => parseManifests(fs.readFileSync(path.join(directory, f), "utf8"), f)) };
        }
        default:
            throw new Error(`tools/mock-answers.ts does not know the invoke ${args.token}: answer it here`);
    }
}
