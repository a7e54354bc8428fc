/**
 * Reading one settled shard's result, browser-safe (`job:results` and the dashboard's tab both use it).
 *
 * Layout 2 (the reference toolchain's): the proven outputs are the cipher words of the shard's ShardSettled event,
 * public signals of the verified proof; they are decrypted with the shard's salt (lib/requester/outputs.ts) and must
 * hash to the output commitment the audit trail recorded. A paid shard's outputs are always there (G-07). The
 * worker's sealed result (its float outputs, unproven) is read when its reference opens and agrees with the proven
 * outputs; otherwise the proven outputs, dequantized, stand in.
 *
 * Layout 1 (no cipher): the sealed result must open under the shard's data key, name the right job and shard, and its
 * quantized outputs must hash to the proven output commitment; a result that fails a check is a problem of that
 * shard only, listed as unreadable with the reason.
 *
 * The float outputs ride along unproven: an output whose float argmax differs from the proven one (a near tie, or an
 * input at the edge of the quantization) is marked, not hidden.
 */
import { openEnvelope } from "../crypto/envelope";
import { outputCommitment } from "../zk/commitment";
import { argmax, dequantizeOutput, type QuantModel } from "../zk/quantize";
import type { JobFile } from "./jobFile";
import { readOutput } from "./output-ref";
import { decryptOutputs } from "./outputs";
import { dataKeyOf } from "./release";
import { decodeShardResult } from "./shard";

export interface ShardOutcome {
  shardIndex: number;
  /** Position of the shard's first output among the job's inputs (shardIndex * batch). */
  firstInput: number;
  recordId: bigint;
  worker: string;
  outputCid: string;
  /** Float outputs: the worker's onnxruntime answer when its sealed result is readable, else (`floatFrom` "proof")
   *  the proven outputs dequantized. */
  outputs: number[][];
  floatFrom: "worker" | "proof";
  /** The proven (circuit) outputs, quantized. */
  quantizedOutputs: bigint[][];
  /** Argmax of each proven (circuit) output. */
  predictions: number[];
  /** Outputs whose float answer (the worker's onnxruntime run) has another argmax than the proven one (near ties). */
  disagreements: number[];
  /** The output commitment matched the audit record's, recomputed from the quantized outputs. */
  verified: true;
}

/** A settled (paid) shard whose output could not be read or did not match what the proof committed (layout 1 only). */
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

/** What the shard's ShardSettled event carries for the requester. */
export interface Settlement {
  /** The worker's sealed-result reference ("" for none). */
  outputCid: string;
  /** The proof's output cipher words (layout 2; empty on layout 1). */
  outputCipher: readonly bigint[];
}

/** What the reader needs of the job's model version: its quantization and its batch. */
export interface ResultModel {
  quant: QuantModel;
  batch: number;
}

/** The worker's sealed result of shard `i`, or why it cannot be read. */
async function sealedResult(job: JobFile, i: number, outputCid: string, get: (cid: string) => Promise<Uint8Array>) {
  if (!outputCid) return { problem: "no output reference in its ShardSettled event" };
  let sealed: Uint8Array;
  try {
    sealed = await readOutput(outputCid, { get });
  } catch (err) {
    return { problem: `output not retrievable: ${(err as Error).message}` };
  }
  let r: ReturnType<typeof decodeShardResult>;
  try {
    r = decodeShardResult(openEnvelope(sealed, dataKeyOf(job.shards[i])));
  } catch (err) {
    return { problem: `output does not open under the shard's key: ${(err as Error).message}` };
  }
  if (r.shardIndex !== i || r.jobId !== job.jobId) return { problem: `output is for job ${r.jobId} shard ${r.shardIndex}` };
  let quantized: bigint[][];
  try {
    quantized = r.quantizedOutputs.map((v) => v.map(BigInt));
  } catch (err) {
    return { problem: `quantized outputs are malformed: ${(err as Error).message}` };
  }
  return { result: r, quantized };
}

/**
 * Checks one settled shard's result: `settled` is what its ShardSettled event carries, `get` reads a CID (verified by
 * the caller's store). Returns the outcome, or (layout 1) the shard as unreadable with the reason; throws
 * ResultCheckError when the job file does not match the chain (the requester's problem, not one shard's).
 */
export async function checkShardResult(
  job: JobFile,
  rec: SettledRecord,
  settled: Settlement,
  get: (cid: string) => Promise<Uint8Array>,
  model: ResultModel,
): Promise<ShardOutcome | UnreadableShard> {
  const i = rec.shardIndex;
  const secret = job.shards[i];
  if (!secret) throw new ResultCheckError(i, "not in the local job file");
  if (rec.inputCommitment !== BigInt(secret.inputCommitment)) throw new ResultCheckError(i, "audit record's input commitment is not the one posted");
  const { outputCid, outputCipher } = settled;
  const { rangeBits } = model.quant;
  const unreadable = (problem: string): UnreadableShard => ({ shardIndex: i, recordId: rec.recordId, worker: rec.submitter, outputCid, problem });
  let quantized: bigint[][];
  let floats: number[][] | undefined;
  if (outputCipher.length) {
    // Layout 2: the proof fixed these words; they decrypt under the shard's salt to the proven outputs.
    quantized = await decryptOutputs(outputCipher, dataKeyOf(secret), { batch: model.batch, outSize: model.quant.outputSize, rangeBits });
    if ((await outputCommitment(quantized, rangeBits)) !== rec.outputCommitment) {
      throw new ResultCheckError(i, "the settlement's output cipher does not decrypt to the proven output commitment: the job file's data key is not the one posted");
    }
    const s = await sealedResult(job, i, outputCid, get);
    if (s.result && s.quantized.flat().join() === quantized.flat().join()) floats = s.result.outputs;
  } else {
    const s = await sealedResult(job, i, outputCid, get);
    if (!s.result) return unreadable(s.problem);
    let recomputed: bigint;
    try {
      recomputed = await outputCommitment(s.quantized, rangeBits);
    } catch (err) {
      return unreadable(`quantized outputs are malformed: ${(err as Error).message}`);
    }
    if (recomputed !== rec.outputCommitment) return unreadable("quantized outputs do not hash to the proven output commitment");
    quantized = s.quantized;
    floats = s.result.outputs;
  }
  // The proven (circuit) answer is the one paid for; the worker's float outputs are unproven and only compared.
  // The last shard's padding rows (checked above, as the commitment covers them) are not the requester's inputs.
  const batch = quantized.length;
  const real = realRows(job, i, batch);
  const predictions = quantized.slice(0, real).map((q) => argmax(q.map(Number)));
  const disagreements = floats ? predictions.flatMap((p, k) => (floats![k] && argmax(floats![k]) !== p ? [k] : [])) : [];
  return {
    shardIndex: i,
    firstInput: i * batch,
    recordId: rec.recordId,
    worker: rec.submitter,
    outputCid,
    outputs: (floats ?? quantized.map((q) => dequantizeOutput(model.quant, q))).slice(0, real),
    floatFrom: floats ? "worker" : "proof",
    quantizedOutputs: quantized.slice(0, real),
    predictions,
    disagreements,
    verified: true,
  };
}

export const isOutcome = (r: ShardOutcome | UnreadableShard): r is ShardOutcome => "verified" in r;

/** Rows of shard `i` that are real inputs: all but the last shard's padding (known from the job file's inputCount). */
export function realRows(job: Pick<JobFile, "inputCount" | "shards">, i: number, batch: number): number {
  if (job.inputCount === undefined || i !== job.shards.length - 1) return batch;
  return Math.min(batch, Math.max(1, job.inputCount - i * batch));
}
