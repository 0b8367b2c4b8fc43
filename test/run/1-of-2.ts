// The first of two shards of the suites (see shard.ts).
import { runShard } from "./shard";

runShard(1, 2);
