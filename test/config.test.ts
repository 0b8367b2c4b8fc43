import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, DEFAULTS, KEYS, NAMESPACE, RawConfig, resolveConfig } from "../config";
import { projectFile, stackConfig } from "./stack-files";

const base: RawConfig = { "azure-native:location": "westeurope" };
const ns = (key: string): string => `${NAMESPACE}:${key}`;
const withKeys = (values: Record<string, unknown>): RawConfig => {
    const raw: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries(values)) {
        raw[k.includes(":") ? k : ns(k)] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return raw;
};

function problemsOf(raw: RawConfig, stack = "dev"): string {
    try {
        resolveConfig(raw, stack);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.message;
    }
    return assert.fail("configuration was accepted");
}

describe("config defaults", () => {
    it("derives name, DNS label and hostname from the stack and region", () => {
        const cfg = resolveConfig(base, "dev");
        assert.equal(cfg.name, "kf-dev");
        assert.equal(cfg.dnsLabel, "kf-dev");
        assert.equal(cfg.hostname, "kf-dev.westeurope.cloudapp.azure.com");
        assert.equal(cfg.kubeflowRelease, "26.03");
        assert.equal(cfg.kubernetesVersion, "1.34");
        assert.equal(cfg.tenantId, undefined);
        assert.deepEqual(cfg.systemPool, DEFAULTS.systemPool);
        assert.deepEqual(cfg.userPool, DEFAULTS.userPool);
        assert.deepEqual(cfg.tls, { issuer: "self-signed" });
        assert.equal(cfg.protect, false);
        assert.equal(cfg.manifests, undefined);
    });

    it("normalises a display-style region name", () => {
        assert.equal(resolveConfig({ "azure-native:location": "West Europe" }, "dev").location, "westeurope");
    });

    it("a custom hostname wins over the Azure DNS name", () => {
        const cfg = resolveConfig(withKeys({ hostname: "Kubeflow.Example.com", dnsLabel: "kfdemo" }), "dev");
        assert.equal(cfg.hostname, "kubeflow.example.com");
        assert.equal(cfg.dnsLabel, "kfdemo");
    });

    it("merges partial pool objects over their defaults", () => {
        const cfg = resolveConfig(withKeys({ userPool: { maxCount: 7 } }), "dev");
        assert.deepEqual(cfg.userPool, { ...DEFAULTS.userPool, maxCount: 7 });
    });

    it("accepts tls given as a bare issuer name", () => {
        assert.deepEqual(resolveConfig(withKeys({ tls: "self-signed" }), "dev").tls, { issuer: "self-signed" });
    });

    it("returns a frozen object", () => {
        const cfg = resolveConfig(base, "dev");
        assert.ok(Object.isFrozen(cfg));
        assert.ok(Object.isFrozen(cfg.systemPool));
    });

    it("Pulumi.yaml declares a description for every key and the same defaults as config.ts", () => {
        const schema = projectFile().config;
        const objectKeys = ["systemPool", "userPool", "tls", "clientSecret"];
        for (const key of KEYS) {
            if (objectKeys.includes(key)) {
                assert.equal(schema[key], undefined, `${key} is an object: the schema cannot type it`);
                continue;
            }
            assert.ok(schema[key], `Pulumi.yaml lacks ${key}`);
            assert.ok((schema[key].description ?? "").length > 20, `${key} needs a description`);
            const fixed = (DEFAULTS as Record<string, unknown>)[key];
            assert.deepEqual(schema[key].default, fixed, `default of ${key}`);
        }
        assert.deepEqual(Object.keys(schema).sort(), KEYS.filter((k) => !objectKeys.includes(k)).sort());
    });
});

