/**
 * The requester's release agent: when a shard of one of its jobs is claimed, it wraps that shard's data key to the
 * claiming worker's registered encryption key and releases it on-chain (ShardKeyReleased). Restart-safe: it
 * releases for every current claim that has no release yet, reading both from the chain.
 *
 * It never sends a release it can tell will revert: the claim must be live by the wall clock, and the exact call
 * must pass a static call on the pending block first. A claim that has ended (settled, reclaimed, voided) or
 * expired is dropped for good; any other refusal backs that claim off (2 s doubling to 60 s) with the reason logged.
 * The release form is built here and nowhere else (`buildRelease`).
 */
import { getBytes, type Signer } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import { describeError } from "../chain/errors";
import { nowSeconds, type JobBook, type JobView } from "../chain/jobbook";
import { preflight } from "../chain/preflight";
import { wrapKey } from "../crypto";
import { Backoff } from "../util/backoff";
import type { Logger } from "../util/log";
import { dataKeyOf, readJobFile, JOBS_DIR, type JobFile } from "./job";
import { encodeRelease } from "./shard";

/** Refusals that mean the claim is over or can no longer be served: dropped, never retried. */
const CLAIM_OVER = new Set(["ShardNotClaimed", "KeyAlreadyReleased", "ClaimExpired"]);

/** The claim a release is for: the shard and its current claimant. */
export interface ClaimRef {
  jobId: bigint;
  shardIndex: number;
  claimant: string;
}

/**
 * The arguments of `releaseShardKey` for one claim: the package's CID and its data key wrapped to the claimant's
 * registered key. The one place a release is built (checked, then sent, by the agent).
 */
export async function buildRelease(core: OblivionCore, claim: ClaimRef, file: JobFile): Promise<[bigint, number, string]> {
  const secret = file.shards[claim.shardIndex];
  const dataKey = dataKeyOf(secret);
  let wrapped: Uint8Array = new Uint8Array(0);
  if (dataKey) {
    const [, pub] = await core.workerProfile(claim.claimant);
    wrapped = wrapKey(dataKey, getBytes(pub));
  }
  return [claim.jobId, claim.shardIndex, encodeRelease({ packageCid: secret.packageCid, wrappedKey: wrapped })];
}

export interface ReleaseAgentOptions {
  jobsDir?: string;
  /** Serve only these jobs (default: every job of this requester that has a local job file). */
  jobs?: Set<bigint>;
}

export class ReleaseAgent {
  private readonly files = new Map<bigint, JobFile | null>();
  /** Claims handled for good (released, or over): job:shard:worker:claim deadline. */
  private readonly done = new Set<string>();
  private readonly backoff = new Backoff();
  private readonly jobsDir: string;
  private readonly only?: Set<bigint>;
  released = 0;
  /** Releases the pre-send check refused (no transaction sent). */
  refused = 0;

  constructor(
    private readonly core: OblivionCore,
    private readonly requester: Signer,
    private readonly book: JobBook,
    private readonly log: Logger,
    opts: ReleaseAgentOptions | string = {},
  ) {
    const o = typeof opts === "string" ? { jobsDir: opts } : opts;
    this.jobsDir = o.jobsDir ?? JOBS_DIR;
    this.only = o.jobs;
  }

  /** This requester's jobs the agent serves (after `book.sync()`). */
  async served(): Promise<JobView[]> {
    const me = (await this.requester.getAddress()).toLowerCase();
    return [...this.book.jobs.values()].filter((j) => j.requester === me && (!this.only || this.only.has(j.jobId)));
  }

  /** Releases keys for every live claim on this requester's jobs that has none yet. Call after `book.sync()`. */
  async tick(): Promise<number> {
    const core = this.core.connect(this.requester);
    const chainId = (await this.requester.provider!.getNetwork()).chainId.toString();
    const coreAddr = await core.getAddress();
    let n = 0;
    for (const job of await this.served()) {
      const file = this.jobFile(chainId, coreAddr, job.jobId);
      if (!file) continue;
      for (const [i, s] of job.shards.entries()) {
        if (s.state !== "claimed" || s.release || !s.worker) continue;
        const key = `${job.jobId}:${i}:${s.worker}:${s.deadline}`;
        if (this.done.has(key) || !this.backoff.ready(key)) continue;
        const ids = { job: job.jobId, shard: i, worker: s.worker };
        if (s.deadline !== undefined && nowSeconds() > s.deadline) {
          this.done.add(key);
          this.log.warn("claim expired before its key was released; not releasing", ids);
          continue;
        }
        const args = await buildRelease(core, { jobId: job.jobId, shardIndex: i, claimant: s.worker }, file);
        const check = await preflight(core.releaseShardKey, args);
        if (!check.ok) {
          this.refused++;
          if (check.revert && CLAIM_OVER.has(check.revert)) {
            this.done.add(key);
            this.log.info("claim over before release; nothing to send", { ...ids, reason: check.reason });
          } else {
            const { waitMs, failures } = this.backoff.failed(key, check.reason);
            this.log.warn("release would revert; not sending, backing off", { ...ids, reason: check.reason, failures, waitMs });
          }
          continue;
        }
        try {
          await (await core.releaseShardKey(...args)).wait();
        } catch (err) {
          const { waitMs, failures } = this.backoff.failed(key, describeError(err));
          this.log.warn("release failed; backing off", { ...ids, reason: describeError(err), failures, waitMs });
          continue;
        }
        this.done.add(key);
        this.backoff.succeeded(key);
        this.released++;
        n++;
        this.log.info("released shard key", { ...ids, encrypted: !!file.shards[i].dataKey });
      }
    }
    return n;
  }

  private jobFile(chainId: string, core: string, jobId: bigint): JobFile | null {
    if (!this.files.has(jobId)) {
      try {
        this.files.set(jobId, readJobFile(chainId, core, jobId, this.jobsDir));
      } catch (err) {
        this.log.warn("cannot serve job: no local job file", { job: jobId, reason: describeError(err) });
        this.files.set(jobId, null);
      }
    }
    return this.files.get(jobId)!;
  }
}
