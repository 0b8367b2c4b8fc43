/**
 * The CrossGuard policy pack (policy/): each rule on hand-built resource arguments, a
 * passing and a failing case, typed and inside yaml/v2 ConfigGroups; the adapters to
 * @pulumi/policy as the analyzer server calls them (props behind its unknown-checking
 * proxy); and the rules on what the real builders and the whole program produce.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import * as policySdk from "@pulumi/policy";
import { ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import * as edge from "../manifests/edge";
import { isolateArtifacts } from "../manifests/authorization/artifact-isolation";
import { findRelease } from "../manifests/catalog";
import { KubeObject } from "../manifests/types";
import { kubeflowAzurePolicies, protectPolicy } from "../policy/policies";
import {
    CONFIG_GROUP,
    GATEWAY_NAME,
    GATEWAY_NAMESPACE,
    INGRESS_NAMESPACE,
    INGRESS_SERVICE_NAME,
    MANAGED_CLUSTER,
    PROTECTED_IN_PROD,
    RESOURCE_RULES,
    ResourceArgs,
    StackResource,
    aksClusterSecurity,
    gatewayHttpsRedirect,
    isProdStack,
    kubernetesObjects,
    noCredentialInConfigMap,
    noSharedObjectStoreKey,
    onlyIngressLoadBalancer,
    protectInProd,
    restrictedSignInInProd,
    SERVICE_PRINCIPAL,
    APP_ROLE_ASSIGNMENT,
    BLOB_SERVICE,
    MYSQL_SERVER,
    STORAGE_ACCOUNT,
    managedStateBackupsInProd,
} from "../policy/rules";
import { Mocks, RecordedResource, installMocks, isSecretValue } from "./mocks";
import { runProgram } from "./support/program-run";
import { miniRelease } from "./fixtures/mini-release";
import { availableRenders, inCi, loadRender, skipWithoutRenders } from "./upstream";

// ---------------------------------------------------------------------------------------
// Hand-built resources

const ISTIO = "kubernetes:networking.istio.io/v1alpha3:Gateway";
const SERVICE = "kubernetes:core/v1:Service";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** A typed resource: the Kubernetes SDK sends apiVersion and kind along with the object. */
function typed(type: string, object: Record<string, unknown>): ResourceArgs {
    return { type, props: object };
}

/** A yaml/v2 ConfigGroup as this program builds it: JSON documents joined by `---`. */
function group(objects: readonly Record<string, unknown>[]): ResourceArgs {
    return { type: CONFIG_GROUP, props: { yaml: objects.map((o) => JSON.stringify(o)).join("\n---\n") } };
}

function gateway(servers: unknown[], meta: { name?: string; namespace?: string } = {}, apiVersion = "networking.istio.io/v1alpha3"): Record<string, unknown> {
    return {
        apiVersion,
        kind: "Gateway",
        metadata: { name: meta.name ?? GATEWAY_NAME, namespace: meta.namespace ?? GATEWAY_NAMESPACE },
        spec: { selector: { istio: "ingressgateway" }, servers },
    };
}

const REDIRECT = { hosts: ["*"], port: { name: "http", number: 80, protocol: "HTTP" }, tls: { httpsRedirect: true } };
const PLAIN_80 = { hosts: ["*"], port: { name: "http", number: 80, protocol: "HTTP" } };
const TLS_443 = {
    hosts: ["kf.example.org"],
    port: { name: "https", number: 443, protocol: "HTTPS" },
    tls: { mode: "SIMPLE", credentialName: "istio-ingressgateway-certs" },
};

function service(name: string, namespace: string, type: string): Record<string, unknown> {
    return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { type, selector: { app: name }, ports: [{ port: 80 }] } };
}

function configMap(data: Record<string, string>, binaryData?: Record<string, string>): Record<string, unknown> {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "kubeflow" }, data, ...(binaryData ? { binaryData } : {}) };
}

/** The cluster arguments components/aks-cluster.ts passes (the fields the rule reads and some around them). */
function clusterArgs(overrides: Record<string, unknown> = {}): ResourceArgs {
    return {
        type: MANAGED_CLUSTER,
        props: {
            resourceGroupName: "kf-prod-aks-rg",
            dnsPrefix: "kf-prod",
            enableRBAC: true,
            aadProfile: { managed: true, enableAzureRBAC: true, tenantID: "00000000-0000-0000-0000-00000000cafe" },
            oidcIssuerProfile: { enabled: true },
            securityProfile: { workloadIdentity: { enabled: true } },
            ...overrides,
        },
    };
}

const SETTINGS: edge.EdgeSettings = {
    hostname: "kf-dev.westeurope.cloudapp.azure.com",
    publicIp: "20.61.1.2",
    publicIpName: "kf-dev-ip",
    publicIpResourceGroup: "kf-dev-edge",
    issuer: "self-signed",
};

