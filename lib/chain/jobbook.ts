/**
 * A local, event-sourced view of the core's jobs and shards, rebuilt from the chain on start and kept current by
 * polling logs. Workers, keepers and the requester agent read it instead of calling a view per shard.
 */
import type { Log, Provider } from "ethers";
import type { OblivionCore } from "../../typechain-types";

export type ShardState = "open" | "claimed" | "settled" | "forfeited";

/** A key release as emitted (ShardKeyReleased), for the claim `claimNonce`. */
export interface ReleaseView {
  claimNonce: bigint;
  /** Committed keccak256 of the data key (zero: keyless release or public data). */
  keyHash: string;
  ephemeral: { x: bigint; y: bigint };
  maskedKey: string;
  /** Off-chain pointers: encodeRelease({packageCid, wrappedKey}) from lib/requester/shard. */
  payload: string;
}

export interface ShardView {
  state: ShardState;
  worker?: string;
  deadline?: bigint;
  /** Every worker that has ever claimed the shard (the core refuses a second claim by any of them). */
  claimedBy: Set<string>;
  /** The current claim's nonce (Shard.claimNonce). */
  claimNonce?: bigint;
  /** The current claim's one-time public key (absent for a keyless claim). */
  oneTimeKey?: { x: bigint; y: bigint };
  /** The latest ShardKeyReleased for the current claim. */
  release?: ReleaseView;
  outputCommitment?: bigint;
  outputCid?: string;
  settledBy?: string;
}

export interface JobView {
  jobId: bigint;
  requester: string;
  modelId: bigint;
  modelVersion: bigint;
  shardCount: number;
  inputRoot: string;
  cancelled: boolean;
  shards: ShardView[];
  postedBlock: number;
  /** Claims left after their key was released (ClaimLeft with keyReleased): the worker could not fetch or open the content. */
  leftAfterRelease: number;
}

export interface BookEvent {
  name: string;
  jobId: bigint;
  shardIndex?: bigint;
  worker?: string;
  args: Record<string, unknown>;
  blockNumber: number;
  txHash: string;
}

const lc = (a: string) => a.toLowerCase();

/** The end of a claim without a settlement (ClaimSlashed, ClaimVoided, ClaimLeft): the shard is open again. */
function reopen(s: ShardView): void {
  s.state = "open";
  s.worker = undefined;
  s.deadline = undefined;
  s.release = undefined;
  s.claimNonce = undefined;
  s.oneTimeKey = undefined;
}


