// The second of two shards of the suites (see shard.ts).
import { runShard } from "./shard";

runShard(2, 2);