/** Every resource rule's violations for one resource, by policy name (empty names dropped). */
function allViolations(resource: ResourceArgs): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, rule] of Object.entries(RESOURCE_RULES)) {
        const v = rule(resource);
        if (v.length > 0) {
            out[name] = v;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------

describe("the pack guards the names the program builds", () => {
    it("uses the gateway and ingress names of manifests/edge.ts", () => {
        assert.equal(GATEWAY_NAME, edge.GATEWAY_NAME);
        assert.equal(GATEWAY_NAMESPACE, edge.GATEWAY_NAMESPACE);
        assert.equal(INGRESS_NAMESPACE, edge.INGRESS_NAMESPACE);
        assert.equal(INGRESS_SERVICE_NAME, edge.INGRESS_SERVICE_NAME);
    });

    it("reads typed resources and group documents, flattening Lists, and reports unreadable text", () => {
        assert.deepEqual(
            kubernetesObjects(typed(SERVICE, service("a", "b", "ClusterIP"))).objects.map((f) => `${f.apiVersion} ${f.kind}`),
            ["v1 Service"],
        );
        assert.deepEqual(
            kubernetesObjects(typed("kubernetes:networking.istio.io/v1:Gateway", {})).objects.map((f) => f.apiVersion),
            ["networking.istio.io/v1"],
        );
        assert.deepEqual(
            kubernetesObjects(typed("kubernetes:apps/v1:Deployment", {})).objects.map((f) => f.kind),
            ["Deployment"],
        );
        assert.deepEqual(kubernetesObjects(typed("azure-native:resources:ResourceGroup", {})).objects, []);
        const list = { apiVersion: "v1", kind: "List", items: [service("a", "x", "ClusterIP"), configMap({})] };
        const found = kubernetesObjects({
            type: CONFIG_GROUP,
            props: { yaml: [yaml.dump(list), "---\n" + yaml.dump(service("b", "y", "ClusterIP"))], objs: [configMap({})] },
        });
        assert.deepEqual(
            found.objects.map((f) => `${f.kind}@${f.where}`),
            ["Service@yaml[0] document 1 items[0]", "ConfigMap@yaml[0] document 1 items[1]", "Service@yaml[1] document 1", "ConfigMap@objs[0]"],
        );
        assert.deepEqual(found.problems, []);
        const broken = kubernetesObjects({ type: CONFIG_GROUP, props: { yaml: "kind: [unclosed" } });
        assert.equal(broken.problems.length, 1);
        assert.match(broken.problems[0], /not valid YAML/);
    });
});

describe("rule: HTTPS redirect on the Kubeflow gateway", () => {
    it("passes a gateway with the port-80 redirect and the SIMPLE TLS server, in every Istio version", () => {
        for (const version of ["v1alpha3", "v1beta1", "v1"]) {
            const g = gateway([REDIRECT, TLS_443], {}, `networking.istio.io/${version}`);
            assert.deepEqual(gatewayHttpsRedirect(typed(`kubernetes:networking.istio.io/${version}:Gateway`, g)), [], version);
            assert.deepEqual(gatewayHttpsRedirect(group([g])), [], `${version} in a group`);
        }
    });

    it("fails a typed gateway without the redirect", () => {
        const v = gatewayHttpsRedirect(typed(ISTIO, gateway([PLAIN_80, TLS_443])));
        assert.deepEqual(v, [
            "networking.istio.io/Gateway kubeflow/kubeflow-gateway: the HTTP server on port 80 serves plain HTTP; set tls.httpsRedirect: true",
        ]);
        const noHttp = gatewayHttpsRedirect(typed(ISTIO, gateway([TLS_443])));
        assert.equal(noHttp.length, 1);
        assert.match(noHttp[0], /no HTTP server on port 80 redirecting to HTTPS/);
    });

    it("fails the upstream gateway (port 80 only, as every release ships it) in a ConfigGroup's text", () => {
        const upstream = gateway([PLAIN_80]);
        const v = gatewayHttpsRedirect(group([service("x", "y", "ClusterIP"), upstream]));
        assert.ok(
            v.some((m) => /\(yaml document 2\): no HTTPS server on port 443/.test(m)),
            v.join("\n"),
        );
        assert.ok(
            v.some((m) => /\(yaml document 2\): the HTTP server on port 80 serves plain HTTP/.test(m)),
            v.join("\n"),
        );
        assert.equal(v.length, 2);
    });

    it("fails a 443 server that is not SIMPLE TLS, and a second plain HTTP server next to the redirect", () => {
        const passthrough = { ...TLS_443, tls: { mode: "PASSTHROUGH" } };
        assert.match(gatewayHttpsRedirect(typed(ISTIO, gateway([REDIRECT, passthrough]))).join("\n"), /tls.mode SIMPLE \(found mode "PASSTHROUGH"\)/);
        const extraPlain = { hosts: ["kf.example.org"], port: { name: "http-exact", number: 80, protocol: "http" } };
        assert.equal(gatewayHttpsRedirect(typed(ISTIO, gateway([REDIRECT, extraPlain, TLS_443]))).length, 1);
    });

    it("finds the gateway in a group's objs and in YAML (not JSON) text", () => {
        assert.equal(gatewayHttpsRedirect({ type: CONFIG_GROUP, props: { objs: [gateway([PLAIN_80, TLS_443])] } }).length, 1);
        assert.equal(gatewayHttpsRedirect({ type: CONFIG_GROUP, props: { yaml: yaml.dump(gateway([PLAIN_80, TLS_443])) } }).length, 1);
        assert.deepEqual(gatewayHttpsRedirect({ type: CONFIG_GROUP, props: { yaml: yaml.dump(gateway([REDIRECT, TLS_443])) } }), []);
    });

    it("concerns only kubeflow/kubeflow-gateway", () => {
        assert.deepEqual(gatewayHttpsRedirect(typed(ISTIO, gateway([PLAIN_80], { name: "other-gateway" }))), []);
        assert.deepEqual(gatewayHttpsRedirect(group([gateway([PLAIN_80], { namespace: "istio-system" })])), []);
        assert.deepEqual(gatewayHttpsRedirect(typed(SERVICE, service("kubeflow-gateway", "kubeflow", "ClusterIP"))), []);
    });
});

describe("rule: no LoadBalancer Service but the ingress gateway", () => {
    it("passes istio-system/istio-ingressgateway as a LoadBalancer and any ClusterIP Service", () => {
        assert.deepEqual(onlyIngressLoadBalancer(typed(SERVICE, service(INGRESS_SERVICE_NAME, INGRESS_NAMESPACE, "LoadBalancer"))), []);
        assert.deepEqual(
            onlyIngressLoadBalancer(
                group([service("minio-service", "kubeflow", "ClusterIP"), service(INGRESS_SERVICE_NAME, INGRESS_NAMESPACE, "LoadBalancer")]),
            ),
            [],
        );
    });

    it("fails a LoadBalancer Service elsewhere, typed and in a group", () => {
        const v = onlyIngressLoadBalancer(typed(SERVICE, service("minio-service", "kubeflow", "LoadBalancer")));
        assert.equal(v.length, 1);
        assert.match(v[0], /^core\/Service kubeflow\/minio-service: type LoadBalancer/);
        const g = onlyIngressLoadBalancer(group([service("ml-pipeline-ui", "kubeflow", "LoadBalancer"), service("ok", "kubeflow", "NodePort")]));
        assert.deepEqual(g.length, 1);
        assert.match(g[0], /kubeflow\/ml-pipeline-ui \(yaml document 1\)/);
    });

    it("reads a group's text the same whether it is the program's JSON documents or YAML", () => {
        const services = [service("ml-pipeline-ui", "kubeflow", "LoadBalancer"), service("ok", "kubeflow", "NodePort")];
        const asYaml: ResourceArgs = { type: CONFIG_GROUP, props: { yaml: services.map((o) => yaml.dump(o)).join("---\n") } };
        assert.deepEqual(kubernetesObjects(group(services)), kubernetesObjects(asYaml));
        assert.deepEqual(onlyIngressLoadBalancer(group(services)), onlyIngressLoadBalancer(asYaml));
        assert.equal(kubernetesObjects(group(services)).objects.length, 2);
    });

    it("fails the ingress gateway's name outside istio-system (and without a namespace)", () => {
        assert.equal(onlyIngressLoadBalancer(typed(SERVICE, service(INGRESS_SERVICE_NAME, "kubeflow", "LoadBalancer"))).length, 1);
        const unnamespaced = { apiVersion: "v1", kind: "Service", metadata: { name: INGRESS_SERVICE_NAME }, spec: { type: "LoadBalancer" } };
        assert.equal(onlyIngressLoadBalancer(group([unnamespaced])).length, 1);
    });
});

describe("rule: no credential in a ConfigMap", () => {
    it("passes ordinary configuration, empty credential keys and references to Secrets", () => {
        const ok = configMap({
            "minio-service-host": "minio-service.kubeflow",
            bucket: "mlpipeline",
            password: "",
            "client-secret-file": "/etc/oauth2-proxy/client-secret",
            dbPassword: "${MYSQL_PASSWORD}",
            "oauth2_proxy.cfg": 'provider = "oidc"\nclient_secret_file = "/etc/secret/client-secret"\ncookie_secure = true\n',
        });
        assert.deepEqual(noCredentialInConfigMap(typed(CONFIG_MAP, ok)), []);
        assert.deepEqual(noCredentialInConfigMap(group([ok])), []);
    });

    it("fails a ConfigMap with minio123, typed and in a group, without echoing the value", () => {
        const bad = configMap({ MINIO_SECRET_KEY_DEFAULT: "minio123" });
        const v = noCredentialInConfigMap(typed(CONFIG_MAP, bad));
        assert.equal(v.length, 1);
        assert.match(v[0], /core\/ConfigMap kubeflow\/settings: data.MINIO_SECRET_KEY_DEFAULT holds the published default credential "minio123"/);
        assert.match(noCredentialInConfigMap(group([service("a", "b", "ClusterIP"), bad])).join("\n"), /\(yaml document 2\)/);
        const embedded = configMap({ "config.json": JSON.stringify({ s3: { endpoint: "minio-service:9000", secretAccessKey: "minio123" } }) });
        assert.equal(noCredentialInConfigMap(group([embedded])).length, 1);
        assert.deepEqual(noCredentialInConfigMap(typed(CONFIG_MAP, configMap({ image: "example/minio1234:1" }))), [], "a longer token is not the default");
    });

    it("fails katib's default MySQL password, password hashes, private keys and JWTs", () => {
        const cases: Array<[string, RegExp]> = [
            ["MYSQL_ROOT_PASSWORD=12341234", /"12341234"/],
            ["staticPasswords:\n- hash: $2y$12$4K/VkmDd1q1Orb3xAt82zu8gk7Ad6ReFR4LCP9UeYE90NLiN9Df72", /bcrypt password hash/],
            ["-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----", /a private key/],
            ["-----BEGIN PRIVATE KEY-----\nMIIEvQ==\n-----END PRIVATE KEY-----", /a private key/],
            ["eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyQGV4YW1wbGUub3JnIn0.c2lnbmF0dXJlLWJ5dGVz", /JSON Web Token/],
        ];
        for (const [value, why] of cases) {
            const v = noCredentialInConfigMap(typed(CONFIG_MAP, configMap({ value })));
            assert.equal(v.length, 1, value);
            assert.match(v[0], why);
        }
    });

    it("fails credential keys with a value and credential assignments in configuration text", () => {
        for (const key of ["password", "client-secret", "cookie-secret", "COOKIE_SECRET", "dbPassword", "secret_key"]) {
            const v = noCredentialInConfigMap(typed(CONFIG_MAP, configMap({ [key]: "s3cr3t-value" })));
            assert.equal(v.length, 1, key);
            assert.match(v[0], new RegExp(`data\\.${key} holds a non-empty value under a credential key`));
        }
        const cfg = configMap({ "oauth2_proxy.cfg": 'provider = "oidc"\ncookie_secret = "0123456789abcdef0123456789abcdef"\n' });
        assert.match(noCredentialInConfigMap(typed(CONFIG_MAP, cfg)).join("\n"), /a literal cookie_secret in the configuration text/);
    });

    it("decodes binaryData", () => {
        const v = noCredentialInConfigMap(
            typed(CONFIG_MAP, configMap({}, { blob: Buffer.from("accesskey: minio\nsecretkey: minio123\n").toString("base64") })),
        );
        assert.equal(v.length, 1);
        assert.match(v[0], /binaryData\.blob/);
    });

    it("leaves Secrets alone: that is where credentials belong", () => {
        const secret = {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "mlpipeline-minio-artifact", namespace: "kubeflow" },
            stringData: { secretkey: "minio123" },
        };
        assert.deepEqual(noCredentialInConfigMap(typed("kubernetes:core/v1:Secret", secret)), []);
        assert.deepEqual(noCredentialInConfigMap(group([secret])), []);
    });
});

describe("rule: no shared object-store key in the profile namespaces", { skip: skipWithoutRenders() }, () => {
    const controllerOf = (objects: readonly KubeObject[]): KubeObject => {
        const c = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "kubeflow-pipelines-profile-controller");
        assert.ok(c);
        return c;
    };
    for (const id of availableRenders().filter((r) => findRelease(r)?.objectStore === "minio")) {
        it(`${id}: fails upstream's controller, which copies the root key; passes the program's`, () => {
            const render = loadRender(id);
            const upstream = noSharedObjectStoreKey(group([controllerOf(render)]));
            assert.equal(upstream.length, 2, upstream.join("\n"));
            assert.match(
                upstream[0],
                /apps\/Deployment kubeflow\/kubeflow-pipelines-profile-controller \(yaml document 1\): MINIO_ACCESS_KEY comes from Secret mlpipeline-minio-artifact/,
            );
            assert.deepEqual(noSharedObjectStoreKey(group([controllerOf(isolateArtifacts(render))])), []);
        });
    }

    it("leaves other Deployments alone", () => {
        const other = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "minio", namespace: "kubeflow" },
            spec: {
                template: {
                    spec: {
                        containers: [
                            {
                                name: "minio",
                                env: [{ name: "MINIO_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "mlpipeline-minio-artifact", key: "accesskey" } } }],
                            },
                        ],
                    },
                },
            },
        };
        assert.deepEqual(noSharedObjectStoreKey(group([other])), []);
    });
});

