/**
 * `job:results`: reads each settled shard's outputs and checks them before use.
 *
 * Layout 2 (the reference toolchain's): the proven outputs are the cipher words of the shard's ShardSettled event,
 * public signals of the verified proof; they are decrypted with the shard's salt (lib/requester/outputs.ts) and
 * must hash to the output commitment the audit trail recorded. A paid shard's outputs are always there (G-07). The
 * worker's sealed result (its float outputs, unproven) is read when its reference opens and agrees with the proven
 * outputs; otherwise the proven outputs, dequantized, stand in.
 *
 * Layout 1 (no cipher): the sealed result must open under the shard's data key, name the right shard, and its
 * quantized outputs must hash to the proven output commitment; a shard whose result cannot be read is listed as
 * unreadable with its worker and the reason, and the rest go on.
 *
 * The float outputs ride along unproven: an output whose float argmax differs from the proven one (a near tie, or an
 * input at the edge of the quantization) is marked, not hidden.
 */
import fs from "node:fs";
import type { InferenceAudit, OblivionCore } from "../../typechain-types";
import { auditRecords } from "../chain/protocol";
import { openEnvelope } from "../crypto";
import type { ContentStore } from "../storage";
import { outputCommitment } from "../zk/commitment";
import { argmax, dequantizeOutput, type QuantModel } from "../zk/quantize";
import { dataKeyOf, type JobFile } from "./job";
import { readInputs } from "./inputs";
import { readOutput } from "./output-ref";
import { decryptOutputs } from "./outputs";
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

export interface JobResults {
  rows: ShardOutcome[];
  unreadable: UnreadableShard[];
}

/** What the reader needs of the job's model version: its quantization and its batch. */
export interface ResultModel {
  quant: QuantModel;
  batch: number;
}

export class ResultCheckError extends Error {
  constructor(shard: number, problem: string) {
    super(`shard ${shard}: ${problem}`);
    this.name = "ResultCheckError";
  }
}

