import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { shardFiles, suiteFiles } from "./run/shard";

describe("the test shards (test/run)", () => {
    it("run every suite of test/ exactly once, whatever the number of shards", () => {
        const all = suiteFiles();
        assert.ok(all.length > 30, `${all.length} suites`);
        assert.ok(
            all.some((f) => path.basename(f) === "shard.test.ts"),
            "this suite is among them",
        );
        for (const count of [1, 2, 3]) {
            const shards = Array.from({ length: count }, (_, i) => shardFiles(i + 1, count));
            assert.deepEqual(shards.flat().sort(), [...all].sort(), `${count} shard(s)`);
        }
    });

    it("keep the longest suites apart and the shards even", () => {
        const heavy = ["policy.test.ts", "program.test.ts", "x.test.ts"];
        assert.notEqual(shardFiles(1, 2, heavy).includes("policy.test.ts"), shardFiles(1, 2, heavy).includes("program.test.ts"));
        const unknown = ["u1.test.ts", "u2.test.ts", "u3.test.ts", "u4.test.ts", "u5.test.ts", "u6.test.ts"];
        assert.deepEqual(
            [1, 2, 3].map((i) => shardFiles(i, 3, unknown).length),
            [2, 2, 2],
        );
    });

    it("refuses a shard that does not exist", () => {
        assert.throws(() => shardFiles(3, 2, []), /shard 3 of 2/);
        assert.throws(() => shardFiles(0, 2, []), /shard 0 of 2/);
        assert.throws(() => shardFiles(1, 0, []), /shard 1 of 0/);
    });
});