describe("rule: AKS cluster with RBAC and workload identity", () => {
    it("passes the cluster as components/aks-cluster.ts declares it", () => {
        assert.deepEqual(aksClusterSecurity(clusterArgs()), []);
    });

    it("fails a cluster without RBAC", () => {
        const v = aksClusterSecurity(clusterArgs({ enableRBAC: false }));
        assert.equal(v.length, 1);
        assert.match(v[0], /enableRBAC must be true, found false/);
        assert.match(aksClusterSecurity(clusterArgs({ enableRBAC: undefined })).join("\n"), /enableRBAC must be true, found unset/);
    });

    it("fails a cluster without workload identity or without the OIDC issuer", () => {
        assert.match(aksClusterSecurity(clusterArgs({ securityProfile: {} })).join("\n"), /securityProfile\.workloadIdentity\.enabled must be true/);
        assert.match(aksClusterSecurity(clusterArgs({ oidcIssuerProfile: { enabled: false } })).join("\n"), /oidcIssuerProfile\.enabled must be true/);
        assert.equal(aksClusterSecurity(clusterArgs({ enableRBAC: false, securityProfile: undefined, oidcIssuerProfile: undefined })).length, 3);
    });

    it("concerns only ManagedCluster", () => {
        assert.deepEqual(aksClusterSecurity({ type: "azure-native:containerservice:AgentPool", props: {} }), []);
    });
});

