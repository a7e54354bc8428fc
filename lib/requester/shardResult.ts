/**
 * Reading one settled shard's result, browser-safe (`job:results` and the dashboard's tab both use it): the sealed
 * result must open under the shard's data key, name the right job and shard, and its quantized outputs must hash to
 * the output commitment that the verified proof bound and the audit trail recorded. The float outputs ride along
 * unproven: an output whose float argmax differs from the proven one (a near tie, or an input at the edge of the
 * quantization) is marked, not hidden. A result that fails a check is a problem of that shard only (G-07).
 */
import { openEnvelope } from "../crypto/envelope";
import { outputCommitment } from "../zk/commitment";
import { argmax } from "../zk/quantize";
import type { JobFile } from "./jobFile";
import { readOutput } from "./output-ref";
import { dataKeyOf } from "./release";
import { decodeShardResult } from "./shard";

export interface ShardOutcome {
  shardIndex: number;
  /** Position of the shard's first output among the job's inputs (shardIndex * batch). */
  firstInput: number;
  recordId: bigint;
  worker: string;
  outputCid: string;
  outputs: number[][];
  /** Argmax of each proven (circuit) output. */
  predictions: number[];
  /** Outputs whose float answer (the worker's onnxruntime run) has another argmax than the proven one (near ties). */
  disagreements: number[];
  /** The output commitment matched the audit record's, recomputed from the quantized outputs. */
  verified: true;
}

/** A settled (paid) shard whose output could not be read or did not match what the proof committed. */
export interface UnreadableShard {
  shardIndex: number;
  recordId: bigint;
  worker: string;
  outputCid: string;
  problem: string;
}

export class ResultCheckError extends Error {
  constructor(shard: number, problem: string) {
    super(`shard ${shard}: ${problem}`);
    this.name = "ResultCheckError";
  }
}

/** What the audit trail recorded for a settled shard. */
export interface SettledRecord {
  shardIndex: number;
  recordId: bigint;
  submitter: string;
  inputCommitment: bigint;
  outputCommitment: bigint;
}

/**
 * Checks one settled shard's result: `outputCid` is its ShardSettled reference, `get` reads a CID (verified by the
 * caller's store). Returns the outcome, or the shard as unreadable with the reason; throws ResultCheckError only
 * when the job file does not match the chain (the requester's problem, not one shard's).
 */
export async function checkShardResult(
  job: JobFile,
  rec: SettledRecord,
  outputCid: string,
  get: (cid: string) => Promise<Uint8Array>,
  rangeBits: number,
): Promise<ShardOutcome | UnreadableShard> {
  const i = rec.shardIndex;
  const secret = job.shards[i];
  if (!secret) throw new ResultCheckError(i, "not in the local job file");
  if (rec.inputCommitment !== BigInt(secret.inputCommitment)) throw new ResultCheckError(i, "audit record's input commitment is not the one posted");
  const unreadable = (problem: string): UnreadableShard => ({ shardIndex: i, recordId: rec.recordId, worker: rec.submitter, outputCid, problem });
  if (!outputCid) return unreadable("no output reference in its ShardSettled event");
  let sealed: Uint8Array;
  try {
    sealed = await readOutput(outputCid, { get });
  } catch (err) {
    return unreadable(`output not retrievable: ${(err as Error).message}`);
  }
  let r: ReturnType<typeof decodeShardResult>;
  try {
    r = decodeShardResult(openEnvelope(sealed, dataKeyOf(secret)));
  } catch (err) {
    return unreadable(`output does not open under the shard's key: ${(err as Error).message}`);
  }
  if (r.shardIndex !== i || r.jobId !== job.jobId) return unreadable(`output is for job ${r.jobId} shard ${r.shardIndex}`);
  let recomputed: bigint;
  try {
    recomputed = await outputCommitment(r.quantizedOutputs.map((v) => v.map(BigInt)), rangeBits);
  } catch (err) {
    return unreadable(`quantized outputs are malformed: ${(err as Error).message}`);
  }
  if (recomputed !== rec.outputCommitment) return unreadable("quantized outputs do not hash to the proven output commitment");
  // The proven (circuit) answer is the one paid for; the worker's float outputs are unproven and only compared.
  // The last shard's padding rows (checked above, as the commitment covers them) are not the requester's inputs.
  const batch = r.quantizedOutputs.length;
  const real = realRows(job, i, batch);
  const predictions = r.quantizedOutputs.slice(0, real).map((q) => argmax(q.map(Number)));
  const disagreements = predictions.flatMap((p, k) => (r.outputs[k] && argmax(r.outputs[k]) !== p ? [k] : []));
  return { shardIndex: i, firstInput: i * batch, recordId: rec.recordId, worker: rec.submitter, outputCid, outputs: r.outputs.slice(0, real), predictions, disagreements, verified: true };
}

export const isOutcome = (r: ShardOutcome | UnreadableShard): r is ShardOutcome => "verified" in r;

/** Rows of shard `i` that are real inputs: all but the last shard's padding (known from the job file's inputCount). */
export function realRows(job: Pick<JobFile, "inputCount" | "shards">, i: number, batch: number): number {
  if (job.inputCount === undefined || i !== job.shards.length - 1) return batch;
  return Math.min(batch, Math.max(1, job.inputCount - i * batch));
}
