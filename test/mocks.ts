/**
 * The one Pulumi mocks module of the test suites. It records every registered resource
 * (type, name, inputs, parent, provider, dependencies, options) and answers every invoke
 * the program makes; an invoke it does not know fails the test, so a new invoke cannot
 * slip in unnoticed.
 *
 * Usage: `const mocks = await installMocks()` before importing any program module, then
 * `mocks.reset()`, run the program, `await mocks.settle()`, inspect `mocks.resources`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { parseManifests } from "../manifests/parse";

export const MOCK = {
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    subscriptionId: "00000000-1111-2222-3333-444444444444",
    deployerObjectId: "99999999-aaaa-bbbb-cccc-dddddddddddd",
    clientId: "11111111-2222-3333-4444-555555555555",
    /** The plaintext the mocked ApplicationPassword returns; it must only ever travel as a secret. */
    clientSecret: "mock-entra-client-secret-Q~do-not-leak",
    /** The plaintext every mocked random password returns. */
    randomPassword: "mock-random-password-do-not-leak",
    ipAddress: "20.61.10.20",
    clusterOidcIssuer: "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/",
    /** Microsoft Graph's service principal in the mocked tenant. */
    graphObjectId: "45454545-6767-8989-0101-232323232323",
    kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: clusterAdmin\n  user:\n    token: mock-admin-token-do-not-leak\n",
    /** What AKS hands a user of a cluster with managed Entra: the cluster entry and a kubelogin device-code user. */
    userKubeconfig: [
        "apiVersion: v1", "kind: Config", "clusters:", "- cluster:", "    certificate-authority-data: TU9DSw==", "    server: https://kf-dev-mock.hcp.westeurope.azmk8s.io:443", "  name: kf-dev-cluster-aks",
        "contexts:", "- context:", "    cluster: kf-dev-cluster-aks", "    user: clusterUser_kf-dev", "  name: kf-dev-cluster-aks", "current-context: kf-dev-cluster-aks",
        "users:", "- name: clusterUser_kf-dev", "  user:", "    exec:", "      apiVersion: client.authentication.k8s.io/v1beta1", "      command: kubelogin",
        "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]", "",
    ].join("\n"),
} as const;

/** Plaintexts that must never reach a resource input or output outside a secret. */
export const SECRET_PLAINTEXTS: readonly string[] = [MOCK.clientSecret, MOCK.randomPassword, "mock-admin-token-do-not-leak"];

export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Inputs as the engine would receive them; secrets stay wrapped (see isSecretValue). */
    readonly inputs: Record<string, unknown>;
    readonly parent: string;
    /** Provider reference (`urn::id`), empty for the default provider. */
    readonly provider: string;
    /** Provider references by package, as given to a component (`providers`/`provider`). */
    readonly providers: Readonly<Record<string, string>>;
    /** URNs this resource waits on (dependsOn and the resources its inputs came from). */
    readonly dependencies: readonly string[];
    readonly custom: boolean;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
}

export interface RecordedInvoke {
    readonly token: string;
    readonly inputs: Record<string, unknown>;
    readonly provider: string;
}

/** Minimal shape of the RegisterResourceRequest the mock monitor receives. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getProvidersMap(): { toObject(): [string, string][] };
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDeletebeforereplace(): boolean | undefined;
    getDependenciesList(): string[];
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

interface MonitorLike {
    registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): Promise<void>;
}

export interface Mocks {
    readonly resources: RecordedResource[];
    readonly invokes: RecordedInvoke[];
    /** Forget what was recorded (between programs in one process). */
    reset(): void;
    /** Waits until every registration and invoke in flight has been answered. */
    settle(): Promise<void>;
    /** Every recorded resource of a type token. */
    ofType(type: string): RecordedResource[];
    /** The one resource of a type; fails when there are none or several. */
    one(type: string, namePart?: string): RecordedResource;
    byUrn(urn: string): RecordedResource | undefined;
    /** URNs this resource waits on, directly or through other resources. */
    transitiveDependencies(urn: string): Set<string>;
}

let installed: Mocks | undefined;