describe("rule: protect on in prod", () => {
    const resources = (protect: boolean): StackResource[] => [
        ...PROTECTED_IN_PROD.map((type, i) => ({ type, name: `r${i}`, urn: `urn:pulumi:prod::kubeflow-azure::${type}::r${i}`, protect })),
        { type: "azure-native:managedidentity:UserAssignedIdentity", name: "id", urn: "urn:id", protect: false },
    ];

    it("fails an unprotected cluster (and groups, app, IP) in prod, naming each URN", () => {
        const v = protectInProd(resources(false), { stack: "prod", prodStacks: ["prod"] });
        assert.deepEqual(
            v.map((x) => x.urn),
            PROTECTED_IN_PROD.map((type, i) => `urn:pulumi:prod::kubeflow-azure::${type}::r${i}`),
        );
        assert.match(v[0].message, /azure-native:containerservice:ManagedCluster r0 is not protected in production stack prod/);
    });

    it("passes protected resources in prod and unprotected ones in dev", () => {
        assert.deepEqual(protectInProd(resources(true), { stack: "prod", prodStacks: ["prod"] }), []);
        assert.deepEqual(protectInProd(resources(false), { stack: "dev", prodStacks: ["prod"] }), []);
    });

    it("takes the production stack names from config, and qualified stack names", () => {
        assert.equal(protectInProd(resources(false), { stack: "production", prodStacks: ["production", "prod-eu"] }).length, PROTECTED_IN_PROD.length);
        assert.ok(isProdStack("my-org/kubeflow-azure/prod", ["prod"]));
        assert.ok(!isProdStack("preprod", ["prod"]));
    });
});

