/**
 * `job:results`: downloads each settled shard's outputs and checks them before use: the result must open under the
 * shard's data key, name the right shard, and its quantized outputs must hash to the output commitment that the
 * verified proof bound and the audit trail recorded. The float outputs ride along unproven: an output whose float
 * argmax differs from the proven one (a near tie, or an input at the edge of the quantization) is marked, not hidden.
 * A settled shard whose output cannot be read (missing, not sealed to the shard's key, for another shard, or not
 * hashing to the proven commitment) is listed as unreadable with its worker and the reason, and the rest go on (G-07).
 */
import fs from "node:fs";
import type { InferenceAudit, OblivionCore } from "../../typechain-types";
import { auditRecords } from "../chain/protocol";
import { openEnvelope } from "../crypto";
import type { ContentStore } from "../storage";
import { outputCommitment } from "../zk/commitment";
import { argmax } from "../zk/quantize";
import { dataKeyOf, type JobFile } from "./job";
import { readInputs } from "./inputs";
import { readOutput } from "./output-ref";
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

export interface JobResults {
  rows: ShardOutcome[];
  unreadable: UnreadableShard[];
}

export class ResultCheckError extends Error {
  constructor(shard: number, problem: string) {
    super(`shard ${shard}: ${problem}`);
    this.name = "ResultCheckError";
  }
}

export async function fetchJobResults(
  core: OblivionCore,
  audit: InferenceAudit,
  store: ContentStore,
  job: JobFile,
  rangeBits: number,
): Promise<JobResults> {
  const jobId = BigInt(job.jobId);
  const records = await auditRecords(audit, jobId);
  const settled = await core.queryFilter(core.filters.ShardSettled(jobId));
  const cidOf = new Map(settled.map((e) => [Number(e.args.shardIndex), e.args.outputCid]));
  const rows: ShardOutcome[] = [];
  const unreadable: UnreadableShard[] = [];
  for (const rec of records) {
    const i = rec.shardIndex;
    const secret = job.shards[i];
    // A job file that does not match the chain is the requester's problem, not one shard's: stop.
    if (!secret) throw new ResultCheckError(i, "not in the local job file");
    if (rec.inputCommitment !== BigInt(secret.inputCommitment)) throw new ResultCheckError(i, "audit record's input commitment is not the one posted");
    const cid = cidOf.get(i) ?? "";
    const mark = (problem: string) => unreadable.push({ shardIndex: i, recordId: rec.recordId, worker: rec.submitter, outputCid: cid, problem });
    if (!cid) {
      mark("no output reference in its ShardSettled event");
      continue;
    }
    let sealed: Uint8Array;
    try {
      sealed = await readOutput(cid, store);
    } catch (err) {
      mark(`output not retrievable: ${(err as Error).message}`);
      continue;
    }
    let r: ReturnType<typeof decodeShardResult>;
    try {
      r = decodeShardResult(openEnvelope(sealed, dataKeyOf(secret)));
    } catch (err) {
      mark(`output does not open under the shard's key: ${(err as Error).message}`);
      continue;
    }
    if (r.shardIndex !== i || r.jobId !== job.jobId) {
      mark(`output is for job ${r.jobId} shard ${r.shardIndex}`);
      continue;
    }
    let recomputed: bigint;
    try {
      recomputed = await outputCommitment(r.quantizedOutputs.map((v) => v.map(BigInt)), rangeBits);
    } catch (err) {
      mark(`quantized outputs are malformed: ${(err as Error).message}`);
      continue;
    }
    if (recomputed !== rec.outputCommitment) {
      mark("quantized outputs do not hash to the proven output commitment");
      continue;
    }
    // The proven (circuit) answer is the one paid for; the worker's float outputs are unproven and only compared.
    // The last shard's padding rows (checked above, as the commitment covers them) are not the requester's inputs.
    const batch = r.quantizedOutputs.length;
    const real = realRows(job, i, batch);
    const predictions = r.quantizedOutputs.slice(0, real).map((q) => argmax(q.map(Number)));
    const disagreements = predictions.flatMap((p, k) => (r.outputs[k] && argmax(r.outputs[k]) !== p ? [k] : []));
    rows.push({
      shardIndex: i,
      firstInput: i * batch,
      recordId: rec.recordId,
      worker: rec.submitter,
      outputCid: cid,
      outputs: r.outputs.slice(0, real),
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
