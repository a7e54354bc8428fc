/**
 * Replaying failed reputation hook calls (F-10). The core records a hook call that failed (out of gas, out of the
 * fhEVM's per-transaction HCU budget, or a reverting hook) as pending and emits ReputationHookFailed; anyone may call
 * `replayHook` until it succeeds. This finds the pending ones and replays each in its own transaction.
 */
import type { Signer } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import { describeError } from "../chain/errors";

/** One pending hook call and what its replay did. */
export interface HookReplay {
  worker: string;
  jobId: bigint;
  shardIndex: bigint;
  settled: boolean;
  /** The replay's transaction hash, or undefined when it failed again (it stays pending). */
  txHash?: string;
  /** Why the replay failed, in one line. */
  error?: string;
}

/** Replays every hook call that failed since `fromBlock` and is still pending; returns each attempt, in order. */
export async function replayPendingHooks(core: OblivionCore, submitter: Signer, fromBlock: number): Promise<HookReplay[]> {
  const events = await core.queryFilter(core.filters.ReputationHookFailed(), fromBlock);
  const seen = new Set<string>();
  const out: HookReplay[] = [];
  for (const e of events) {
    const { worker, jobId, shardIndex, settled } = e.args;
    const key = `${worker.toLowerCase()}:${jobId}:${shardIndex}:${settled}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!(await core.hookPending(worker, jobId, shardIndex, settled))) continue;
    const attempt: HookReplay = { worker, jobId, shardIndex, settled };
    try {
      const tx = await core.connect(submitter).replayHook(worker, jobId, shardIndex, settled);
      await tx.wait();
      attempt.txHash = tx.hash;
    } catch (err) {
      attempt.error = describeError(err); // stays pending: the next pass tries again
    }
    out.push(attempt);
  }
  return out;
}
