/**
 * The README's Microsoft Graph table against what the program really calls: every azuread
 * resource and lookup the program registers (sign-in restricted to groups, which uses the
 * most) is one of the table's rows, each row names its least privilege with Microsoft's
 * page, and no row asks for a Directory.* write permission.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { Mocks, installMocks } from "./mocks";
import { miniRelease } from "./fixtures/mini-release";
import { realRelease, runProgram } from "./support/program-run";
import { availableRenders } from "./upstream";
import { findRelease } from "../manifests/catalog";

const README = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

/** The rows of the table that follows "Microsoft Graph, least privilege", as cells. */
function graphRows(): string[][] {
    const start = README.indexOf("Microsoft Graph, least privilege");
    assert.ok(start >= 0, "the README has the Microsoft Graph permissions table");
    const lines = README.slice(start).split("\n");
    const first = lines.findIndex((l) => l.trim().startsWith("|"));
    const table: string[] = [];
    for (const line of lines.slice(first)) {
        if (!line.trim().startsWith("|")) {
            break;
        }
        table.push(line.trim());
    }
    return table.slice(2).map((row) =>
        row
            .slice(1, -1)
            .split(" | ")
            .map((c) => c.trim()),
    );
}

/** Which row (by the start of its first cell) answers for each azuread type or invoke. */
const ROW_OF: Record<string, string> = {
    "azuread:index/application:Application": "create and update the app registration",
    "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri": "create and update the app registration",
    "azuread:index/applicationPermissionScope:ApplicationPermissionScope": "create and update the app registration",
    "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized": "create and update the app registration",
    "azuread:index/applicationPassword:ApplicationPassword": "create and update the app registration",
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential": "create and update the app registration",
    "azuread:index/servicePrincipal:ServicePrincipal": "create and update the app registration",
    "azuread:index/appRoleAssignment:AppRoleAssignment": "assign the `allowedGroupIds` groups",
    "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant": "grant tenant-wide consent",
    "azuread:index/getServicePrincipal:getServicePrincipal": "read Microsoft Graph's service principal",
    "azuread:index/getUser:getUser": "look up the profiles' users",
    // The deployer's own object id: no permission beyond signing in.
    "azuread:index/getClientConfig:getClientConfig": "",
};

describe("the README's Microsoft Graph permissions", () => {
    let mocks: Mocks;
    const used = new Set<string>();
    before(async () => {
        mocks = await installMocks();
        const restricted = {
            "kubeflow-azure:allowedGroupIds": ["5c1f3b7e-2d4a-4e6b-8f0c-1a3e5b7d9f20"],
            "kubeflow-azure:clientSecret": { rotation: "2026-12-01", validityDays: 365 },
        };
        const record = (): void => {
            mocks.resources.filter((r) => r.type.startsWith("azuread:")).forEach((r) => used.add(r.type));
            mocks.invokes.filter((i) => i.token.startsWith("azuread:")).forEach((i) => used.add(i.token));
        };
        // Both credentials: a client secret (older releases' default) and workload identity.
        for (const release of ["v1.10.2", "26.03"]) {
            await runProgram(mocks, { stack: "dev", overrides: { ...restricted, "kubeflow-azure:kubeflowRelease": release }, rendered: miniRelease(release) });
            record();
        }
        // Users by object id: the profiles' user principal names looked up (needs kfam's render).
        const release = findRelease("26.03");
        if (release && availableRenders().includes("26.03")) {
            await runProgram(mocks, {
                stack: "dev",
                overrides: { "kubeflow-azure:userIdClaim": "oid", "kubeflow-azure:profiles": [{ name: "team-a", owner: "alice@contoso.com" }] },
                rendered: realRelease(release),
            });
            record();
        }
    });

    it("covers every azuread resource and lookup the program makes with a row of the table", () => {
        const rows = graphRows();
        assert.ok(used.size >= 8, [...used].join(", "));
        for (const type of used) {
            assert.ok(type in ROW_OF, `${type}: the program uses it, and the README's Graph table does not say what it needs (map it here)`);
            const row = ROW_OF[type];
            if (row !== "") {
                assert.ok(
                    rows.some((cells) => cells[0].startsWith(row)),
                    `${type}: no row starting "${row}"`,
                );
            }
        }
    });

    it("names for each row a least privilege with Microsoft's page, never a Directory.* write permission", () => {
        const rows = graphRows();
        assert.equal(rows.length, 5);
        for (const [what, , permission, page] of rows) {
            assert.match(permission, /^`[A-Za-z]+\.[A-Za-z.]+`/, `${what}: a Graph permission first`);
            assert.doesNotMatch(permission.split(" (")[0], /Directory\.ReadWrite/, `${what}: asks for Directory.ReadWrite`);
            assert.match(page, /\]\(https:\/\/learn\.microsoft\.com\/graph\/api\/[a-z0-9-]+\)/, `${what}: Microsoft's page`);
        }
        const consent = rows.find((cells) => cells[0].startsWith("grant tenant-wide consent"));
        assert.ok(consent);
        assert.match(consent[2], /^`DelegatedPermissionGrant\.ReadWrite\.All`/);
    });

    it("never tells the deploying identity to take Directory.ReadWrite.All", () => {
        for (const line of README.split("\n").filter((l) => l.includes("Directory.ReadWrite.All"))) {
            assert.match(line, /not `Directory\.ReadWrite\.All`|names `Directory\.ReadWrite\.All`/, line);
        }
    });
});
