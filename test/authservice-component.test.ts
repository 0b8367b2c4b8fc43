import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { loadAll } from "js-yaml";
import {
    AuthFlavour,
    CONFIG_CHECKSUM_ANNOTATION,
    UserIdClaim,
    defaultUserIdClaim,
    isAuthserviceObject,
    issuerUrl,
    planAuthservice,
    redirectUri,
    sessionCookieName,
} from "../manifests/authservice";
import { effectiveSettings } from "./support/authservice-readback";
import { prepareRelease } from "../manifests/transforms";
import { KubeObject } from "../manifests/types";
import { MOCK, Mocks, RecordedResource, SECRET_PLAINTEXTS, installMocks, isSecretValue, plaintextLeaks } from "./mocks";
import { availableRenders, loadRender, skipWithoutRenders } from "./upstream";
import { miniObjects } from "./fixtures/mini-release";

// Mocks first: the component's modules must see them when they load.
let mocks: Mocks;
let component: typeof import("../components/authservice");

before(async () => {
    mocks = await installMocks();
    component = await import("../components/authservice");
});

const HOST = "kf.westeurope.cloudapp.azure.com";
const T = {
    group: "kubernetes:yaml/v2:ConfigGroup",
    secret: "kubernetes:core/v1:Secret",
    password: "random:index/randomPassword:RandomPassword",
    component: "kubeflow-azure:kubeflow:Authservice",
} as const;

function flavourOf(release: string): AuthFlavour {
    return release === "v1.7.0" || release === "v1.8.1" ? "oidc-authservice" : "oauth2-proxy";
}

/** The releases whose oauth2-proxy (>= v7.8.0) authenticates through workload identity. */
const SECRETLESS = new Set(["26.03", "v1.11.0"]);

/** What the platform hands the component: the release after its transforms, claimed by the auth predicate. */
function handedOf(release: string, flavour: AuthFlavour): KubeObject[] {
    const prepared = prepareRelease(loadRender(release), { owners: { authservice: (o) => isAuthserviceObject(o, flavour) } });
    return prepared.handedOver.authservice;
}

/** A secret value as the engine receives it: `{ [sig]: ..., value }`. */
function unwrap(value: unknown): unknown {
    return isSecretValue(value) ? (value as { value: unknown }).value : value;
}

interface Deployed {
    readonly component: InstanceType<typeof import("../components/authservice").Authservice>;
    readonly resources: RecordedResource[];
    readonly group: RecordedResource;
    readonly objects: KubeObject[];
    readonly checksum: string;
}

async function deploy(
    flavour: AuthFlavour,
    handed: readonly KubeObject[],
    clientSecret: string | undefined,
    userIdClaim: UserIdClaim = defaultUserIdClaim(flavour),
): Promise<Deployed> {
    mocks.reset();
    const provider = new k8s.Provider("p", { kubeconfig: "x" });
    const after = new k8s.core.v1.Namespace("platform", { metadata: { name: "platform" } }, { provider });
    const auth = new component.Authservice("authservice", {
        plan: planAuthservice({ flavour, handed, hostname: HOST, userIdClaim, secretName: "authservice-entra" }),
        tenantId: MOCK.tenantId,
        clientId: MOCK.clientId,
        ...(clientSecret !== undefined ? { clientSecret: pulumi.secret(clientSecret) } : {}),
        provider,
        after: [after],
    });
    await mocks.settle();
    const group = mocks.one(T.group);
    const yaml = unwrap(group.inputs.yaml);
    assert.equal(typeof yaml, "string", "the group's yaml is text");
    const objects = loadAll(yaml as string) as KubeObject[];
    const workload = objects.find((o) => o.kind === (flavour === "oauth2-proxy" ? "Deployment" : "StatefulSet"));
    assert.ok(workload, "the workload is applied");
    const checksum = effectiveSettings(objects, flavour).podAnnotations[component.SECRET_CHECKSUM_ANNOTATION] ?? "";
    return { component: auth, resources: [...mocks.resources], group, objects, checksum };
}