describe("rule: managed state backed up in prod", () => {
    const prod = { stack: "prod", prodStacks: ["prod"] };
    const server = (days?: number): StackResource => ({
        type: MYSQL_SERVER,
        name: "db",
        urn: "urn:db",
        protect: true,
        props: { backup: days === undefined ? {} : { backupRetentionDays: days, geoRedundantBackup: "Enabled" } },
    });
    const account: StackResource = { type: STORAGE_ACCOUNT, name: "sa", urn: "urn:sa", protect: true, props: {} };
    const blob = (versioning: boolean, days: number, containerDays = days): StackResource => ({
        type: BLOB_SERVICE,
        name: "blob",
        urn: "urn:blob",
        protect: false,
        props: {
            isVersioningEnabled: versioning,
            deleteRetentionPolicy: { enabled: true, days },
            containerDeleteRetentionPolicy: { enabled: true, days: containerDays },
        },
    });

    it("passes a server and an account kept at least 7 days, and a stack with no managed state", () => {
        assert.deepEqual(managedStateBackupsInProd([server(7), account, blob(true, 7)], prod), []);
        assert.deepEqual(managedStateBackupsInProd([server(35), account, blob(true, 14)], prod), []);
        assert.deepEqual(managedStateBackupsInProd([{ type: MANAGED_CLUSTER, name: "c", urn: "urn:c", protect: true }], prod), []);
    });

    it("fails short or unset backups, and an account without versioning or soft delete, naming the config key", () => {
        const short = managedStateBackupsInProd([server(3), account, blob(true, 7)], prod);
        assert.deepEqual(
            short.map((v) => v.urn),
            ["urn:db"],
        );
        assert.match(
            short[0].message,
            /MySQL server db sets 3 day\(s\) of backups in production stack prod; keep at least 7 \(kubeflow-azure:state\.backupRetentionDays\)/,
        );
        assert.match(managedStateBackupsInProd([server(), account, blob(true, 7)], prod)[0].message, /sets no backup retention/);
        for (const weak of [blob(false, 7), blob(true, 3), blob(true, 7, 1)]) {
            const v = managedStateBackupsInProd([server(7), account, weak], prod);
            assert.deepEqual(
                v.map((x) => x.urn),
                ["urn:sa"],
                JSON.stringify(weak.props),
            );
        }
        assert.equal(managedStateBackupsInProd([server(7), account], prod).length, 1, "no blob service at all");
    });

    it("applies to production stacks only, with the fewest days from the policy's config", () => {
        assert.deepEqual(managedStateBackupsInProd([server(1), account], { stack: "dev", prodStacks: ["prod"] }), []);
        assert.equal(managedStateBackupsInProd([server(7), account, blob(true, 7)], { ...prod, minDays: 14 }).length, 2);
    });
});

describe("rule: sign-in restricted to groups in prod", () => {
    const sp = (required: boolean | undefined): StackResource => ({
        type: SERVICE_PRINCIPAL,
        name: "kf-prod-entra-sp",
        urn: "urn:sp",
        protect: false,
        props: required === undefined ? {} : { appRoleAssignmentRequired: required },
    });
    const assignment: StackResource = { type: APP_ROLE_ASSIGNMENT, name: "kf-prod-entra-group-x", urn: "urn:a", protect: false };
    const prod = { stack: "prod", prodStacks: ["prod"] };

    it("fails a prod service principal that any user of the tenant may sign in to, or one no group is assigned to", () => {
        const open = restrictedSignInInProd([sp(false)], prod);
        assert.deepEqual(
            open.map((v) => v.urn),
            ["urn:sp"],
        );
        assert.match(open[0].message, /lets every user of the tenant sign in to production stack prod; set kubeflow-azure:allowedGroupIds/);
        assert.equal(restrictedSignInInProd([sp(undefined), assignment], prod).length, 1);
        assert.equal(restrictedSignInInProd([sp(true)], prod).length, 1, "assignment required, but no group assigned: nobody may sign in");
    });

    it("passes assignment required with a group in prod, and anything in dev", () => {
        assert.deepEqual(restrictedSignInInProd([sp(true), assignment], prod), []);
        assert.deepEqual(restrictedSignInInProd([sp(false)], { stack: "dev", prodStacks: ["prod"] }), []);
    });
});

// ---------------------------------------------------------------------------------------
// The policies as the analyzer server calls them

// What the analyzer server wraps props in; exported by @pulumi/policy but typed @internal.
const { unknownCheckingProxy, UnknownValueError } = policySdk as unknown as {
    unknownCheckingProxy: <T>(props: T) => T;
    UnknownValueError: new (...args: never[]) => Error;
};

