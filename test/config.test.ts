import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AZURE_NAME_LIMITS, ConfigError, DEFAULTS, KEYS, NAMESPACE, RawConfig, derivedAzureNames, resolveConfig, stackSuffix } from "../config";
import { AZURE_REGIONS } from "../azure/regions";
import { CONTEXT, projectFile, stackConfig, templateValues } from "./stack-files";

const base: RawConfig = { "azure-native:location": "westeurope" };
const ns = (key: string): string => `${NAMESPACE}:${key}`;
/**
 * The warnings other than the standing ones that every stack without allowedGroupIds
 * (open sign-in) or authorizedIpRanges (open API server) gets.
 */
const STANDING = ["allowedGroupIds is empty", "authorizedIpRanges is empty"];
const others = (warnings: readonly string[]): string[] => warnings.filter((w) => !STANDING.some((s) => w.includes(s)));

const withKeys = (values: Record<string, unknown>): RawConfig => {
    const raw: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries(values)) {
        raw[k.includes(":") ? k : ns(k)] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return raw;
};

function problemsOf(raw: RawConfig, stack = "dev"): string {
    try {
        resolveConfig(raw, stack, CONTEXT);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.message;
    }
    return assert.fail("configuration was accepted");
}

describe("config defaults", () => {
    it("derives name, DNS label and hostname from the stack and region", () => {
        const cfg = resolveConfig(base, "dev", CONTEXT);
        assert.equal(cfg.name, "kf-dev");
        assert.equal(cfg.dnsLabel, `kf-dev-${stackSuffix(CONTEXT, "dev")}`);
        assert.match(cfg.dnsLabel, /^kf-dev-[0-9a-f]{6}$/);
        assert.equal(cfg.hostname, `${cfg.dnsLabel}.westeurope.cloudapp.azure.com`);
        assert.deepEqual(cfg.adminGroupIds, []);
        assert.equal(cfg.localAccounts, false, "no admin kubeconfig unless asked for");
        assert.equal(cfg.gpuPool, undefined);
        assert.deepEqual(cfg.maintenanceWindow, DEFAULTS.maintenanceWindow);
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
        assert.equal(resolveConfig({ "azure-native:location": "West Europe" }, "dev", CONTEXT).location, "westeurope");
    });

    it("refuses a misspelled region with the region it resembles, before anything is created", () => {
        assert.match(
            problemsOf({ "azure-native:location": "westeurpoe" }),
            /azure-native:location: "westeurpoe": not an Azure region \(did you mean westeurope\?\)/,
        );
        assert.match(problemsOf({ "azure-native:location": "eastu2" }), /did you mean eastus or eastus2\?/);
        assert.match(problemsOf({ "azure-native:location": "Sweden Centrl" }), /did you mean swedencentral\?/);
    });

    it("warns, and goes on, for a well-formed region the table does not list (Azure opens new ones)", () => {
        for (const region of ["westus4", "atlantiscentral"]) {
            const cfg = resolveConfig({ "azure-native:location": region }, "dev", CONTEXT);
            assert.equal(cfg.location, region);
            assert.ok(
                others(cfg.warnings).some((w) => w.includes(`azure-native:location ${region} is not in the project's region table`)),
                others(cfg.warnings).join("\n"),
            );
        }
        assert.deepEqual(others(resolveConfig(base, "dev", CONTEXT).warnings), [], "a listed open region gives no warning");
    });

    it("warns about a restricted region and zones where the region has none", () => {
        const restricted = resolveConfig({ "azure-native:location": "germanynorth" }, "dev", CONTEXT);
        assert.ok(others(restricted.warnings).some((w) => /germanynorth is a restricted region: a subscription needs an access request/.test(w)));
        const zonesWithout = resolveConfig(withKeys({ "azure-native:location": "westus", zones: ["1", "2"] }), "dev", CONTEXT);
        assert.ok(others(zonesWithout.warnings).some((w) => /zones is set but westus has no availability zones/.test(w)));
        const zonesWith = resolveConfig(withKeys({ zones: ["1", "2"] }), "dev", CONTEXT);
        assert.deepEqual(others(zonesWith.warnings), []);
    });

    it("a custom hostname wins over the Azure DNS name", () => {
        const cfg = resolveConfig(withKeys({ hostname: "Kubeflow.Example.com", dnsLabel: "kfdemo" }), "dev", CONTEXT);
        assert.equal(cfg.hostname, "kubeflow.example.com");
        assert.equal(cfg.dnsLabel, "kfdemo");
    });

    it("merges partial pool objects over their defaults", () => {
        const cfg = resolveConfig(withKeys({ userPool: { maxCount: 7 } }), "dev", CONTEXT);
        assert.deepEqual(cfg.userPool, { ...DEFAULTS.userPool, maxCount: 7 });
    });

    it("accepts tls given as a bare issuer name", () => {
        assert.deepEqual(resolveConfig(withKeys({ tls: "self-signed" }), "dev", CONTEXT).tls, { issuer: "self-signed" });
    });

    it("returns a frozen object", () => {
        const cfg = resolveConfig(base, "dev", CONTEXT);
        assert.ok(Object.isFrozen(cfg));
        assert.ok(Object.isFrozen(cfg.systemPool));
    });

    it("Pulumi.yaml declares a description for every key and the same defaults as config.ts", () => {
        const schema = projectFile().config;
        const objectKeys = ["systemPool", "userPool", "tls", "clientSecret", "gpuPool", "maintenanceWindow", "profiles", "selfServiceQuota", "state"];
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

describe("Azure names (Microsoft's naming rules; AKS's 80-character node resource group limit)", () => {
    // The longest region names in Azure's list (18 characters today).
    const longest = Math.max(...AZURE_REGIONS.map((r) => r.name.length));
    const longRegions = AZURE_REGIONS.filter((r) => r.name.length === longest).map((r) => r.name);

    it("sets an explicit node resource group, short and derived from the name", () => {
        const cfg = resolveConfig(base, "dev", CONTEXT);
        assert.equal(cfg.nodeResourceGroup, `kf-dev-${stackSuffix(CONTEXT, "dev")}-nodes`);
    });

    for (const region of longRegions) {
        it(`fits every derived name in its limit for the longest name (25) in ${region}`, () => {
            const name = "a".repeat(25);
            const cfg = resolveConfig({ "azure-native:location": region, [ns("name")]: name }, "dev", CONTEXT);
            assert.ok(cfg.dnsLabel.length <= AZURE_NAME_LIMITS.dnsLabel);
            for (const derived of derivedAzureNames(cfg.name, cfg.nodeResourceGroup)) {
                assert.ok(derived.value.length <= derived.limit, `${derived.key}: ${derived.value.length} > ${derived.limit}`);
            }
            // The name AKS would have derived without nodeResourceGroup passes 80 here.
            const implicit = `MC_${name}-cluster-rgxxxxxxxx_${name}-cluster-aksxxxxxxxx_${region}`;
            assert.ok(implicit.length > AZURE_NAME_LIMITS.nodeResourceGroup);
        });
    }

    it("checks each derived name against its limit", () => {
        const over = derivedAzureNames("n".repeat(60), "g".repeat(81))
            .filter((d) => d.value.length > d.limit)
            .map((d) => d.key);
        assert.deepEqual(over, ["cluster", "node resource group"]);
    });
});

describe("DNS label: unique per subscription and stack, used as given when set", () => {
    it("differs between subscriptions, organizations and stacks, and is stable", () => {
        const label = (context = CONTEXT, stack = "dev") => resolveConfig({ ...base, [ns("name")]: "kf" }, stack, context).dnsLabel;
        assert.equal(label(), label());
        assert.notEqual(label(), label({ ...CONTEXT, subscriptionId: "99999999-1111-2222-3333-444444444444" }));
        assert.notEqual(label(), label({ ...CONTEXT, organization: "other-team" }));
        assert.notEqual(label(), label(CONTEXT, "staging"));
    });

    it("takes an explicit dnsLabel as given", () => {
        const cfg = resolveConfig(withKeys({ dnsLabel: "kubeflow-contoso" }), "dev", CONTEXT);
        assert.equal(cfg.dnsLabel, "kubeflow-contoso");
        assert.equal(cfg.hostname, "kubeflow-contoso.westeurope.cloudapp.azure.com");
    });
});

describe("placeholders a template leaves are refused", () => {
    for (const range of ["203.0.113.0/24", "192.0.2.10/32", "198.51.100.0/25", "198.51.0.0/16"]) {
        it(`refuses the documentation range ${range} in authorizedIpRanges`, () => {
            assert.match(
                problemsOf(withKeys({ authorizedIpRanges: ["20.61.10.0/24", range] })),
                new RegExp(`kubeflow-azure:authorizedIpRanges\\[1\\]: "${range.replace(/[./]/g, "\\$&")}": a documentation range .*put the egress CIDRs`),
            );
        });
    }

    for (const range of ["192.168.0.0/16", "10.1.0.0/24", "172.20.0.0/16", "100.64.1.0/24", "127.0.0.1/32", "169.254.0.0/16"]) {
        it(`refuses ${range} in authorizedIpRanges: the public endpoint never sees a caller there`, () => {
            assert.match(
                problemsOf(withKeys({ authorizedIpRanges: [range] })),
                new RegExp(
                    `kubeflow-azure:authorizedIpRanges\\[0\\]: "${range.replace(/[./]/g, "\\$&")}": a private, shared or loopback range: .*would lock pulumi out`,
                ),
            );
        });
    }

    it("accepts a range that holds public addresses as well as private ones", () => {
        assert.deepEqual(resolveConfig(withKeys({ authorizedIpRanges: ["172.0.0.0/8"] }), "dev", CONTEXT).authorizedIpRanges, ["172.0.0.0/8"]);
    });

    it("accepts real ranges", () => {
        assert.deepEqual(resolveConfig(withKeys({ authorizedIpRanges: ["20.61.10.0/24", "203.0.114.0/24"] }), "dev", CONTEXT).authorizedIpRanges, [
            "20.61.10.0/24",
            "203.0.114.0/24",
        ]);
    });

    for (const email of ["platform-team@example.com", "ops@mail.example.org", "x@EXAMPLE.net"]) {
        it(`refuses the example-domain ACME contact ${email}`, () => {
            assert.match(
                problemsOf(withKeys({ tls: { issuer: "letsencrypt", email } })),
                /kubeflow-azure:tls\.email: .*an address at an example domain.*Let's Encrypt refuses it/,
            );
        });
    }

    it("refuses Pulumi.prod.yaml as committed, naming its three placeholders", () => {
        const message = problemsOf(stackConfig("prod"), "prod");
        assert.match(message, /kubeflow-azure:allowedGroupIds\[0\]: "00000000-0000-0000-0000-000000000000": the template's placeholder names no group/);
        assert.match(message, /kubeflow-azure:authorizedIpRanges\[0\]: "203\.0\.113\.0\/24": a documentation range/);
        assert.match(message, /kubeflow-azure:tls\.email: "platform-team@example\.com": an address at an example domain/);
    });
});

describe("who may sign in", () => {
    it("warns, at every preview, of a stack where every user of the tenant may sign in", () => {
        const open = resolveConfig(withKeys({}), "dev", CONTEXT);
        assert.ok(
            open.warnings.some((w) => /kubeflow-azure:allowedGroupIds is empty: every user of the tenant, guests included, may sign in/.test(w)),
            open.warnings.join("\n"),
        );
        const restricted = resolveConfig(withKeys({ allowedGroupIds: ["5c1f3b7e-2d4a-4e6b-8f0c-1a3e5b7d9f20"] }), "dev", CONTEXT);
        assert.ok(!restricted.warnings.some((w) => /allowedGroupIds/.test(w)));
    });

    it("warns of an API server open to the internet, and of a cluster-admin kubeconfig in the outputs, only when so", () => {
        const open = resolveConfig(withKeys({}), "dev", CONTEXT).warnings;
        assert.ok(
            open.some((w) => /kubeflow-azure:authorizedIpRanges is empty: the cluster's API server answers the whole internet/.test(w)),
            open.join("\n"),
        );
        assert.ok(!open.some((w) => /localAccounts/.test(w)), "local accounts are off by default");
        const closed = resolveConfig(withKeys({ authorizedIpRanges: ["20.61.10.0/24"], localAccounts: "true" }), "dev", CONTEXT).warnings;
        assert.ok(!closed.some((w) => /authorizedIpRanges/.test(w)));
        assert.ok(
            closed.some((w) => /kubeflow-azure:localAccounts is true: the cluster-admin kubeconfig is the stack's kubeconfig output/.test(w)),
            closed.join("\n"),
        );
    });

    it("refuses a Kubernetes version YAML read as a number (1.30 unquoted is 1.3), saying to quote it", () => {
        assert.match(
            problemsOf(withKeys({ kubernetesVersion: "1.3" })),
            /kubeflow-azure:kubernetesVersion: "1\.3": a Kubernetes version AKS runs: YAML read an unquoted 1\.30 as the number 1\.3; quote it in the stack file \(kubeflow-azure:kubernetesVersion: "1\.30"\)/,
        );
        assert.equal(resolveConfig(withKeys({ kubernetesVersion: "1.31" }), "dev", CONTEXT).kubernetesVersion, "1.31");
    });

    it("says to drop the scheme, port or path from a hostname given as a URL", () => {
        for (const given of ["https://kubeflow.contoso.com", "https://kubeflow.contoso.com/", "kubeflow.contoso.com:443"]) {
            assert.match(
                problemsOf(withKeys({ hostname: given })),
                /kubeflow-azure:hostname: ".*": a fully qualified DNS name .*: the name alone, without scheme, port or path \(kubeflow\.contoso\.com\)/,
                given,
            );
        }
        assert.doesNotMatch(problemsOf(withKeys({ hostname: "not a host" })), /the name alone/);
    });

    it("reads the self-service quota: the default, a configured one, and refuses a bad or empty one", () => {
        assert.deepEqual(resolveConfig(withKeys({}), "dev", CONTEXT).selfServiceQuota, DEFAULTS.selfServiceQuota);
        assert.deepEqual(resolveConfig(withKeys({ selfService: "true", selfServiceQuota: { "requests.cpu": 2 } }), "dev", CONTEXT).selfServiceQuota, {
            "requests.cpu": "2",
        });
        const message = problemsOf(withKeys({ selfService: "true", selfServiceQuota: { "requests cpu": "2", memory: "lots" } }));
        assert.match(message, /kubeflow-azure:selfServiceQuota\.requests cpu: "requests cpu": a resource name/);
        assert.match(message, /kubeflow-azure:selfServiceQuota\.memory: "lots": a non-negative Kubernetes quantity/);
        assert.match(problemsOf(withKeys({ selfService: "true", selfServiceQuota: {} })), /kubeflow-azure:selfServiceQuota: "\{\}": with selfService on/);
    });

    it("prod restricts sign-in to groups", () => {
        assert.ok(resolveConfig(stackConfig("prod", templateValues("prod")), "prod", CONTEXT).allowedGroupIds.length > 0);
    });
});

describe("cluster access, pools and maintenance", () => {
    it("reads admin groups and local accounts", () => {
        const cfg = resolveConfig(withKeys({ adminGroupIds: ["0A0A0A0A-1B1B-2C2C-3D3D-4E4E4E4E4E4E"], localAccounts: "false" }), "dev", CONTEXT);
        assert.deepEqual(cfg.adminGroupIds, ["0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e"]);
        assert.equal(cfg.localAccounts, false);
    });

    it("reads a GPU pool with its defaults", () => {
        const cfg = resolveConfig(withKeys({ gpuPool: { vmSize: "Standard_NC4as_T4_v3", maxCount: 2 } }), "dev", CONTEXT);
        assert.deepEqual(cfg.gpuPool, { vmSize: "Standard_NC4as_T4_v3", minCount: 0, maxCount: 2, spot: false });
    });

    it("reads a maintenance window", () => {
        const cfg = resolveConfig(withKeys({ maintenanceWindow: { day: "Sunday", startTime: "02:30", utcOffset: "+01:00" } }), "dev", CONTEXT);
        assert.deepEqual(cfg.maintenanceWindow, { day: "Sunday", startTime: "02:30", durationHours: 8, utcOffset: "+01:00" });
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
        [
            "missing manifests path",
            { manifests: "/nonexistent/render.yaml" },
            /kubeflow-azure:manifests: "\/nonexistent\/render\.yaml": an existing kustomization directory or rendered YAML file/,
        ],
        ["group that is no GUID", { allowedGroupIds: ["admins"] }, /kubeflow-azure:allowedGroupIds\[0\]: "admins": an Entra group object id/],
        ["unknown TLS issuer", { tls: { issuer: "acme" } }, /kubeflow-azure:tls\.issuer: "acme": self-signed or letsencrypt/],
        [
            "letsencrypt without e-mail",
            { tls: { issuer: "letsencrypt" } },
            /kubeflow-azure:tls\.email: \(unset\): an e-mail address, required with tls\.issuer letsencrypt/,
        ],
        ["protect not boolean", { protect: "yes" }, /kubeflow-azure:protect: "yes": true or false/],
        ["secret validity of 0 days", { clientSecret: { validityDays: 0 } }, /kubeflow-azure:clientSecret\.validityDays: 0: an integer from 1 to 730/],
        ["unknown AKS tier", { clusterTier: "Gold" }, /kubeflow-azure:clusterTier: "Gold": Free or Standard/],
        [
            "deploying identity that is no GUID",
            { deployerObjectId: "ci-bot" },
            /kubeflow-azure:deployerObjectId: "ci-bot": the Entra object id \(a GUID\) of the identity that runs pulumi up/,
        ],
        ["admin group that is no GUID", { adminGroupIds: ["aks-admins"] }, /kubeflow-azure:adminGroupIds\[0\]: "aks-admins": an Entra group object id/],
        ["localAccounts not boolean", { localAccounts: "no" }, /kubeflow-azure:localAccounts: "no": true or false/],
        [
            "GPU pool of a D-series size",
            { gpuPool: { vmSize: "Standard_D8s_v5", maxCount: 1 } },
            /kubeflow-azure:gpuPool\.vmSize: "Standard_D8s_v5": an NVIDIA N-series VM size/,
        ],
        [
            "GPU pool of an AMD NVv4 size",
            { gpuPool: { vmSize: "Standard_NV8as_v4", maxCount: 1 } },
            /kubeflow-azure:gpuPool\.vmSize: "Standard_NV8as_v4": .*not the AMD NVv4 sizes/,
        ],
        ["GPU pool min above max", { gpuPool: { vmSize: "Standard_NC6s_v3", minCount: 3, maxCount: 1 } }, /kubeflow-azure:gpuPool: "minCount 3, maxCount 1"/],
        ["maintenance day", { maintenanceWindow: { day: "Weekend" } }, /kubeflow-azure:maintenanceWindow\.day: "Weekend": a day of the week/],
        [
            "maintenance window of 2 hours",
            { maintenanceWindow: { durationHours: 2 } },
            /kubeflow-azure:maintenanceWindow\.durationHours: 2: an integer from 4 to 24/,
        ],
        ["maintenance start time", { maintenanceWindow: { startTime: "25:00" } }, /kubeflow-azure:maintenanceWindow\.startTime: "25:00": a time of day/],
        ["maintenance UTC offset", { maintenanceWindow: { utcOffset: "CET" } }, /kubeflow-azure:maintenanceWindow\.utcOffset: "CET": a UTC offset/],
    ];
    for (const [title, values, expected] of cases) {
        it(`rejects ${title}`, () => {
            assert.match(problemsOf(withKeys(values)), expected);
        });
    }

    it("warns, without refusing, about a Kubernetes version outside the release's tested range", () => {
        const cfg = resolveConfig(withKeys({ kubernetesVersion: "1.20", selfService: "true" }), "dev", CONTEXT);
        assert.equal(cfg.kubernetesVersion, "1.20");
        assert.equal(others(cfg.warnings).length, 1);
        assert.match(others(cfg.warnings)[0], /kubernetesVersion 1\.20 is outside the range Kubeflow 26\.03 is tested on \(1\.34 to 1\.35\)/);
        assert.deepEqual(others(resolveConfig(base, "dev", CONTEXT).warnings), []);
    });

    it("warns that selfService: false is only a hidden button on a Kubernetes without ValidatingAdmissionPolicy (before 1.30)", () => {
        const old = resolveConfig(withKeys({ kubernetesVersion: "1.29", kubeflowRelease: "v1.9.1" }), "dev", CONTEXT);
        assert.deepEqual(others(old.warnings).length, 1);
        assert.match(others(old.warnings)[0], /selfService is false, but Kubernetes 1\.29 serves no ValidatingAdmissionPolicy \(1\.30 and newer do\)/);
        assert.deepEqual(
            others(resolveConfig(withKeys({ kubernetesVersion: "1.29", kubeflowRelease: "v1.9.1", selfService: "true" }), "dev", CONTEXT).warnings),
            [],
        );
        assert.deepEqual(others(resolveConfig(withKeys({ kubernetesVersion: "1.32", kubeflowRelease: "v1.10.2" }), "dev", CONTEXT).warnings), []);
    });

    it("requires azure-native:location", () => {
        assert.match(problemsOf({}), /azure-native:location: \(unset\): required/);
    });

    it("reports an unknown key with the nearest known one", () => {
        assert.match(
            problemsOf(withKeys({ kubeflowRelese: "26.03" })),
            /kubeflow-azure:kubeflowRelese: "26\.03": unknown key \(did you mean kubeflow-azure:kubeflowRelease\?\)/,
        );
    });

    it("reports a typo in the namespace like a typo in a key, with the key it meant", () => {
        assert.match(
            problemsOf(withKeys({ "kubeflow-azur:name": "kf-dev" })),
            /kubeflow-azur:name: "kf-dev": unknown namespace kubeflow-azur \(did you mean kubeflow-azure:name\?\)/,
        );
        assert.match(
            problemsOf(withKeys({ "kubeflowazure:userPol": "{}" })),
            /kubeflowazure:userPol: "\{\}": unknown namespace kubeflowazure \(did you mean kubeflow-azure:userPool\?\)/,
        );
    });

    it("accepts clientSecret.rotation stored as a number by `pulumi config set --path` (Pulumi CLI docs, pulumi config set: integers on a path are numbers)", () => {
        const cfg = resolveConfig({ ...base, [ns("clientSecret")]: JSON.stringify({ rotation: 2 }) }, "dev", CONTEXT);
        assert.equal(cfg.clientSecret.rotation, "2");
        assert.equal(cfg.clientSecret.validityDays, DEFAULTS.clientSecret.validityDays);
        assert.match(problemsOf(withKeys({ clientSecret: { rotation: 2.5 } })), /kubeflow-azure:clientSecret\.rotation: 2\.5: a non-empty label/);
        assert.match(problemsOf(withKeys({ clientSecret: { rotation: "" } })), /kubeflow-azure:clientSecret\.rotation: "": a non-empty label/);
    });

    it("ignores other namespaces' keys", () => {
        assert.doesNotThrow(() => resolveConfig({ ...base, "azure-native:subscriptionId": "x", "kubernetes:context": "y" }, "dev", CONTEXT));
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
            const cfg = resolveConfig(stackConfig(stack, templateValues(stack)), stack, CONTEXT);
            assert.equal(cfg.name, `kf-${stack}`);
            assert.equal(cfg.protect, stack === "prod");
        });
    }

    it("prod differs from dev where environments should", () => {
        const dev = resolveConfig(stackConfig("dev"), "dev", CONTEXT);
        const prod = resolveConfig(stackConfig("prod", templateValues("prod")), "prod", CONTEXT);
        assert.equal(prod.tls.issuer, "letsencrypt");
        assert.ok(prod.tls.email);
        assert.deepEqual(prod.zones, ["1", "2", "3"]);
        assert.ok(prod.authorizedIpRanges.length > 0);
        assert.ok(prod.userPool.minCount >= 1 && !prod.userPool.spot);
        assert.ok(prod.systemPool.count > dev.systemPool.count);
        assert.equal(dev.tls.issuer, "self-signed");
        // A spot pool is tainted: dev's default pool must take work without opting in.
        assert.equal(dev.userPool.spot, false);
        assert.equal(dev.localAccounts, false);
        assert.equal(prod.localAccounts, false);
    });
});
