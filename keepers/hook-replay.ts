/**
 * Keeper duty for the reputation hook: replays every failed hook call the core still holds as pending (F-10), so a
 * slash or settlement always reaches the reputation eventually, whatever made its first call fail.
 */
import type { Signer } from "ethers";
import type { OblivionCore } from "../typechain-types";
import { replayPendingHooks } from "../lib/fhe/hook-replay";
import type { Logger } from "../lib/util/log";
import type { KeeperDuty } from "./keeper";

export class HookReplayDuty implements KeeperDuty {
  readonly name = "hook-replay";
  readonly stats = { replayed: 0, failed: 0 };

  /** @param fromBlock first block to look for ReputationHookFailed events (the core's deployment) */
  constructor(
    private readonly core: OblivionCore,
    private readonly signer: Signer,
    private readonly log: Logger,
    private readonly fromBlock = 0,
  ) {}

  async run(): Promise<number> {
    let replayed = 0;
    for (const r of await replayPendingHooks(this.core, this.signer, this.fromBlock)) {
      const what = { worker: r.worker, job: r.jobId, shard: r.shardIndex, settled: r.settled };
      if (r.txHash) {
        replayed++;
        this.stats.replayed++;
        this.log.info("replayed reputation hook call", { ...what, tx: r.txHash });
      } else {
        this.stats.failed++;
        this.log.warn("reputation hook replay failed, still pending", { ...what, error: r.error });
      }
    }
    return replayed;
  }
}
