/**
 * The requester's release agent: when a shard of one of its jobs is claimed, it wraps that shard's data key to the
 * claiming worker's registered encryption key and releases it on-chain (ShardKeyReleased). Restart-safe: it
 * releases for every current claim that has no release yet, reading both from the chain.
 */
import { getBytes, type Signer } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import { describeError, revertName } from "../chain/errors";
import type { JobBook } from "../chain/jobbook";
import { wrapKey } from "../crypto";
import type { Logger } from "../util/log";
import { dataKeyOf, readJobFile, JOBS_DIR, type JobFile } from "./job";
import { encodeRelease } from "./shard";

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
    const core = this.core.connect(this.requester);
    const chainId = (await this.requester.provider!.getNetwork()).chainId.toString();
    const coreAddr = await core.getAddress();
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
        if (s.state !== "claimed" || s.release || !s.worker) continue;
        const key = `${job.jobId}:${i}:${s.worker}:${s.deadline}`;
        if (this.sent.has(key)) continue;
        const secret = file.shards[i];
        const dataKey = dataKeyOf(secret);
        let wrapped: Uint8Array = new Uint8Array(0);
        if (dataKey) {
          const [, pub] = await core.workerProfile(s.worker);
          wrapped = wrapKey(dataKey, getBytes(pub));
        }
        try {
          await (await core.releaseShardKey(job.jobId, i, encodeRelease({ packageCid: secret.packageCid, wrappedKey: wrapped }))).wait();
          this.sent.add(key);
          this.released++;
          n++;
          this.log.info("released shard key", { job: job.jobId, shard: i, worker: s.worker, encrypted: !!dataKey });
        } catch (err) {
          // The claim may have been settled or reclaimed since the last sync: nothing to release any more.
          if (revertName(err) === "ShardNotClaimed") continue;
          throw err;
        }
      }
    }
    return n;
  }
}