/** The unknownStringValue sentinel of @pulumi/policy (proxy.js): an input the engine does not know yet. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function validationArgs(type: string, props: Record<string, unknown>): ResourceValidationArgs {
    return {
        type,
        // As the server does: props behind the proxy that throws on unknown values.
        props: unknownCheckingProxy(props),
        urn: `urn:pulumi:dev::kubeflow-azure::${type}::r`,
        name: "r",
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string) => {
            throw new Error(`not applicable: ${reason ?? ""}`);
        },
    };
}

async function runResourcePolicy(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>): Promise<string[]> {
    const reported: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
    for (const validate of validations) {
        await validate(validationArgs(type, props), (message) => reported.push(message));
    }
    return reported;
}

async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: StackResource[],
    config: object = {},
): Promise<Array<{ message: string; urn?: string }>> {
    const reported: Array<{ message: string; urn?: string }> = [];
    const args = {
        resources: resources.map((r) => ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: {},
            opts: {
                protect: r.protect,
                ignoreChanges: [],
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
            },
            dependencies: [],
            propertyDependencies: {},
        })),
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason ?? ""}`);
        },
    } as unknown as StackValidationArgs;
    await policy.validateStack(args, (message, urn) => reported.push({ message, urn }));
    return reported;
}

describe("the policy pack", () => {
    const policies = kubeflowAzurePolicies(() => "prod");
    const byName = (name: string) => policies.find((p) => p.name === name);

    it("has the eight policies, all mandatory, with unique names", () => {
        assert.deepEqual(policies.map((p) => p.name).sort(), [
            "aks-rbac-and-workload-identity",
            "kubeflow-gateway-https-redirect",
            "managed-state-backups-in-prod",
            "no-credential-in-configmap",
            "no-shared-object-store-key",
            "only-ingress-gateway-load-balancer",
            "protect-in-prod",
            "restricted-sign-in-in-prod",
        ]);
        assert.ok(policies.every((p) => p.enforcementLevel === "mandatory"));
        assert.ok(policies.every((p) => p.description.length > 20 && !p.description.startsWith(p.name)));
    });

    it("reports each violation through reportViolation, and nothing for a compliant resource", async () => {
        const lb = byName("only-ingress-gateway-load-balancer") as ResourceValidationPolicy;
        assert.equal(
            (await runResourcePolicy(lb, CONFIG_GROUP, group([service("a", "kubeflow", "LoadBalancer"), service("b", "kubeflow", "LoadBalancer")]).props))
                .length,
            2,
        );
        assert.deepEqual(await runResourcePolicy(lb, SERVICE, service("a", "kubeflow", "ClusterIP")), []);
        const aks = byName("aks-rbac-and-workload-identity") as ResourceValidationPolicy;
        assert.equal((await runResourcePolicy(aks, MANAGED_CLUSTER, clusterArgs({ enableRBAC: false }).props)).length, 1);
    });

    it("does not pass a group whose text is unknown at preview: the engine reports the policy could not run", async () => {
        const gw = byName("kubeflow-gateway-https-redirect") as ResourceValidationPolicy;
        await assert.rejects(runResourcePolicy(gw, CONFIG_GROUP, { yaml: UNKNOWN_STRING }), UnknownValueError);
    });

    it("does not read typed resources it does not judge, so their unknown inputs cost nothing", async () => {
        for (const policy of policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p)) {
            assert.deepEqual(
                await runResourcePolicy(policy, "kubernetes:core/v1:Secret", { metadata: { name: "s" }, stringData: UNKNOWN_STRING }),
                [],
                policy.name,
            );
        }
        const cm = byName("no-credential-in-configmap") as ResourceValidationPolicy;
        await assert.rejects(runResourcePolicy(cm, CONFIG_MAP, { metadata: { name: "c" }, data: UNKNOWN_STRING }), UnknownValueError);
    });

    it("protect-in-prod uses the stack name it is given and the prodStacks config", async () => {
        const unprotected: StackResource[] = [{ type: MANAGED_CLUSTER, name: "kf-prod-aks", urn: "urn:cluster", protect: false }];
        assert.deepEqual(
            (
                await runStackPolicy(
                    protectPolicy(() => "prod"),
                    unprotected,
                )
            ).map((v) => v.urn),
            ["urn:cluster"],
        );
        assert.deepEqual(
            await runStackPolicy(
                protectPolicy(() => "dev"),
                unprotected,
            ),
            [],
        );
        assert.equal(
            (
                await runStackPolicy(
                    protectPolicy(() => "live"),
                    unprotected,
                    { prodStacks: ["live"] },
                )
            ).length,
            1,
        );
        assert.deepEqual(
            await runStackPolicy(
                protectPolicy(() => "prod"),
                unprotected,
                { prodStacks: ["live"] },
            ),
            [],
        );
    });
});

// ---------------------------------------------------------------------------------------
// What the real builders and the whole program produce

describe("the edge the real builders produce passes", { skip: skipWithoutRenders() }, () => {
    for (const id of availableRenders()) {
        it(`${id}: buildGateway and buildIngressService on the render, typed and as the edge groups' text`, () => {
            const handed = loadRender(id).filter(edge.isEdgeObject);
            const upstreamGateway = handed.find((o) => o.kind === "Gateway") as KubeObject;
            const upstreamService = handed.find((o) => o.kind === "Service") as KubeObject;
            assert.ok(upstreamGateway && upstreamService, "the render hands over the gateway and the ingress Service");
            // The upstream objects are what the rules exist for: a plain HTTP gateway, and in
            // the releases that ship dex, its password hashes in a ConfigMap (dropped by the program).
            assert.equal(gatewayHttpsRedirect(group([upstreamGateway])).length, 2, "the upstream gateway fails");
            const rawConfigMaps = noCredentialInConfigMap(group(loadRender(id)));
            assert.ok(
                rawConfigMaps.every((m) => m.startsWith("core/ConfigMap auth/dex ")),
                rawConfigMaps.join("\n"),
            );

            const gw = edge.buildGateway(upstreamGateway, SETTINGS);
            const svc = edge.buildIngressService(upstreamService, SETTINGS);
            const certificate = [
                ...edge.buildAcmeObjects({ ...SETTINGS, issuer: "letsencrypt", acmeEmail: "ops@example.org" }),
                edge.buildCertificate(SETTINGS),
            ];
            for (const resource of [group([gw]), group([svc]), group(certificate), typed(`kubernetes:${gw.apiVersion}:Gateway`, gw), typed(SERVICE, svc)]) {
                assert.deepEqual(allViolations(resource), {});
            }
            // The same Service under another name would be a second public load balancer.
            const renamed = { ...svc, metadata: { ...svc.metadata, name: "kubeflow-public" } };
            assert.equal(onlyIngressLoadBalancer(group([renamed])).length, 1);
        });
    }
});

/** Inputs as the policy sees them: secrets unwrapped to their values. */
function unwrapSecrets(value: unknown): unknown {
    if (isSecretValue(value)) {
        return unwrapSecrets((value as { value: unknown }).value);
    }
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

describe("the whole program passes the pack", () => {
    let mocks: Mocks;
    before(async () => {
        mocks = await installMocks();
    });

    async function run(stack: string, overrides: Record<string, unknown> = {}, rendered = miniRelease()): Promise<void> {
        await runProgram(mocks, { stack, overrides, rendered });
    }

    function resourceViolations(): string[] {
        return mocks.resources.flatMap((r: RecordedResource) =>
            Object.entries(allViolations({ type: r.type, props: unwrapSecrets(r.inputs) as Record<string, unknown> })).flatMap(([policy, messages]) =>
                messages.map((m) => `${policy}: ${r.type} ${r.name}: ${m}`),
            ),
        );
    }

    const stackResources = (): StackResource[] =>
        mocks.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, protect: r.protect, props: unwrapSecrets(r.inputs) as Record<string, unknown> }));

    it("dev (mini render): no resource violation; the stack would fail protect-in-prod if it were prod", async () => {
        await run("dev");
        assert.ok(mocks.ofType(CONFIG_GROUP).length > 3 && mocks.ofType(MANAGED_CLUSTER).length === 1, "the program registered its groups and cluster");
        assert.deepEqual(resourceViolations(), []);
        assert.deepEqual(protectInProd(stackResources(), { stack: "dev", prodStacks: ["prod"] }), []);
        // Dev lets the whole tenant sign in: as a prod stack, the pack would say so.
        assert.equal(restrictedSignInInProd(stackResources(), { stack: "prod", prodStacks: ["prod"] }).length, 1);
        const asProd = protectInProd(stackResources(), { stack: "prod", prodStacks: ["prod"] });
        const types = asProd.map((v) => mocks.byUrn(v.urn ?? "")?.type);
        // Dev keeps its state in the cluster: no server, no storage account to protect.
        const stateTypes = ["azure-native:dbformysql:Server", "azure-native:storage:StorageAccount"];
        assert.deepEqual(
            types.sort(),
            [...PROTECTED_IN_PROD.filter((t) => !stateTypes.includes(t)), "azure-native:resources:ResourceGroup"].sort(),
            "cluster, both resource groups, Entra app, public IP",
        );
    });

    it("prod (mini render): no resource violation, and everything that must be is protected", async () => {
        await run("prod");
        assert.deepEqual(resourceViolations(), []);
        assert.deepEqual(protectInProd(stackResources(), { stack: "prod", prodStacks: ["prod"] }), []);
        assert.deepEqual(restrictedSignInInProd(stackResources(), { stack: "prod", prodStacks: ["prod"] }), []);
    });

    for (const id of availableRenders()) {
        it(`prod on the ${id} render: every group, ConfigMap and Service of the release passes`, { skip: skipWithoutRenders() }, async () => {
            const catalog = await import("../manifests/catalog");
            const release = catalog.findRelease(id);
            assert.ok(release);
            // Releases with a client secret need its issue date (the end date derives from it).
            const rotation = { "kubeflow-azure:clientSecret": { validityDays: 180, rotation: new Date().toISOString().slice(0, 10) } };
            // prod's managed state needs SeaweedFS: the MinIO releases keep it in the cluster.
            const state = release.objectStore === "minio" ? { "kubeflow-azure:state": "in-cluster" } : {};
            await run(
                "prod",
                { "kubeflow-azure:kubeflowRelease": id, "kubeflow-azure:kubernetesVersion": release.kubernetes.max, ...rotation, ...state },
                { release, objects: loadRender(id), origin: id },
            );
            const groups = mocks.ofType(CONFIG_GROUP);
            const configMaps = groups
                .flatMap((g) => kubernetesObjects({ type: g.type, props: unwrapSecrets(g.inputs) as Record<string, unknown> }).objects)
                .filter((f) => f.kind === "ConfigMap");
            assert.ok(configMaps.length > 5, `${configMaps.length} ConfigMaps checked`);
            assert.deepEqual(resourceViolations(), []);
            assert.deepEqual(protectInProd(stackResources(), { stack: "prod", prodStacks: ["prod"] }), []);
            assert.deepEqual(managedStateBackupsInProd(stackResources(), { stack: "prod", prodStacks: ["prod"] }), []);
            assert.equal(mocks.ofType(MYSQL_SERVER).length, release.objectStore === "minio" ? 0 : 1, "managed state where the release allows it");
        });
    }
    if (availableRenders().length === 0) {
        it("on the real renders", { skip: skipWithoutRenders() }, () => undefined);
    }
});

