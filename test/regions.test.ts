import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AZURE_REGIONS, checkRegion, findRegion } from "../azure/regions";

describe("Azure region table (Microsoft's regions list)", () => {
    it("holds each programmatic name once, lower-case letters and digits", () => {
        const names = AZURE_REGIONS.map((r) => r.name);
        assert.equal(new Set(names).size, names.length);
        for (const name of names) {
            assert.match(name, /^[a-z][a-z0-9]*$/);
        }
        assert.ok(names.length >= 56, `${names.length} regions`);
    });

    it("knows which regions have zones and which need an access request", () => {
        assert.equal(findRegion("westeurope")?.zones, true);
        assert.equal(findRegion("westus")?.zones, false);
        assert.equal(findRegion("norwaywest")?.access, "restricted");
        assert.equal(findRegion("swedencentral")?.access, "open");
    });

    it("tells a typo (one or two edits, a swap counting one) from a name it does not know", () => {
        assert.deepEqual(checkRegion("westeurpoe"), { kind: "typo", suggestions: ["westeurope"] });
        assert.deepEqual(checkRegion("northeuropee"), { kind: "typo", suggestions: ["northeurope"] });
        assert.deepEqual(checkRegion("uksouht"), { kind: "typo", suggestions: ["uksouth"] });
        // A different trailing number may be a region opened after the table was read.
        assert.deepEqual(checkRegion("westus4"), { kind: "unlisted" });
        assert.deepEqual(checkRegion("eastus3"), { kind: "unlisted" });
        assert.deepEqual(checkRegion("marscentral"), { kind: "unlisted" });
        assert.equal(checkRegion("eastus").kind, "listed");
        assert.deepEqual(checkRegion("eastu2"), { kind: "typo", suggestions: ["eastus", "eastus2"] });
    });
});
