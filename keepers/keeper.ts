/**
 * The keeper bot: keeps deadlines honest by reclaiming expired claims (for the slash bounty, or voiding them when the
 * key was never released), decided by the wall clock against each claim's deadline. Its state is rebuilt from the
 * chain's events, so it is idempotent and restart-safe: a reclaim that someone else won is a lost race, not a failure.
 * (Gelato Automate runs the core's `checker()` view instead: keepers/gelato.ts.)
 */
import type { Signer } from "ethers";
import type { OblivionCore } from "../typechain-types";
import { describeError, revertName } from "../lib/chain/errors";
import { JobBook, nowSeconds } from "../lib/chain/jobbook";
import { preflight } from "../lib/chain/preflight";
import { Backoff } from "../lib/util/backoff";
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
  /** Candidates the pre-send check refused (no transaction sent). */
  skipped: number;
}

/**
 * Reclaims claims whose deadline has passed by the wall clock (or by the latest block's time, when that is later).
 * Candidates come from the event-sourced job book (the
 * worker shares its own; the keeper syncs one here); each is read back from the core (a key release restarts the
 * window) and checked with a static call on the pending block before any transaction is sent. An idle automining
 * node's latest block is stale, so its `checker()` view would never see the deadline pass; the reclaim transaction
 * itself mines a block with a fresh timestamp.
 */
export class ReclaimDuty implements KeeperDuty {
  readonly name = "reclaim";
  readonly stats: ReclaimStats = { reclaimed: 0, lostRaces: 0, bountyWei: 0n, skipped: 0 };
  private readonly book: JobBook;
  private readonly ownBook: boolean;
  private readonly backoff = new Backoff();

  /** @param book a book the caller keeps synced (the worker's); without one the duty keeps its own */
  constructor(
    private readonly core: OblivionCore,
    private readonly signer: Signer,
    private readonly log: Logger,
    book?: JobBook,
    private readonly now: () => bigint = nowSeconds,
  ) {
    this.ownBook = !book;
    this.book = book ?? new JobBook(core, signer.provider!);
  }

  async run(signal?: AbortSignal): Promise<number> {
    const core = this.core.connect(this.signer);
    const me = (await this.signer.getAddress()).toLowerCase();
    if (this.ownBook) await withRetry(() => this.book.sync(), { retryable: isTransportError, signal });
    // The later of the wall clock and the latest block: an idle node's block is stale, a node whose clock was moved
    // ahead (a devnet's evm_increaseTime) is ahead of the wall clock. The pending-block static call has the last word.
    const head = await withRetry(() => this.signer.provider!.getBlock("latest"), { retryable: isTransportError, signal });
    const wall = this.now();
    const now = head && BigInt(head.timestamp) > wall ? BigInt(head.timestamp) : wall;
    let actions = 0;
    for (const c of this.book.expiredClaims(now)) {
      if (signal?.aborted) break;
      const key = `${c.job.jobId}:${c.shardIndex}`;
      if (!this.backoff.ready(key)) continue;
      const ids = { job: c.job.jobId, shard: c.shardIndex };
      // The book's deadline is the claim's; a key release restarted the window on-chain.
      const onChain = await withRetry(() => core.getShard(c.job.jobId, c.shardIndex), { retryable: isTransportError, signal });
      const view = c.job.shard(c.shardIndex);
      if (onChain.status !== 1n) continue; // settled or reopened since the last sync
      if (onChain.deadline >= now) {
        view.deadline = onChain.deadline;
        continue;
      }
      const check = await preflight(core.reclaimExpired, [c.job.jobId, c.shardIndex]);
      if (!check.ok) {
        this.stats.skipped++;
        if (check.revert && LOST_RACE.has(check.revert)) continue;
        const { waitMs, failures } = this.backoff.failed(key, check.reason);
        this.log.warn("reclaim would revert; not sending, backing off", { ...ids, reason: check.reason, failures, waitMs });
        continue;
      }
      try {
        const rc = await (await core.reclaimExpired(c.job.jobId, c.shardIndex)).wait();
        const parsed = rc?.logs.map((l) => core.interface.parseLog(l)) ?? [];
        const slashed = parsed.find((p) => p?.name === "ClaimSlashed" && p.args.caller.toLowerCase() === me);
        const voided = parsed.find((p) => p?.name === "ClaimVoided");
        const bounty = (slashed?.args.toCaller as bigint | undefined) ?? 0n;
        this.backoff.succeeded(key);
        this.stats.reclaimed++;
        this.stats.bountyWei += bounty;
        actions++;
        this.log.info(voided ? "voided expired claim (key never released)" : "reclaimed expired claim", {
          ...ids, worker: c.worker, bountyWei: bounty, gas: rc?.gasUsed,
        });
      } catch (err) {
        const name = revertName(err);
        if (name && LOST_RACE.has(name)) {
          this.stats.lostRaces++;
          this.log.info("reclaim lost a race", { ...ids, reason: name });
        } else if (isTransportError(err)) {
          throw err;
        } else {
          const { waitMs, failures } = this.backoff.failed(key, describeError(err));
          this.log.error("reclaim failed; backing off", { ...ids, reason: describeError(err), failures, waitMs });
        }
      }
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