describe("config rules", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["name with upper case", { name: "KF-Dev" }, /kubeflow-azure:name: "KF-Dev": lower-case alphanumerics/],
        ["name longer than 25", { name: "a".repeat(26) }, /kubeflow-azure:name: "a{26}": .*at most 25 characters/],
        ["name ending in '-'", { name: "kf-" }, /kubeflow-azure:name: "kf-"/],
        ["DNS label starting with a digit", { dnsLabel: "1kf" }, /kubeflow-azure:dnsLabel: "1kf": an Azure DNS label/],
        ["hostname with a bad label", { hostname: "kf_.example.com" }, /kubeflow-azure:hostname: "kf_\.example\.com": a fully qualified DNS name/],
        ["tenant that is no GUID", { tenantId: "contoso" }, /kubeflow-azure:tenantId: "contoso": a GUID/],
        ["Kubernetes version text", { kubernetesVersion: "latest" }, /kubeflow-azure:kubernetesVersion: "latest": major\.minor/],
        ["system pool of zero nodes", { systemPool: { count: 0 } }, /kubeflow-azure:systemPool\.count: 0: an integer from 1/],
        ["system pool VM size", { systemPool: { vmSize: "big" } }, /kubeflow-azure:systemPool\.vmSize: "big": an Azure VM size/],
        ["user pool min above max", { userPool: { minCount: 5, maxCount: 2 } }, /kubeflow-azure:userPool: "minCount 5, maxCount 2": 0 <= minCount <= maxCount/],
        ["user pool negative min", { userPool: { minCount: -1 } }, /kubeflow-azure:userPool\.minCount: -1/],
        ["user pool spot not boolean", { userPool: { spot: "yes" } }, /kubeflow-azure:userPool\.spot: "yes": true or false/],
        ["user pool unknown field", { userPool: { maxNodes: 3 } }, /kubeflow-azure:userPool\.maxNodes: 3: unknown field/],
        ["CIDR without prefix", { authorizedIpRanges: ["10.0.0.1"] }, /kubeflow-azure:authorizedIpRanges\[0\]: "10\.0\.0\.1": an IPv4 CIDR/],
        ["CIDR out of range", { authorizedIpRanges: ["10.0.0.0/8", "300.1.1.1/32"] }, /authorizedIpRanges\[1\]: "300\.1\.1\.1\/32"/],
        ["ranges not a list", { authorizedIpRanges: "10.0.0.0/8" }, /kubeflow-azure:authorizedIpRanges: "10\.0\.0\.0\/8": a list/],
        ["zone 4", { zones: ["1", "4"] }, /kubeflow-azure:zones\[1\]: "4": an availability zone/],
        ["unknown release", { kubeflowRelease: "v1.6.0" }, /kubeflow-azure:kubeflowRelease: "v1\.6\.0": one of the supported releases: .*26\.03/],
        ["missing manifests path", { manifests: "/nonexistent/render.yaml" }, /kubeflow-azure:manifests: "\/nonexistent\/render\.yaml": an existing kustomization directory or rendered YAML file/],
        ["group that is no GUID", { allowedGroupIds: ["admins"] }, /kubeflow-azure:allowedGroupIds\[0\]: "admins": an Entra group object id/],
        ["unknown TLS issuer", { tls: { issuer: "acme" } }, /kubeflow-azure:tls\.issuer: "acme": self-signed or letsencrypt/],
        ["letsencrypt without e-mail", { tls: { issuer: "letsencrypt" } }, /kubeflow-azure:tls\.email: \(unset\): an e-mail address, required with tls\.issuer letsencrypt/],
        ["protect not boolean", { protect: "yes" }, /kubeflow-azure:protect: "yes": true or false/],
        ["secret validity of 0 days", { clientSecret: { validityDays: 0 } }, /kubeflow-azure:clientSecret\.validityDays: 0: an integer from 1 to 730/],
    ];
    for (const [title, values, expected] of cases) {
        it(`rejects ${title}`, () => {
            assert.match(problemsOf(withKeys(values)), expected);
        });
    }

    it("warns, without refusing, about a Kubernetes version outside the release's tested range", () => {
        const cfg = resolveConfig(withKeys({ kubernetesVersion: "1.20" }), "dev");
        assert.equal(cfg.kubernetesVersion, "1.20");
        assert.equal(cfg.warnings.length, 1);
        assert.match(cfg.warnings[0], /kubernetesVersion 1\.20 is outside the range Kubeflow 26\.03 is tested on \(1\.34 to 1\.35\)/);
        assert.deepEqual(resolveConfig(base, "dev").warnings, []);
    });

    it("requires azure-native:location", () => {
        assert.match(problemsOf({}), /azure-native:location: \(unset\): required/);
    });

    it("reports an unknown key with the nearest known one", () => {
        assert.match(problemsOf(withKeys({ kubeflowRelese: "26.03" })), /kubeflow-azure:kubeflowRelese: "26\.03": unknown key \(did you mean kubeflow-azure:kubeflowRelease\?\)/);
    });

    it("reports a typo in the namespace like a typo in a key, with the key it meant", () => {
        assert.match(problemsOf(withKeys({ "kubeflow-azur:name": "kf-dev" })), /kubeflow-azur:name: "kf-dev": unknown namespace kubeflow-azur \(did you mean kubeflow-azure:name\?\)/);
        assert.match(problemsOf(withKeys({ "kubeflowazure:userPol": "{}" })), /kubeflowazure:userPol: "\{\}": unknown namespace kubeflowazure \(did you mean kubeflow-azure:userPool\?\)/);
    });

    it("accepts clientSecret.rotation stored as a number by `pulumi config set --path` (Pulumi CLI docs, pulumi config set: integers on a path are numbers)", () => {
        const cfg = resolveConfig({ ...base, [ns("clientSecret")]: JSON.stringify({ rotation: 2 }) }, "dev");
        assert.equal(cfg.clientSecret.rotation, "2");
        assert.equal(cfg.clientSecret.validityDays, DEFAULTS.clientSecret.validityDays);
        assert.match(problemsOf(withKeys({ clientSecret: { rotation: 2.5 } })), /kubeflow-azure:clientSecret\.rotation: 2\.5: a non-empty label/);
        assert.match(problemsOf(withKeys({ clientSecret: { rotation: "" } })), /kubeflow-azure:clientSecret\.rotation: "": a non-empty label/);
    });

    it("ignores other namespaces' keys", () => {
        assert.doesNotThrow(() => resolveConfig({ ...base, "azure-native:subscriptionId": "x", "kubernetes:context": "y" }, "dev"));
    });

    it("blames the stack name when the derived name is invalid", () => {
        assert.match(problemsOf(base, "Production_EU"), /"kf-Production_EU": .*derived from the stack name Production_EU; set kubeflow-azure:name/);
    });

    it("reports every problem at once", () => {
        const message = problemsOf(withKeys({ name: "BAD", tenantId: "x", userPool: { minCount: 3, maxCount: 1 }, protect: "maybe", tpyo: 1 }));
        assert.match(message, /^6 configuration problem\(s\); nothing was created:/);
        for (const key of ["name", "dnsLabel", "tenantId", "userPool", "protect", "tpyo"]) {
            assert.match(message, new RegExp(`kubeflow-azure:${key}\\b`), key);
        }
    });
});

describe("stack files", () => {
    for (const stack of ["dev", "prod"]) {
        it(`Pulumi.${stack}.yaml resolves`, () => {
            const cfg = resolveConfig(stackConfig(stack), stack);
            assert.equal(cfg.name, `kf-${stack}`);
            assert.equal(cfg.protect, stack === "prod");
        });
    }

    it("prod differs from dev where environments should", () => {
        const dev = resolveConfig(stackConfig("dev"), "dev");
        const prod = resolveConfig(stackConfig("prod"), "prod");
        assert.equal(prod.tls.issuer, "letsencrypt");
        assert.ok(prod.tls.email);
        assert.deepEqual(prod.zones, ["1", "2", "3"]);
        assert.ok(prod.authorizedIpRanges.length > 0);
        assert.ok(prod.userPool.minCount >= 1 && !prod.userPool.spot);
        assert.ok(prod.systemPool.count > dev.systemPool.count);
        assert.equal(dev.tls.issuer, "self-signed");
    });
});