/** The SDK's own "RPC queue drained" promise; internal, so typed here. */
const waitForRPCs = (settings as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;

/** Installs the mocks once per process; `preview` selects dry-run semantics (unknown outputs). */
export async function installMocks(options: { stack?: string; preview?: boolean } = {}): Promise<Mocks> {
    if (installed) {
        return installed;
    }
    const resources: RecordedResource[] = [];
    const invokes: RecordedInvoke[] = [];
    const preview = options.preview ?? false;

    await pulumi.runtime.setMocks({
        newResource: (args: pulumi.runtime.MockResourceArgs) => answerResource(args, preview),
        call: (args: pulumi.runtime.MockCallArgs) => {
            invokes.push({ token: args.token, inputs: args.inputs as Record<string, unknown>, provider: args.provider ?? "" });
            return answerInvoke(args);
        },
    }, "kubeflow-azure", options.stack ?? "dev", preview, "organization");

    // Wrap the mock monitor so parent, dependencies and options are recorded too.
    const monitor = settings.getMonitor() as unknown as MonitorLike;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => register(req, (err, res) => {
        if (!err && res && typeof (res as { getUrn?: () => string }).getUrn === "function") {
            resources.push({
                urn: (res as { getUrn(): string }).getUrn(),
                type: req.getType(),
                name: req.getName(),
                inputs: req.getObject()?.toJavaScript() ?? {},
                parent: req.getParent(),
                provider: req.getProvider(),
                providers: Object.fromEntries(req.getProvidersMap().toObject()),
                dependencies: req.getDependenciesList(),
                custom: req.getCustom(),
                protect: req.getProtect() ?? false,
                retainOnDelete: req.getRetainondelete() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplace() ?? false,
                ignoreChanges: req.getIgnorechangesList(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            });
        }
        callback(err, res);
    });

    const api: Mocks = {
        resources,
        invokes,
        reset: () => {
            resources.length = 0;
            invokes.length = 0;
        },
        settle: async () => {
            // Registrations chain on each other's outputs; drain until nothing new arrives.
            let seen = -1;
            while (seen !== resources.length + invokes.length) {
                seen = resources.length + invokes.length;
                await waitForRPCs();
                await new Promise((resolve) => setImmediate(resolve));
            }
        },
        ofType: (type) => resources.filter((r) => r.type === type),
        one: (type, namePart) => {
            const found = resources.filter((r) => r.type === type && (namePart === undefined || r.name.includes(namePart)));
            if (found.length !== 1) {
                throw new Error(`expected one ${type}${namePart ? ` named *${namePart}*` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
            }
            return found[0];
        },
        byUrn: (urn) => resources.find((r) => r.urn === urn),
        transitiveDependencies: (urn) => {
            const seen = new Set<string>();
            const stack = [urn];
            while (stack.length > 0) {
                const next = stack.pop();
                const current = resources.find((r) => r.urn === next);
                for (const dep of current?.dependencies ?? []) {
                    if (!seen.has(dep)) {
                        seen.add(dep);
                        stack.push(dep);
                    }
                }
            }
            return seen;
        },
    };
    installed = api;
    return api;
}

/** True for a value the engine would store encrypted. */
export function isSecretValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** Paths under `value` where a plaintext occurs outside any secret wrapper. */
export function plaintextLeaks(value: unknown, plaintexts: readonly string[], path = ""): string[] {
    if (isSecretValue(value)) {
        return [];
    }
    if (typeof value === "string") {
        return plaintexts.some((p) => value.includes(p)) ? [path || "(root)"] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => plaintextLeaks(v, plaintexts, `${path}[${i}]`));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => plaintextLeaks(v, plaintexts, path ? `${path}.${k}` : k));
    }
    return [];
}

/** Resolves an Output's value in tests (undefined when unknown). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** Whether an Output is marked secret. */
export function isSecretOutput<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}

function answerResource(args: pulumi.runtime.MockResourceArgs, preview: boolean): pulumi.runtime.MockResourceResult {
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
            state.dnsSettings = { ...(inputs.dnsSettings as object), fqdn: `${String((inputs.dnsSettings as { domainNameLabel?: string })?.domainNameLabel)}.${String(inputs.location)}.cloudapp.azure.com` };
            return { id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/${String(state.name)}`, state };
        case "azure-native:managedidentity:UserAssignedIdentity":
            state.name = `${args.name}9abc`;
            state.principalId = "88888888-7777-6666-5555-444444444444";
            state.clientId = "33333333-2222-1111-0000-999999999999";
            return { id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${String(state.name)}`, state };
        case "azure-native:containerservice:ManagedCluster":
            state.name = inputs.resourceName ?? `${args.name}def0`;
            state.oidcIssuerProfile = { enabled: true, issuerURL: MOCK.clusterOidcIssuer };
            return { id: `/subscriptions/${MOCK.subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${String(state.name)}`, state };
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
            };
            state.secretOutputNames = ["kubeconfig"];
            return { id: String(inputs.name), state };
        default:
            return { id, state };
    }
}

function answerInvoke(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
        case "azure-native:authorization:getClientConfig":
            return { tenantId: MOCK.tenantId, subscriptionId: MOCK.subscriptionId, objectId: MOCK.deployerObjectId, clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46" };
        case "azuread:index/getClientConfig:getClientConfig":
            return { tenantId: MOCK.tenantId, objectId: MOCK.deployerObjectId, clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", id: "client-config" };
        case "azuread:index/getServicePrincipal:getServicePrincipal":
            // Microsoft Graph's service principal as a tenant holds it.
            return { clientId: "00000003-0000-0000-c000-000000000000", objectId: MOCK.graphObjectId, displayName: "Microsoft Graph" };
        case "azure-native:containerservice:listManagedClusterAdminCredentials":
            return { kubeconfigs: [{ name: "clusterAdmin", value: Buffer.from(MOCK.kubeconfig).toString("base64") }] };
        case "azure-native:containerservice:listManagedClusterUserCredentials":
            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(MOCK.userKubeconfig).toString("base64") }] };
        case "kubernetes:kustomize:directory": {
            // A stand-in for kustomize: the directory's YAML resources, concatenated.
            const directory = String((args.inputs as { directory: string }).directory);
            const files = fs.readdirSync(directory).filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f)).sort();
            return { result: files.flatMap((f) => parseManifests(fs.readFileSync(path.join(directory, f), "utf8"), f)) };
        }
        default:
            throw new Error(`test/mocks.ts does not know the invoke ${args.token}: answer it here`);
    }
}
