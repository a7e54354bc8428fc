/**
 * The keeper bot: keeps deadlines honest by reclaiming expired claims (for the slash bounty) through the core's
 * `checkerFrom` view — the same resolver Gelato Automate runs. Stateless apart from its scan cursor, so it is
 * idempotent and restart-safe: a reclaim that someone else won is a lost race, not a failure.
 */
import type { Signer } from "ethers";
import type { OblivionCore } from "../typechain-types";
import { describeError, revertName } from "../lib/chain/errors";
import { isTransportError, sleep, withRetry } from "../lib/util/retry";
import type { Logger } from "../lib/util/log";

/** A keeper duty; later duties (eligibility relays, training rounds) plug in beside the reclaim duty. */
export interface KeeperDuty {
  readonly name: string;
  /** Does one pass of the duty; returns how many actions it took. */
  run(signal?: AbortSignal): Promise<number>;
}

/** Races a reclaim can lose without anything being wrong. */
const LOST_RACE = new Set(["ShardNotClaimed", "ClaimNotExpired"]);

export interface ReclaimStats {
  reclaimed: number;
  lostRaces: number;
  bountyWei: bigint;
}

export class ReclaimDuty implements KeeperDuty {
  readonly name = "reclaim";
  readonly stats: ReclaimStats = { reclaimed: 0, lostRaces: 0, bountyWei: 0n };

  /** @param pageSize jobs and shards one checkerFrom call may visit */
  constructor(
    private readonly core: OblivionCore,
    private readonly signer: Signer,
    private readonly log: Logger,
    private readonly pageSize = 500,
  ) {}

  async run(signal?: AbortSignal): Promise<number> {
    const core = this.core.connect(this.signer);
    const me = await this.signer.getAddress();
    let job = 1n;
    let shard = 0n;
    let actions = 0;
    const jobCount = await withRetry(() => core.jobCount(), { retryable: isTransportError, signal });
    while (job <= jobCount && !signal?.aborted) {
      const [canExec, payload, nextJob, nextShard] = await withRetry(
        () => core.checkerFrom(job, shard, this.pageSize),
        { retryable: isTransportError, signal },
      );
      if (!canExec) {
        if (nextJob === job && nextShard === shard) break; // nothing left to scan
        [job, shard] = [nextJob, nextShard];
        continue;
      }
      const call = core.interface.decodeFunctionData("reclaimExpired", payload);
      const [jobId, shardIndex] = [call[0] as bigint, call[1] as bigint];
      try {
        const tx = await core.reclaimExpired(jobId, shardIndex);
        const rc = await tx.wait();
        const ev = rc?.logs
          .map((l) => core.interface.parseLog(l))
          .find((p) => p?.name === "ClaimSlashed" && p.args.caller.toLowerCase() === me.toLowerCase());
        const bounty = (ev?.args.toCaller as bigint | undefined) ?? 0n;
        this.stats.reclaimed++;
        this.stats.bountyWei += bounty;
        actions++;
        this.log.info("reclaimed expired claim", {
          job: jobId,
          shard: shardIndex,
          worker: ev?.args.worker as string | undefined,
          bountyWei: bounty,
          gas: rc?.gasUsed,
        });
      } catch (err) {
        const name = revertName(err);
        if (name && LOST_RACE.has(name)) {
          this.stats.lostRaces++;
          this.log.info("reclaim lost a race", { job: jobId, shard: shardIndex, reason: name });
        } else if (isTransportError(err)) {
          throw err;
        } else {
          this.log.error("reclaim failed", { job: jobId, shard: shardIndex, reason: describeError(err) });
        }
      }
      // Continue after the claim just handled.
      [job, shard] = [jobId, shardIndex + 1n];
    }
    return actions;
  }
}

export interface KeeperOptions {
  duties: KeeperDuty[];
  log: Logger;
  intervalMs: number;
  /** The chain connection's health (lib/chain/watch.ts): no duty runs, and no failure is logged, while it is false. */
  health?: { readonly healthy: boolean };
}

/** Runs its duties in turn every interval until aborted; a failed pass is logged and retried on the next tick. */
export async function runKeeper(opts: KeeperOptions, signal: AbortSignal): Promise<void> {
  const paused = () => opts.health?.healthy === false;
  // with a health watch, an RPC outage is its line to report, not one per duty and pass
  const quiet = (err: unknown) => paused() || (opts.health !== undefined && isTransportError(err));
  opts.log.info("keeper started", { duties: opts.duties.map((d) => d.name).join(","), intervalMs: opts.intervalMs });
  while (!signal.aborted) {
    for (const duty of opts.duties) {
      if (signal.aborted || paused()) break;
      try {
        await duty.run(signal);
      } catch (err) {
        if (signal.aborted) break;
        if (quiet(err)) continue;
        opts.log.warn(`${duty.name} pass failed; retrying next tick`, { reason: describeError(err) });
      }
    }
    try {
      await sleep(opts.intervalMs, signal);
    } catch {
      break; // aborted while sleeping: the keeper stops
    }
  }
  opts.log.info("keeper stopped");
}
