/**
 * The requester's release agent: when a shard of one of its jobs is claimed, it releases that shard's data key to
 * exactly that claim (claimant and claim nonce, F-02) on-chain (ShardKeyReleased). For a keyed claim (the worker
 * gave a one-time key) the key is masked to it and the committed key hash proven, so a wrong release is provable by
 * the worker (F-01); for a keyless claim the key is ECIES-wrapped to the worker's registered key inside the payload.
 * Restart-safe: it releases for every current claim that has no release yet, reading both from the chain.
 */
import { getBytes, type ContractTransactionReceipt, type Signer } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import type { IOblivionCore } from "../../typechain-types/contracts/OblivionCore";
import { describeError, revertName } from "../chain/errors";
import type { JobBook } from "../chain/jobbook";
import { wrapKey } from "../crypto";
import { maskDataKey, type CurvePoint } from "../crypto/release";
import type { Logger } from "../util/log";
import { dataKeyOf, readJobFile, JOBS_DIR, type JobFile } from "./job";
import { encodeRelease } from "./shard";

/** The claim a release is for. */
export interface ClaimRef {
  jobId: bigint;
  shardIndex: number;
  claimant: string;
  claimNonce: bigint;
  /** The claim's one-time key (claimWithKey); absent for a keyless claim. */
  oneTimeKey?: CurvePoint;
}

const ZERO32 = "0x" + "00".repeat(32);

/** Builds the release of `file`'s shard for exactly `claim`. */
export async function buildRelease(core: OblivionCore, claim: ClaimRef, file: JobFile): Promise<IOblivionCore.KeyReleaseStruct> {
  const secret = file.shards[claim.shardIndex];
  if (!secret) throw new Error(`job file of job ${claim.jobId} has no shard ${claim.shardIndex}`);
  const dataKey = dataKeyOf(secret);
  const base = { claimant: claim.claimant, claimNonce: claim.claimNonce };
  if (!claim.oneTimeKey) {
    const [, pub] = dataKey ? await core.workerProfile(claim.claimant) : ["", ""];
    const wrappedKey = dataKey ? wrapKey(dataKey, getBytes(pub)) : new Uint8Array(0);
    const payload = encodeRelease({ packageCid: secret.packageCid, wrappedKey });
    return { ...base, keyHash: ZERO32, keyProof: [], ephemeralX: 0n, ephemeralY: 0n, maskedKey: ZERO32, payload };
  }
  if (!secret.keyProof || !secret.keyHash) {
    throw new Error(`job ${claim.jobId} commits no data keys (posted before keyed releases): a keyed claim cannot be served`);
  }
  const payload = encodeRelease({ packageCid: secret.packageCid, wrappedKey: new Uint8Array(0) });
  if (!dataKey) return { ...base, keyHash: secret.keyHash, keyProof: secret.keyProof, ephemeralX: 0n, ephemeralY: 0n, maskedKey: ZERO32, payload };
  const ctx = {
    chainId: BigInt(file.chainId),
    core: file.core,
    jobId: claim.jobId,
    shardIndex: BigInt(claim.shardIndex),
    claimNonce: claim.claimNonce,
  };
  const { ephemeral, maskedKey } = maskDataKey(dataKey, claim.oneTimeKey, ctx);
  return { ...base, keyHash: secret.keyHash, keyProof: secret.keyProof, ephemeralX: ephemeral.x, ephemeralY: ephemeral.y, maskedKey, payload };
}

/** Builds and sends the release for `claim`; returns the receipt. */
export async function releaseForClaim(core: OblivionCore, requester: Signer, claim: ClaimRef, file: JobFile): Promise<ContractTransactionReceipt> {
  const c = core.connect(requester);
  const release = await buildRelease(c, claim, file);
  const rc = await (await c.releaseShardKey(claim.jobId, claim.shardIndex, release)).wait();
  if (!rc) throw new Error("releaseShardKey: no receipt");
  return rc;
}

export class ReleaseAgent {
  private readonly files = new Map<bigint, JobFile | null>();
  private readonly sent = new Set<string>();
  released = 0;

  constructor(
    private readonly core: OblivionCore,
    private readonly requester: Signer,
    private readonly book: JobBook,
    private readonly log: Logger,
    private readonly jobsDir = JOBS_DIR,
  ) {}

  /** Releases keys for every claim on this requester's jobs that has none yet. Call after `book.sync()`. */
  async tick(): Promise<number> {
    const me = (await this.requester.getAddress()).toLowerCase();
    const chainId = (await this.requester.provider!.getNetwork()).chainId.toString();
    const coreAddr = await this.core.getAddress();
    let n = 0;
    for (const job of this.book.jobs.values()) {
      if (job.requester !== me) continue;
      if (!this.files.has(job.jobId)) {
        try {
          this.files.set(job.jobId, readJobFile(chainId, coreAddr, job.jobId, this.jobsDir));
        } catch (err) {
          this.log.warn("cannot serve job: no local job file", { job: job.jobId, reason: describeError(err) });
          this.files.set(job.jobId, null);
        }
      }
      const file = this.files.get(job.jobId);
      if (!file) continue;
      for (const [i, s] of job.shards.entries()) {
        if (s.state !== "claimed" || s.release || !s.worker || s.claimNonce === undefined) continue;
        const key = `${job.jobId}:${i}:${s.claimNonce}`;
        if (this.sent.has(key)) continue;
        const claim: ClaimRef = { jobId: job.jobId, shardIndex: i, claimant: s.worker, claimNonce: s.claimNonce, oneTimeKey: s.oneTimeKey };
        try {
          await releaseForClaim(this.core, this.requester, claim, file);
        } catch (err) {
          // The claim may have ended since the last sync (settled, reclaimed, left, or a newer claim): nothing to do.
          const name = revertName(err);
          if (name === "ShardNotClaimed" || name === "NotCurrentClaim" || name === "ClaimExpired") {
            this.sent.add(key);
            continue;
          }
          throw err;
        }
        this.sent.add(key);
        this.released++;
        n++;
        this.log.info("released shard key", { job: job.jobId, shard: i, worker: s.worker, claimNonce: s.claimNonce, keyed: !!s.oneTimeKey });
      }
    }
    return n;
  }
}
