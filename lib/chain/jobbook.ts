/**
 * A local, event-sourced view of the core's jobs and shards, rebuilt from the chain on start and kept current by
 * polling logs. Workers, keepers and the requester agent read it instead of calling a view per shard. It holds state
 * only for shards that have had events: a million-shard job nobody works on costs one small object (G-04).
 */
import type { Log, Provider } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import { applyCoreEvent, nowSeconds, type BookEvent, type JobView, type ShardState } from "./jobView";

export * from "./jobView";

const lc = (a: string) => a.toLowerCase();

export class JobBook {
  readonly jobs = new Map<bigint, JobView>();
  private nextBlock: number;
  private readonly address: Promise<string>;

  /**
   * @param fromBlock first block to read (the core's deployment block; 0 reads the whole chain)
   * @param maxRange most blocks asked for in one eth_getLogs call
   */
  constructor(
    private readonly core: OblivionCore,
    private readonly provider: Provider,
    fromBlock = 0,
    private readonly maxRange = 5_000,
  ) {
    this.nextBlock = fromBlock;
    this.address = core.getAddress();
  }

  /** Reads every new log up to the latest block and applies it; returns the events in chain order. */
  async sync(): Promise<BookEvent[]> {
    const latest = await this.provider.getBlockNumber();
    const events: BookEvent[] = [];
    const address = await this.address;
    while (this.nextBlock <= latest) {
      const to = Math.min(latest, this.nextBlock + this.maxRange - 1);
      const logs = await this.provider.getLogs({ address, fromBlock: this.nextBlock, toBlock: to });
      for (const log of logs) {
        const ev = this.apply(log);
        if (ev) events.push(ev);
      }
      this.nextBlock = to + 1;
    }
    return events;
  }

  job(jobId: bigint): JobView {
    const j = this.jobs.get(jobId);
    if (!j) throw new Error(`job ${jobId} is not in the local book (not posted, or not synced yet)`);
    return j;
  }

  /**
   * Open shards a worker may still claim (not cancelled, open, never claimed by it), at most `perJob` of each job,
   * from a random place in its range: O(jobs × perJob + touched shards passed), not O(shards).
   */
  openShardsFor(worker: string, accept: (job: JobView) => boolean, perJob = 16): { job: JobView; shardIndex: number }[] {
    const me = lc(worker);
    const out: { job: JobView; shardIndex: number }[] = [];
    for (const job of this.jobs.values()) {
      if (job.cancelled || !accept(job)) continue;
      const from = Math.floor(Math.random() * job.shardCount);
      for (const i of job.openShards(perJob, from, (s) => s.claimedBy.has(me))) out.push({ job, shardIndex: i });
    }
    return out;
  }

  /** Shards currently claimed by `worker`. */
  claimsOf(worker: string): { job: JobView; shardIndex: number }[] {
    const me = lc(worker);
    const out: { job: JobView; shardIndex: number }[] = [];
    for (const job of this.jobs.values()) {
      for (const i of job.claimed) if (job.shard(i).worker === me) out.push({ job, shardIndex: i });
    }
    return out;
  }

  /** Claims past their deadline by the wall clock, oldest deadline first: what a keeper may reclaim. O(claims). */
  expiredClaims(now = nowSeconds()): { job: JobView; shardIndex: number; worker: string; deadline: bigint }[] {
    const out: { job: JobView; shardIndex: number; worker: string; deadline: bigint }[] = [];
    for (const job of this.jobs.values()) {
      for (const i of job.claimed) {
        const s = job.shard(i);
        if (s.deadline !== undefined && s.deadline < now) out.push({ job, shardIndex: i, worker: s.worker!, deadline: s.deadline });
      }
    }
    return out.sort((x, y) => (x.deadline < y.deadline ? -1 : x.deadline > y.deadline ? 1 : 0));
  }

  /** Totals over all jobs, for progress displays. */
  totals(): Record<ShardState, number> {
    const t = { open: 0, claimed: 0, settled: 0, forfeited: 0 };
    for (const job of this.jobs.values()) for (const k of Object.keys(t) as ShardState[]) t[k] += job.counts[k];
    return t;
  }

  private apply(log: Log): BookEvent | undefined {
    const parsed = this.core.interface.parseLog({ topics: [...log.topics], data: log.data });
    return parsed ? applyCoreEvent(this.jobs, { name: parsed.name, args: parsed.args, blockNumber: log.blockNumber, txHash: log.transactionHash }) : undefined;
  }
}