/** The worker's sealed result of shard `i`, or why it cannot be read. */
async function sealedResult(cid: string, store: ContentStore, dataKey: Uint8Array | undefined, job: JobFile, i: number) {
  if (!cid) return { problem: "no output reference in its ShardSettled event" };
  let sealed: Uint8Array;
  try {
    sealed = await readOutput(cid, store);
  } catch (err) {
    return { problem: `output not retrievable: ${(err as Error).message}` };
  }
  let r: ReturnType<typeof decodeShardResult>;
  try {
    r = decodeShardResult(openEnvelope(sealed, dataKey));
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

export async function fetchJobResults(
  core: OblivionCore,
  audit: InferenceAudit,
  store: ContentStore,
  job: JobFile,
  model: ResultModel,
): Promise<JobResults> {
  const jobId = BigInt(job.jobId);
  const { rangeBits } = model.quant;
  const records = await auditRecords(audit, jobId);
  const settled = await core.queryFilter(core.filters.ShardSettled(jobId));
  const eventOf = new Map(settled.map((e) => [Number(e.args.shardIndex), { cid: e.args.outputCid, cipher: [...e.args.outputCipher] }]));
  const rows: ShardOutcome[] = [];
  const unreadable: UnreadableShard[] = [];
  for (const rec of records) {
    const i = rec.shardIndex;
    const secret = job.shards[i];
    // A job file that does not match the chain is the requester's problem, not one shard's: stop.
    if (!secret) throw new ResultCheckError(i, "not in the local job file");
    if (rec.inputCommitment !== BigInt(secret.inputCommitment)) throw new ResultCheckError(i, "audit record's input commitment is not the one posted");
    const { cid, cipher } = eventOf.get(i) ?? { cid: "", cipher: [] };
    const dataKey = dataKeyOf(secret);
    const mark = (problem: string) => unreadable.push({ shardIndex: i, recordId: rec.recordId, worker: rec.submitter, outputCid: cid, problem });
    let quantized: bigint[][];
    let floats: number[][] | undefined;
    if (cipher.length) {
      // Layout 2: the proof fixed these words; they decrypt under the shard's salt to the proven outputs.
      quantized = await decryptOutputs(cipher, dataKey, { batch: model.batch, outSize: model.quant.outputSize, rangeBits });
      if ((await outputCommitment(quantized, rangeBits)) !== rec.outputCommitment) {
        throw new ResultCheckError(i, "the settlement's output cipher does not decrypt to the proven output commitment: the job file's data key is not the one posted");
      }
      const s = await sealedResult(cid, store, dataKey, job, i);
      if (s.result && s.quantized.flat().join() === quantized.flat().join()) floats = s.result.outputs;
    } else {
      const s = await sealedResult(cid, store, dataKey, job, i);
      if (!s.result) {
        mark(s.problem);
        continue;
      }
      let recomputed: bigint;
      try {
        recomputed = await outputCommitment(s.quantized, rangeBits);
      } catch (err) {
        mark(`quantized outputs are malformed: ${(err as Error).message}`);
        continue;
      }
      if (recomputed !== rec.outputCommitment) {
        mark("quantized outputs do not hash to the proven output commitment");
        continue;
      }
      quantized = s.quantized;
      floats = s.result.outputs;
    }
    // The proven (circuit) answer is the one paid for; the worker's float outputs are unproven and only compared.
    // The last shard's padding rows (checked above, as the commitment covers them) are not the requester's inputs.
    const batch = quantized.length;
    const real = realRows(job, i, batch);
    const predictions = quantized.slice(0, real).map((q) => argmax(q.map(Number)));
    const disagreements = floats ? predictions.flatMap((p, k) => (floats![k] && argmax(floats![k]) !== p ? [k] : [])) : [];
    rows.push({
      shardIndex: i,
      firstInput: i * batch,
      recordId: rec.recordId,
      worker: rec.submitter,
      outputCid: cid,
      outputs: (floats ?? quantized.map((q) => dequantizeOutput(model.quant, q))).slice(0, real),
      floatFrom: floats ? "worker" : "proof",
      quantizedOutputs: quantized.slice(0, real),
      predictions,
      disagreements,
      verified: true,
    });
  }
  const byShard = <T extends { shardIndex: number }>(xs: T[]) => xs.sort((a, b) => a.shardIndex - b.shardIndex);
  return { rows: byShard(rows), unreadable: byShard(unreadable) };
}

/** Rows of shard `i` that are real inputs: all but the last shard's padding (known from the job file's inputCount). */
export function realRows(job: Pick<JobFile, "inputCount" | "shards">, i: number, batch: number): number {
  if (job.inputCount === undefined || i !== job.shards.length - 1) return batch;
  return Math.min(batch, Math.max(1, job.inputCount - i * batch));
}

/** Accuracy of the settled outputs against true labels, one label per real input of the job. */
export interface LabelScore {
  correct: number;
  /** Outputs compared: the settled shards' real inputs. */
  compared: number;
  /** Real inputs of the job (labels expected). */
  inputs: number;
}

/**
 * Scores each settled shard's predictions against `labels` by input position (shard i, output k is input
 * i * batch + k; the last shard's padding is skipped). A labels list that does not have one label per input of the
 * job is refused with a line saying how many were given and expected, rather than scored on a prefix.
 */
export function scoreAgainstLabels(rows: ShardOutcome[], labels: number[], job: JobFile): LabelScore {
  if (!labels.every((l) => Number.isInteger(l))) throw new Error("bad --labels: every label must be an integer class index");
  const batch = rows.find((r) => r.shardIndex !== job.shards.length - 1)?.predictions.length ?? rows[0]?.predictions.length ?? 1;
  const inputs = job.inputCount ?? job.shards.length * batch;
  const ok = job.inputCount === undefined ? labels.length >= inputs - (batch - 1) && labels.length <= inputs : labels.length === inputs;
  if (!ok) throw new Error(`bad --labels: ${labels.length} labels for a job of ${inputs} inputs (one label per input, in order)`);
  let correct = 0;
  let compared = 0;
  for (const r of rows) {
    r.predictions.forEach((p, k) => {
      const at = r.firstInput + k;
      if (at >= labels.length) return;
      compared++;
      if (p === labels[at]) correct++;
    });
  }
  return { correct, compared, inputs };
}

/** Reads true labels: a JSON array of integers (or {"labels": [...]}), or a one-column .csv / .npy. */
export function readLabels(file: string): number[] {
  if (!fs.existsSync(file)) throw new Error(`bad --labels: ${file} does not exist`);
  if (file.toLowerCase().endsWith(".json")) {
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
      throw new Error(`bad --labels: ${file} is not valid JSON`);
    }
    const list = Array.isArray(data) ? data : (data as { labels?: unknown })?.labels;
    if (!Array.isArray(list)) throw new Error(`bad --labels: ${file} must hold an array of labels or {"labels": [...]}`);
    return list.map(Number);
  }
  let rows: number[][];
  try {
    rows = readInputs(file);
  } catch (err) {
    throw new Error(`bad --labels: ${(err as Error).message}`);
  }
  if (rows.some((r) => r.length !== 1)) throw new Error(`bad --labels: ${file} must hold one label per row`);
  return rows.map((r) => r[0]);
}
