/**
 * The requester's release agent: when a shard of one of its jobs is claimed, it releases that shard's data key to
 * exactly that claim (claimant and claim nonce, F-02) on-chain (ShardKeyReleased). For a keyed claim (the worker
 * gave a one-time key) the key is masked to it and the committed key hash proven, so a wrong release is provable by
 * the worker (F-01); for a keyless claim the key is ECIES-wrapped to the worker's registered key inside the payload.
 * Restart-safe: it releases for every current claim that has no release yet, reading both from the chain.
 *
 * It never sends a release it can tell will revert: the claim must be live by the wall clock, and the exact call
 * must pass a static call on the pending block first. A claim that has ended (settled, reclaimed, voided, left) or
 * expired is dropped for good; any other refusal backs that claim off (2 s doubling to 60 s) with the reason logged.
 * The release form is built in lib/requester/release.ts, which the dashboard's tab shares.
 *
 * One claim never stalls the others (G-03): everything done for a claim, building its release included, is confined
 * to it. A claim whose worker registered an encryption key that is not a secp256k1 point cannot be served: it is
 * skipped for good and named in the log; the job's other claims still get their keys.
 */
import type { ContractTransactionReceipt, Signer } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import type { IOblivionCore } from "../../typechain-types/contracts/OblivionCore";
import { describeError } from "../chain/errors";
import { nowSeconds, type JobBook, type JobView } from "../chain/jobbook";
import { preflight } from "../chain/preflight";
import { InvalidKeyError } from "../crypto/errors";
import { Backoff } from "../util/backoff";
import type { Logger } from "../util/log";
import { readJobFile, JOBS_DIR, type JobFile } from "./job";
import { buildClaimRelease, type ClaimRef } from "./release";

export type { ClaimRef } from "./release";

/** Refusals that mean the claim is over or can no longer be served: dropped, never retried. */
const CLAIM_OVER = new Set(["ShardNotClaimed", "KeyAlreadyReleased", "ClaimExpired", "NotCurrentClaim"]);

/** Builds the release of `file`'s shard for exactly `claim` (lib/requester/release.ts); `endpoints` tell the worker where the content is served. */
export function buildRelease(core: OblivionCore, claim: ClaimRef, file: JobFile, endpoints: string[] = []): Promise<IOblivionCore.KeyReleaseStruct> {
  return buildClaimRelease(claim, file, async (claimant) => (await core.workerProfile(claimant))[1], endpoints);
}

/** Builds and sends the release for `claim`; returns the receipt. */
export async function releaseForClaim(core: OblivionCore, requester: Signer, claim: ClaimRef, file: JobFile): Promise<ContractTransactionReceipt> {
  const c = core.connect(requester);
  const release = await buildRelease(c, claim, file);
  const check = await preflight(c.releaseShardKey, [claim.jobId, claim.shardIndex, release]);
  if (!check.ok) throw new Error(`releaseShardKey would revert: ${check.reason}`);
  const rc = await (await c.releaseShardKey(claim.jobId, claim.shardIndex, release)).wait();
  if (!rc) throw new Error("releaseShardKey: no receipt");
  return rc;
}

export interface ReleaseAgentOptions {
  jobsDir?: string;
  /** Serve only these jobs (default: every job of this requester that has a local job file). */
  jobs?: Set<bigint>;
  /** Content endpoints published in every release (lib/requester/content.ts). */
  endpoints?: string[];
}

export class ReleaseAgent {
  private readonly files = new Map<bigint, JobFile | null>();
  /** Claims handled for good (released, or over): job:shard:claim nonce. */
  private readonly done = new Set<string>();
  private readonly backoff = new Backoff();
  private readonly jobsDir: string;
  private readonly only?: Set<bigint>;
  private readonly endpoints: string[];
  released = 0;
  /** Releases the pre-send check refused (no transaction sent). */
  refused = 0;
  /** Claims that cannot be served (the claimant's encryption key is no curve point), skipped for good. */
  skipped = 0;

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
    this.endpoints = o.endpoints ?? [];
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
      for (const i of job.claimed) {
        const s = job.shard(i);
        if (s.state !== "claimed" || s.release || !s.worker || s.claimNonce === undefined) continue;
        const key = `${job.jobId}:${i}:${s.claimNonce}`;
        if (this.done.has(key) || !this.backoff.ready(key)) continue;
        const ids = { job: job.jobId, shard: i, worker: s.worker, claimNonce: s.claimNonce };
        if (s.deadline !== undefined && nowSeconds() > s.deadline) {
          this.done.add(key);
          this.log.warn("claim expired before its key was released; not releasing", ids);
          continue;
        }
        const claim: ClaimRef = { jobId: job.jobId, shardIndex: i, claimant: s.worker, claimNonce: s.claimNonce, oneTimeKey: s.oneTimeKey };
        try {
          if (await this.serve(core, claim, file, key, ids)) n++;
        } catch (err) {
          const { waitMs, failures } = this.backoff.failed(key, describeError(err));
          this.log.warn("release failed; backing off", { ...ids, reason: describeError(err), failures, waitMs });
        }
      }
    }
    return n;
  }

  /** Builds, checks and sends one claim's release; true when it was released. Throws only what backs the claim off. */
  private async serve(core: OblivionCore, claim: ClaimRef, file: JobFile, key: string, ids: Record<string, unknown>): Promise<boolean> {
    let release: IOblivionCore.KeyReleaseStruct;
    try {
      release = await buildRelease(core, claim, file, this.endpoints);
    } catch (err) {
      if (!(err instanceof InvalidKeyError)) throw err;
      this.done.add(key);
      this.skipped++;
      this.log.warn("claim skipped: the worker's registered encryption key is not a secp256k1 point; its claim gets no key", { ...ids, reason: describeError(err) });
      return false;
    }
    const args = [claim.jobId, claim.shardIndex, release] as const;
    const check = await preflight(core.releaseShardKey, [...args]);
    if (!check.ok) {
      this.refused++;
      if (check.revert && CLAIM_OVER.has(check.revert)) {
        this.done.add(key);
        this.log.info("claim over before release; nothing to send", { ...ids, reason: check.reason });
      } else {
        const { waitMs, failures } = this.backoff.failed(key, check.reason);
        this.log.warn("release would revert; not sending, backing off", { ...ids, reason: check.reason, failures, waitMs });
      }
      return false;
    }
    await (await core.releaseShardKey(...args)).wait();
    this.done.add(key);
    this.backoff.succeeded(key);
    this.released++;
    this.log.info("released shard key", { ...ids, encrypted: !!file.shards[claim.shardIndex].dataKey, keyed: !!claim.oneTimeKey });
    return true;
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