/** Wall-clock seconds: deadlines are decided against this, not the latest block's (stale on an idle node). */
export const nowSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000));

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

  /** Open shards a worker may still claim: not cancelled, open, never claimed by it. */
  openShardsFor(worker: string, accept: (job: JobView) => boolean): { job: JobView; shardIndex: number }[] {
    const me = lc(worker);
    const out: { job: JobView; shardIndex: number }[] = [];
    for (const job of this.jobs.values()) {
      if (job.cancelled || !accept(job)) continue;
      job.shards.forEach((s, i) => {
        if (s.state === "open" && !s.claimedBy.has(me)) out.push({ job, shardIndex: i });
      });
    }
    return out;
  }

  /** Shards currently claimed by `worker`. */
  claimsOf(worker: string): { job: JobView; shardIndex: number }[] {
    const me = lc(worker);
    const out: { job: JobView; shardIndex: number }[] = [];
    for (const job of this.jobs.values()) {
      job.shards.forEach((s, i) => {
        if (s.state === "claimed" && s.worker === me) out.push({ job, shardIndex: i });
      });
    }
    return out;
  }

  /** Claims past their deadline by the wall clock, oldest deadline first: what a keeper may reclaim. */
  expiredClaims(now = nowSeconds()): { job: JobView; shardIndex: number; worker: string; deadline: bigint }[] {
    const out: { job: JobView; shardIndex: number; worker: string; deadline: bigint }[] = [];
    for (const job of this.jobs.values()) {
      job.shards.forEach((s, i) => {
        if (s.state === "claimed" && s.deadline !== undefined && s.deadline < now) out.push({ job, shardIndex: i, worker: s.worker!, deadline: s.deadline });
      });
    }
    return out.sort((x, y) => (x.deadline < y.deadline ? -1 : x.deadline > y.deadline ? 1 : 0));
  }

  /** Totals over all jobs, for progress displays. */
  totals(): Record<ShardState, number> {
    const t = { open: 0, claimed: 0, settled: 0, forfeited: 0 };
    for (const job of this.jobs.values()) for (const s of job.shards) t[s.state]++;
    return t;
  }

  private apply(log: Log): BookEvent | undefined {
    const parsed = this.core.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return undefined;
    const a = parsed.args;
    const base = { name: parsed.name, blockNumber: log.blockNumber, txHash: log.transactionHash };
    switch (parsed.name) {
      case "JobPosted": {
        const shardCount = Number(a.shardCount);
        this.jobs.set(a.jobId, {
          jobId: a.jobId,
          requester: lc(a.requester),
          modelId: a.modelId,
          modelVersion: BigInt(a.modelVersion),
          shardCount,
          inputRoot: a.inputRoot,
          cancelled: false,
          postedBlock: log.blockNumber,
          leftAfterRelease: 0,
          shards: Array.from({ length: shardCount }, () => ({ state: "open" as ShardState, claimedBy: new Set<string>() })),
        });
        return { ...base, jobId: a.jobId, args: { requester: a.requester, shardCount } };
      }
      case "ShardClaimed": {
        const s = this.shard(a.jobId, a.shardIndex);
        if (!s) return undefined;
        s.state = "claimed";
        s.worker = lc(a.worker);
        s.deadline = a.deadline;
        s.release = undefined;
        s.claimNonce = a.claimNonce;
        s.oneTimeKey = a.oneTimeKeyX === 0n ? undefined : { x: a.oneTimeKeyX, y: a.oneTimeKeyY };
        s.claimedBy.add(lc(a.worker));
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: { deadline: a.deadline } };
      }
      case "ShardKeyReleased": {
        const s = this.shard(a.jobId, a.shardIndex);
        if (!s) return undefined;
        s.release = {
          claimNonce: a.claimNonce,
          keyHash: a.keyHash,
          ephemeral: { x: a.ephemeralX, y: a.ephemeralY },
          maskedKey: a.maskedKey,
          payload: a.payload,
        };
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: {} };
      }
      case "ShardSettled": {
        const s = this.shard(a.jobId, a.shardIndex);
        if (!s) return undefined;
        s.state = "settled";
        s.settledBy = lc(a.worker);
        s.outputCommitment = a.outputCommitment;
        s.outputCid = a.outputCid;
        return {
          ...base,
          jobId: a.jobId,
          shardIndex: a.shardIndex,
          worker: a.worker,
          args: { workerPay: a.workerPay, ownerFee: a.ownerFee, protocolFee: a.protocolFee, outputCid: a.outputCid },
        };
      }
      case "ClaimLeft": {
        // The worker left before or just after the release (inspection window): no slash; the shard is open again.
        // Left before any release, the core lets the same worker claim it again (it learned nothing).
        const s = this.shard(a.jobId, a.shardIndex);
        if (!s) return undefined;
        reopen(s);
        if (!a.keyReleased) s.claimedBy.delete(lc(a.worker));
        else this.jobs.get(a.jobId)!.leftAfterRelease++;
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: {} };
      }
      case "BadReleaseProven": {
        const s = this.shard(a.jobId, a.shardIndex);
        if (!s) return undefined;
        s.state = "forfeited";
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: { compensation: a.compensation } };
      }
      case "ClaimSlashed": {
        const s = this.shard(a.jobId, a.shardIndex);
        if (!s) return undefined;
        reopen(s);
        return {
          ...base,
          jobId: a.jobId,
          shardIndex: a.shardIndex,
          worker: a.worker,
          args: { caller: a.caller, toCaller: a.toCaller, toRequester: a.toRequester, toTreasury: a.toTreasury },
        };
      }
      case "ClaimVoided": {
        // An expired claim whose key was never released: the collateral is unlocked, not slashed, and the shard is
        // open again for every worker but this one (the core refuses its second claim).
        const s = this.shard(a.jobId, a.shardIndex);
        if (!s) return undefined;
        reopen(s);
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: { caller: a.caller } };
      }
      case "JobCancelled": {
        const j = this.jobs.get(a.jobId);
        if (j) j.cancelled = true;
        return { ...base, jobId: a.jobId, args: { refund: a.refund } };
      }
      default:
        return undefined;
    }
  }

  private shard(jobId: bigint, shardIndex: bigint): ShardView | undefined {
    return this.jobs.get(jobId)?.shards[Number(shardIndex)];
  }
}