// ---------------------------------------------------------------------------------------
// The pack as the CLI runs it: its own node_modules, ts-node, the analyzer gRPC protocol

const POLICY_DIR = path.resolve(__dirname, "..", "policy");
const RUN_POLICY_PACK = path.join(POLICY_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
const packInstalled = fs.existsSync(RUN_POLICY_PACK) && fs.existsSync(path.join(POLICY_DIR, "node_modules", "@pulumi", "policy"));

interface AnalyzerClient {
    getAnalyzerInfo(
        req: unknown,
        cb: (err: Error | null, res: { getName(): string; getPoliciesList(): Array<{ getName(): string; getEnforcementlevel(): number }> }) => void,
    ): void;
    analyze(
        req: unknown,
        cb: (err: Error | null, res: { getDiagnosticsList(): Array<{ getPolicyname(): string; getMessage(): string; getEnforcementlevel(): number }> }) => void,
    ): void;
    close(): void;
}

/** Skipped locally without the pack's dependencies; in CI (which installs them) their absence fails. */
function packSkipReason(): string | false {
    if (packInstalled) {
        return false;
    }
    if (inCi()) {
        throw new Error("CI is set and policy/node_modules is absent: run `npm ci --prefix policy` before the tests");
    }
    return "policy/node_modules absent (npm ci --prefix policy): the pack is not started";
}

describe("the pack under the analyzer protocol", { skip: packSkipReason() }, () => {
    it("serves every mandatory policy of the pack and reports a LoadBalancer in a ConfigGroup's text", async () => {
        // The same modules the CLI would talk to the pack through, as @pulumi/pulumi resolves them.
        const fromPulumi = createRequire(require.resolve("@pulumi/pulumi"));
        const grpc = fromPulumi("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
        const { AnalyzerClient } = fromPulumi("@pulumi/pulumi/proto/analyzer_grpc_pb") as {
            AnalyzerClient: new (address: string, creds: unknown) => AnalyzerClient;
        };
        const pb = fromPulumi("@pulumi/pulumi/proto/analyzer_pb") as typeof import("@pulumi/pulumi/proto/analyzer_pb");
        const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(value: Record<string, unknown>): unknown } };
        const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };

        // The engine address is required by the launcher but not used by a policy pack.
        const child = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:1", "."], {
            cwd: POLICY_DIR,
            env: { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true", PULUMI_NODEJS_STACK: "prod" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        try {
            const port = await new Promise<string>((resolve, reject) => {
                let out = "";
                child.stdout.on("data", (d: Buffer) => {
                    out += d.toString();
                    const m = /^(\d+)\s*$/m.exec(out);
                    if (m) {
                        resolve(m[1]);
                    }
                });
                child.on("exit", (code) => reject(new Error(`the pack exited (${String(code)}) before serving:\n${stderr}`)));
            });
            const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const info = await new Promise<Parameters<Parameters<AnalyzerClient["getAnalyzerInfo"]>[1]>[1]>((resolve, reject) =>
                client.getAnalyzerInfo(new Empty(), (err, res) => (err ? reject(err) : resolve(res))),
            );
            assert.equal(info.getName(), "kubeflow-azure");
            const MANDATORY = 1; // pulumirpc.EnforcementLevel.MANDATORY
            assert.deepEqual(
                info
                    .getPoliciesList()
                    .map((p) => `${p.getName()}:${p.getEnforcementlevel()}`)
                    .sort(),
                kubeflowAzurePolicies(() => "prod")
                    .map((p) => `${p.name}:${MANDATORY}`)
                    .sort(),
            );

            const req = new pb.AnalyzeRequest();
            req.setType(CONFIG_GROUP);
            req.setName("g");
            req.setUrn(`urn:pulumi:prod::kubeflow-azure::${CONFIG_GROUP}::g`);
            req.setProperties(
                Struct.fromJavaScript(group([service("ml-pipeline-ui", "kubeflow", "LoadBalancer"), configMap({ secretkey: "minio123" })]).props) as never,
            );
            req.setOptions(new pb.AnalyzerResourceOptions());
            const res = await new Promise<Parameters<Parameters<AnalyzerClient["analyze"]>[1]>[1]>((resolve, reject) =>
                client.analyze(req, (err, r) => (err ? reject(err) : resolve(r))),
            );
            client.close();
            const diagnostics = res
                .getDiagnosticsList()
                .map((d) => `${d.getPolicyname()}:${d.getEnforcementlevel()}`)
                .sort();
            assert.deepEqual(diagnostics, ["no-credential-in-configmap:1", "only-ingress-gateway-load-balancer:1"]);
        } finally {
            child.kill();
        }
    });
});
