import assert from "node:assert/strict";
import { CONTEXT } from "./stack-files";
import { describe, it } from "node:test";
import { ConfigError, NAMESPACE, clientSecretEndDate, resolveConfig } from "../config";

const base = { "azure-native:location": "westeurope" };
const key = (k: string): string => `${NAMESPACE}:${k}`;

describe("config: userIdClaim", () => {
    it("defaults to preferred_username on oauth2-proxy releases and to email on oidc-authservice releases", () => {
        assert.equal(resolveConfig(base, "dev", CONTEXT).userIdClaim, "preferred_username");
        assert.equal(resolveConfig({ ...base, [key("kubeflowRelease")]: "v1.10.2" }, "dev", CONTEXT).userIdClaim, "preferred_username");
        assert.equal(resolveConfig({ ...base, [key("kubeflowRelease")]: "v1.8.1", [key("kubernetesVersion")]: "1.26" }, "dev", CONTEXT).userIdClaim, "email");
        assert.equal(resolveConfig({ ...base, [key("userIdClaim")]: "email" }, "dev", CONTEXT).userIdClaim, "email");
    });

    it("refuses preferred_username where the authservice reads userinfo only, and any other claim, naming the key", () => {
        assert.throws(
            () =>
                resolveConfig(
                    { ...base, [key("kubeflowRelease")]: "v1.7.0", [key("kubernetesVersion")]: "1.25", [key("userIdClaim")]: "preferred_username" },
                    "dev",
                    CONTEXT,
                ),
            (err: Error) =>
                err instanceof ConfigError &&
                /kubeflow-azure:userIdClaim: "preferred_username": v1\.7\.0 runs oidc-authservice.*only email.*mail attribute/.test(err.message),
        );
        assert.throws(
            () => resolveConfig({ ...base, [key("userIdClaim")]: "upn" }, "dev", CONTEXT),
            /kubeflow-azure:userIdClaim: "upn": one of preferred_username, email/,
        );
    });
});

describe("config: owners", () => {
    it("takes object ids, lower-cased and each once", () => {
        const a = "0B0B0B0B-1C1C-2D2D-3E3E-4F4F4F4F4F4F";
        assert.deepEqual(resolveConfig({ ...base, [key("owners")]: JSON.stringify([a, a.toLowerCase()]) }, "dev", CONTEXT).owners, [a.toLowerCase()]);
        assert.deepEqual(resolveConfig(base, "dev", CONTEXT).owners, []);
    });

    it("refuses what is no object id, naming the entry", () => {
        assert.throws(
            () => resolveConfig({ ...base, [key("owners")]: JSON.stringify(["alice@contoso.com"]) }, "dev", CONTEXT),
            /kubeflow-azure:owners\[0\]: "alice@contoso\.com": an Entra object id/,
        );
    });
});

describe("config: the client secret's end date", () => {
    const now = new Date("2026-12-01T13:00:00Z");

    it("is the rotation day plus the validity, at midnight UTC, the same on every call", () => {
        assert.equal(clientSecretEndDate({ validityDays: 180, rotation: "2026-12-01" }, now), "2027-05-30T00:00:00Z");
        assert.equal(clientSecretEndDate({ validityDays: 180, rotation: "2026-12-01" }, new Date("2027-01-15T00:00:00Z")), "2027-05-30T00:00:00Z");
        assert.equal(clientSecretEndDate({ validityDays: 1, rotation: "2026-12-01" }, now), "2026-12-02T00:00:00Z");
    });

    it("refuses a label that is no date, an impossible date and an ended secret, saying what to set", () => {
        assert.throws(
            () => clientSecretEndDate({ validityDays: 365, rotation: "1" }, now),
            /kubeflow-azure:clientSecret\.rotation: "1": the day the client secret is issued, YYYY-MM-DD.*2026-12-01/,
        );
        assert.throws(() => clientSecretEndDate({ validityDays: 365, rotation: "2026-02-30" }, now), /YYYY-MM-DD/);
        assert.throws(
            () => clientSecretEndDate({ validityDays: 30, rotation: "2026-10-01" }, now),
            /ended 2026-10-31T00:00:00\.000Z.*set today's date to rotate/,
        );
    });
});
