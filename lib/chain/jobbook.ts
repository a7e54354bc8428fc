/**
 * A local, event-sourced view of the core's jobs and shards, rebuilt from the chain on start and kept current by
 * polling logs. Workers, keepers and the requester agent read it instead of calling a view per shard. It holds state
 * only for shards that have had events: a million-shard job nobody works on costs one small object (G-04).
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

/** What every shard without events is: open, never claimed. Shared and frozen: the book never mutates it. */
const UNTOUCHED: ShardView = Object.freeze({ state: "open" as ShardState, claimedBy: Object.freeze(new Set<string>()) as Set<string> });

/**
 * One job. Per-shard state is kept only for shards that have had events (claimed, released, settled, forfeited, left,
 * voided, slashed); every other shard is open and untouched, so the open shards are the range [0, shardCount) minus
 * the touched ones that are not open. Memory and the passes over it grow with claims, not with shardCount (G-04).
 */
export class JobView {
  cancelled = false;
  /** Claims left after their key was released (ClaimLeft with keyReleased): the worker could not fetch or open the content. */
  leftAfterRelease = 0;
  /** Shards that have had events, by index (a touched shard keeps its view object for as long as the book lives). */
  readonly touched = new Map<number, ShardView>();
  /** Indices of the shards claimed now. */
  readonly claimed = new Set<number>();
  /** Shards per state; `open` is shardCount minus the others. */
  readonly counts: Record<ShardState, number>;

  constructor(
    readonly jobId: bigint,
    readonly requester: string,
    readonly modelId: bigint,
    readonly modelVersion: bigint,
    readonly shardCount: number,
    readonly inputRoot: string,
    readonly postedBlock: number,
  ) {
    this.counts = { open: shardCount, claimed: 0, settled: 0, forfeited: 0 };
  }

  /** The shard's view: its own once it has had an event, the shared untouched view before. */
  shard(i: number): ShardView {
    return this.touched.get(i) ?? UNTOUCHED;
  }

  /**
   * Up to `limit` open shards, walking the range from `from` (wrapping once) and skipping touched shards that are not
   * open or that `skip` refuses: O(limit + touched shards passed), whatever the shard count.
   */
  openShards(limit: number, from = 0, skip?: (s: ShardView) => boolean): number[] {
    const out: number[] = [];
    const n = this.shardCount;
    if (n === 0 || limit <= 0 || this.counts.open === 0) return out;
    const start = ((from % n) + n) % n;
    for (let k = 0; k < n && out.length < limit; k++) {
      const i = (start + k) % n;
      const s = this.touched.get(i);
      if (s && (s.state !== "open" || skip?.(s))) continue;
      out.push(i);
    }
    return out;
  }

  /** Every shard's view, materialized: O(shardCount). For tests and displays of small jobs only. */
  get shards(): ShardView[] {
    return Array.from({ length: this.shardCount }, (_, i) => this.shard(i));
  }

  /** The shard's own view, created on its first event. */
  touch(i: number): ShardView {
    let s = this.touched.get(i);
    if (!s) this.touched.set(i, (s = { state: "open", claimedBy: new Set<string>() }));
    return s;
  }

  /** Moves a touched shard to `state`, keeping counts and the claimed set. */
  move(i: number, s: ShardView, state: ShardState): void {
    this.counts[s.state]--;
    this.counts[state]++;
    s.state = state;
    if (state === "claimed") this.claimed.add(i);
    else this.claimed.delete(i);
  }
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
function reopen(job: JobView, i: number, s: ShardView): void {
  job.move(i, s, "open");
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
    if (!parsed) return undefined;
    const a = parsed.args;
    const base = { name: parsed.name, blockNumber: log.blockNumber, txHash: log.transactionHash };
    switch (parsed.name) {
      case "JobPosted": {
        const shardCount = Number(a.shardCount);
        const job = new JobView(a.jobId, lc(a.requester), a.modelId, BigInt(a.modelVersion), shardCount, a.inputRoot, log.blockNumber);
        this.jobs.set(a.jobId, job);
        return { ...base, jobId: a.jobId, args: { requester: a.requester, shardCount } };
      }
      case "ShardClaimed": {
        const at = this.at(a.jobId, a.shardIndex);
        if (!at) return undefined;
        const [job, i] = at;
        const s = job.touch(i);
        job.move(i, s, "claimed");
        s.worker = lc(a.worker);
        s.deadline = a.deadline;
        s.release = undefined;
        s.claimNonce = a.claimNonce;
        s.oneTimeKey = a.oneTimeKeyX === 0n ? undefined : { x: a.oneTimeKeyX, y: a.oneTimeKeyY };
        s.claimedBy.add(lc(a.worker));
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: { deadline: a.deadline } };
      }
      case "ShardKeyReleased": {
        const at = this.at(a.jobId, a.shardIndex);
        if (!at) return undefined;
        const s = at[0].touch(at[1]);
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
        const at = this.at(a.jobId, a.shardIndex);
        if (!at) return undefined;
        const [job, i] = at;
        const s = job.touch(i);
        job.move(i, s, "settled");
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
        const at = this.at(a.jobId, a.shardIndex);
        if (!at) return undefined;
        const [job, i] = at;
        const s = job.touch(i);
        reopen(job, i, s);
        if (!a.keyReleased) s.claimedBy.delete(lc(a.worker));
        else job.leftAfterRelease++;
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: {} };
      }
      case "BadReleaseProven": {
        const at = this.at(a.jobId, a.shardIndex);
        if (!at) return undefined;
        const [job, i] = at;
        job.move(i, job.touch(i), "forfeited");
        return { ...base, jobId: a.jobId, shardIndex: a.shardIndex, worker: a.worker, args: { compensation: a.compensation } };
      }
      case "ClaimSlashed": {
        const at = this.at(a.jobId, a.shardIndex);
        if (!at) return undefined;
        const [job, i] = at;
        const s = job.touch(i);
        reopen(job, i, s);
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
        const at = this.at(a.jobId, a.shardIndex);
        if (!at) return undefined;
        const [job, i] = at;
        const s = job.touch(i);
        reopen(job, i, s);
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

  /** The job and shard index an event names, if the job is in the book and the index in its range. */
  private at(jobId: bigint, shardIndex: bigint): [JobView, number] | undefined {
    const job = this.jobs.get(jobId);
    const i = Number(shardIndex);
    return job && i < job.shardCount ? [job, i] : undefined;
  }
}