describe("the Authservice component on the real renders", { skip: skipWithoutRenders() }, () => {
    for (const release of availableRenders()) {
        const flavour = flavourOf(release);
        describe(`${release} (${flavour})`, () => {
            let handed: KubeObject[];
            let d: Deployed;
            const secretless = SECRETLESS.has(release);
            const clientSecret = secretless ? undefined : MOCK.clientSecret;
            before(async () => {
                handed = handedOf(release, flavour);
                d = await deploy(flavour, handed, clientSecret);
            });

            it("applies the Entra sign-in: tenant issuer with discovery, the public redirect URI, no groups scope, no prompt=none, kubeflow-userid from the configured claim", () => {
                const eff = effectiveSettings(d.objects, flavour);
                assert.equal(eff.issuer, issuerUrl(MOCK.tenantId));
                assert.equal(eff.discovery, true);
                assert.equal(eff.redirectUrl, redirectUri(flavour, HOST));
                assert.ok(!eff.scopes.includes("groups"), eff.scopes.join(" "));
                for (const s of ["openid", "profile", "email"]) {
                    assert.ok(eff.scopes.includes(s), `scope ${s} in ${eff.scopes.join(" ")}`);
                }
                assert.notEqual(eff.prompt, "none");
                assert.equal(eff.userIdHeader, "kubeflow-userid");
                assert.equal(eff.userIdClaim, flavour === "oauth2-proxy" ? "preferred_username" : "email");
                assert.equal(eff.userIdPrefix, "");
                if (flavour === "oauth2-proxy") {
                    assert.equal(eff.cookieSecure, true);
                    assert.deepEqual(
                        eff.gatewayJwtRules.map((r) => [r.issuer, r.audiences]),
                        [[issuerUrl(MOCK.tenantId), [MOCK.clientId, `api://${MOCK.clientId}`]]],
                    );
                }
                assert.ok(!JSON.stringify(d.objects).toLowerCase().includes("dex"), "nothing of dex");
            });

            it("creates exactly one Secret, with secret values under the names the workload reads", () => {
                const secrets = d.resources.filter((r) => r.type === T.secret);
                assert.equal(secrets.length, 1);
                const [secret] = secrets;
                assert.ok(isSecretValue(secret.inputs.stringData), "stringData is a secret value");
                const data = unwrap(secret.inputs.stringData) as Record<string, string>;
                const creds = effectiveSettings(d.objects, flavour).credentials;
                const refs = [creds.clientId, ...(secretless ? [] : [creds.clientSecret]), ...(creds.cookieSecret ? [creds.cookieSecret] : [])];
                const meta = secret.inputs.metadata as { name: string; namespace: string };
                const workload = d.objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
                assert.equal(meta.namespace, workload?.metadata.namespace);
                for (const ref of refs) {
                    assert.equal(ref.from, "secret", JSON.stringify(ref));
                    if (ref.from === "secret") {
                        assert.equal(ref.ref.secret, meta.name);
                    }
                }
                const expected: Record<string, string> =
                    flavour === "oidc-authservice"
                        ? { CLIENT_ID: MOCK.clientId, CLIENT_SECRET: MOCK.clientSecret }
                        : secretless
                          ? { "client-id": MOCK.clientId, "cookie-secret": MOCK.randomPassword }
                          : { "client-id": MOCK.clientId, "client-secret": MOCK.clientSecret, "cookie-secret": MOCK.randomPassword };
                assert.deepEqual(data, expected);
                assert.equal(d.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap").length, 0, "no ConfigMap resource");
                assert.deepEqual(
                    d.objects.filter((o) => o.kind === "Secret"),
                    [],
                    "no Secret in the group",
                );
            });

            it("generates the cookie secret once, with oauth2-proxy's accepted length", () => {
                const passwords = d.resources.filter((r) => r.type === T.password);
                assert.equal(passwords.length, flavour === "oauth2-proxy" ? 1 : 0);
                for (const p of passwords) {
                    assert.equal(p.inputs.length, 32);
                    assert.equal(p.inputs.special, false);
                }
            });

            it("leaks no plaintext secret into any recorded input", () => {
                for (const r of d.resources) {
                    assert.deepEqual(plaintextLeaks(r.inputs, SECRET_PLAINTEXTS), [], `${r.type} ${r.name}`);
                }
                assert.ok(!String(unwrap(d.group.inputs.yaml)).includes(MOCK.clientSecret));
            });

            it("keeps the group's yaml readable in previews and diffs", () => {
                assert.ok(!isSecretValue(d.group.inputs.yaml), "only the digest of the secrets is in the yaml");
            });

            it("puts a checksum of the secret and a config checksum on the pod template", () => {
                assert.match(d.checksum, /^[0-9a-f]{32}$/);
                assert.match(effectiveSettings(d.objects, flavour).podAnnotations[CONFIG_CHECKSUM_ANNOTATION] ?? "", /^[0-9a-f]{32}$/);
            });

            it(
                secretless ? "rolls the pods when the user claim changes, and only then" : "rolls the pods when the client secret rotates, and only then",
                async () => {
                    const same = await deploy(flavour, handed, clientSecret);
                    assert.equal(same.checksum, d.checksum);
                    assert.equal(String(unwrap(same.group.inputs.yaml)), String(unwrap(d.group.inputs.yaml)), "same inputs, same objects");
                    const changed = secretless
                        ? await deploy(flavour, handed, undefined, "email")
                        : await deploy(flavour, handed, `${MOCK.clientSecret}-rotated`);
                    assert.notEqual(changed.checksum, d.checksum);
                },
            );

            it(secretless ? "refuses a client secret: the release needs none" : "refuses to run without the client secret the release needs", async () => {
                mocks.reset();
                const provider = new k8s.Provider("p", { kubeconfig: "x" });
                assert.throws(
                    () =>
                        new component.Authservice("mismatch", {
                            plan: planAuthservice({ flavour, handed, hostname: HOST, userIdClaim: defaultUserIdClaim(flavour), secretName: "mismatch-entra" }),
                            tenantId: MOCK.tenantId,
                            clientId: MOCK.clientId,
                            ...(secretless ? { clientSecret: pulumi.secret(MOCK.clientSecret) } : {}),
                            provider,
                            after: [],
                        }),
                    secretless ? /workload identity, and a client secret was given/ : /a client secret, and none was given/,
                );
                await mocks.settle();
                assert.deepEqual(
                    mocks.resources.filter((r) => r.name.startsWith("mismatch-")).map((r) => r.name),
                    [],
                );
            });

            it("parents every child to the component and hands every Kubernetes child the explicit provider", () => {
                const self = d.resources.find((r) => r.type === T.component);
                assert.ok(self);
                const children = d.resources.filter((r) => r.parent === self.urn);
                assert.deepEqual(children.map((r) => r.type).sort(), [T.secret, T.group, ...(flavour === "oauth2-proxy" ? [T.password] : [])].sort());
                for (const r of children.filter((c) => c.type.startsWith("kubernetes:"))) {
                    assert.match(r.provider, /pulumi:providers:kubernetes::p::/, `${r.type} uses the cluster provider`);
                }
            });

            it("waits on the platform, and the group waits on the Secret", () => {
                const platform = d.resources.find((r) => r.type === "kubernetes:core/v1:Namespace");
                const secret = d.resources.find((r) => r.type === T.secret);
                assert.ok(platform && secret);
                assert.ok(secret.dependencies.includes(platform.urn));
                assert.ok(d.group.dependencies.includes(platform.urn));
                assert.ok(d.group.dependencies.includes(secret.urn));
            });

            it("exposes the session cookie name of the deployed configuration", () => {
                assert.equal(d.component.sessionCookieName, sessionCookieName(flavour, d.objects));
                assert.equal(d.component.sessionCookieName, flavour === "oauth2-proxy" ? "oauth2_proxy_kubeflow" : "authservice_session");
            });
        });
    }
});

describe("the Authservice component on bad input", () => {
    it("refuses a bad host name before registering any child", async () => {
        // The test fixture render: this needs no upstream render.
        const flavour = "oauth2-proxy";
        const handed = prepareRelease(miniObjects(), { owners: { authservice: (o) => isAuthserviceObject(o, flavour) } }).handedOver.authservice;
        assert.ok(handed.length > 0);
        mocks.reset();
        const provider = new k8s.Provider("p", { kubeconfig: "x" });
        assert.throws(
            () =>
                new component.Authservice("bad", {
                    plan: planAuthservice({ flavour, handed, hostname: "https://Not A Host/", userIdClaim: "preferred_username", secretName: "bad-entra" }),
                    tenantId: MOCK.tenantId,
                    clientId: MOCK.clientId,
                    provider,
                    after: [],
                }),
            /hostname/,
        );
        await mocks.settle();
        assert.deepEqual(
            mocks.resources.filter((r) => r.name.startsWith("bad-")).map((r) => r.name),
            [],
        );
    });
});
