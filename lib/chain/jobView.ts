/**
 * The job book's state machine, browser-safe (no provider, no contract types): a job and the shards that have had
 * events, moved by the core's decoded events. lib/chain/jobbook.ts feeds it from ethers logs for workers, keepers and
 * agents; the dashboard's job screen feeds it from viem logs of one job. It holds state only for shards that have had
 * events: a million-shard job nobody works on costs one small object (G-04).
 */

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

  /**
   * The shards a display lists, in index order: every shard of a job of at most `all` shards; of a larger one, the
   * shards that have had events (the rest are open and untouched: shardCount - touched.size of them).
   */
  listed(all: number): number[] {
    return this.shardCount <= all ? Array.from({ length: this.shardCount }, (_, i) => i) : [...this.touched.keys()].sort((a, b) => a - b);
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

/**
 * A decoded core event: its name and its arguments by name, as ethers (a Result, integers as bigint) or viem (an
 * object, integers up to 48 bits as number) decodes them.
 */
export interface CoreEvent {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  blockNumber: number;
  txHash: string;
}

/**
 * Applies one core event to `jobs` (a JobPosted adds the job; an event of a job not in `jobs`, or of a shard out of its
 * range, changes nothing) and returns it as a BookEvent, or undefined for an event the book does not track.
 */
export function applyCoreEvent(jobs: Map<bigint, JobView>, { name, args: a, blockNumber, txHash }: CoreEvent): BookEvent | undefined {
  if (a.jobId === undefined) return undefined; // not a job's event
  const base = { name, blockNumber, txHash };
  const jobId = BigInt(a.jobId);
  const shardIndex = a.shardIndex === undefined ? 0n : BigInt(a.shardIndex);
  switch (name) {
    case "JobPosted": {
      const shardCount = Number(a.shardCount);
      const job = new JobView(jobId, lc(a.requester), BigInt(a.modelId), BigInt(a.modelVersion), shardCount, a.inputRoot, blockNumber);
      jobs.set(jobId, job);
      return { ...base, jobId, args: { requester: a.requester, shardCount } };
    }
    case "ShardClaimed": {
      const hit = at(jobs, jobId, shardIndex);
      if (!hit) return undefined;
      const [job, i] = hit;
      const s = job.touch(i);
      job.move(i, s, "claimed");
      s.worker = lc(a.worker);
      s.deadline = BigInt(a.deadline);
      s.release = undefined;
      s.claimNonce = BigInt(a.claimNonce);
      s.oneTimeKey = a.oneTimeKeyX === 0n ? undefined : { x: a.oneTimeKeyX, y: a.oneTimeKeyY };
      s.claimedBy.add(lc(a.worker));
      return { ...base, jobId, shardIndex, worker: a.worker, args: { deadline: BigInt(a.deadline) } };
    }
    case "ShardKeyReleased": {
      const hit = at(jobs, jobId, shardIndex);
      if (!hit) return undefined;
      const s = hit[0].touch(hit[1]);
      s.release = {
        claimNonce: BigInt(a.claimNonce),
        keyHash: a.keyHash,
        ephemeral: { x: a.ephemeralX, y: a.ephemeralY },
        maskedKey: a.maskedKey,
        payload: a.payload,
      };
      return { ...base, jobId, shardIndex, worker: a.worker, args: {} };
    }
    case "ShardSettled": {
      const hit = at(jobs, jobId, shardIndex);
      if (!hit) return undefined;
      const [job, i] = hit;
      const s = job.touch(i);
      job.move(i, s, "settled");
      s.settledBy = lc(a.worker);
      s.outputCommitment = a.outputCommitment;
      s.outputCid = a.outputCid;
      return {
        ...base,
        jobId,
        shardIndex,
        worker: a.worker,
        args: { workerPay: a.workerPay, ownerFee: a.ownerFee, protocolFee: a.protocolFee, outputCid: a.outputCid },
      };
    }
    case "ClaimLeft": {
      // The worker left before or just after the release (inspection window): no slash; the shard is open again.
      // Left before any release, the core lets the same worker claim it again (it learned nothing).
      const hit = at(jobs, jobId, shardIndex);
      if (!hit) return undefined;
      const [job, i] = hit;
      const s = job.touch(i);
      reopen(job, i, s);
      if (!a.keyReleased) s.claimedBy.delete(lc(a.worker));
      else job.leftAfterRelease++;
      return { ...base, jobId, shardIndex, worker: a.worker, args: {} };
    }
    case "BadReleaseProven": {
      const hit = at(jobs, jobId, shardIndex);
      if (!hit) return undefined;
      const [job, i] = hit;
      job.move(i, job.touch(i), "forfeited");
      return { ...base, jobId, shardIndex, worker: a.worker, args: { compensation: a.compensation } };
    }
    case "ClaimSlashed": {
      const hit = at(jobs, jobId, shardIndex);
      if (!hit) return undefined;
      const [job, i] = hit;
      const s = job.touch(i);
      reopen(job, i, s);
      return {
        ...base,
        jobId,
        shardIndex,
        worker: a.worker,
        args: { caller: a.caller, toCaller: a.toCaller, toRequester: a.toRequester, toTreasury: a.toTreasury },
      };
    }
    case "ClaimVoided": {
      // An expired claim whose key was never released: the collateral is unlocked, not slashed, and the shard is
      // open again for every worker but this one (the core refuses its second claim).
      const hit = at(jobs, jobId, shardIndex);
      if (!hit) return undefined;
      const [job, i] = hit;
      const s = job.touch(i);
      reopen(job, i, s);
      return { ...base, jobId, shardIndex, worker: a.worker, args: { caller: a.caller } };
    }
    case "JobCancelled": {
      const j = jobs.get(jobId);
      if (j) j.cancelled = true;
      return { ...base, jobId, args: { refund: a.refund } };
    }
    default:
      return undefined;
  }
}

/** The job and shard index an event names, if the job is in the book and the index in its range. */
function at(jobs: Map<bigint, JobView>, jobId: bigint, shardIndex: bigint): [JobView, number] | undefined {
  const job = jobs.get(jobId);
  const i = Number(shardIndex);
  return job && i < job.shardCount ? [job, i] : undefined;
}
