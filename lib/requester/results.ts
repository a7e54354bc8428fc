/**
 * `job:results`: reads each settled shard's outputs and checks them before use (lib/requester/shardResult.ts, which
 * the dashboard shares): on layout 2 the proven outputs come from the settlement itself (G-07); on layout 1 a settled
 * shard whose off-chain output cannot be read (missing, not sealed to the shard's key, for another shard, or not
 * hashing to the proven commitment) is listed as unreadable with its worker and the reason, and the rest go on.
 */
import fs from "node:fs";
import type { InferenceAudit, OblivionCore } from "../../typechain-types";
import { auditRecords } from "../chain/protocol";
import type { ContentStore } from "../storage";
import type { JobFile } from "./job";
import { readInputs } from "./inputs";
import { checkShardResult, isOutcome, type ResultModel, type ShardOutcome, type UnreadableShard } from "./shardResult";

export { ResultCheckError, realRows, type ResultModel, type ShardOutcome, type UnreadableShard } from "./shardResult";

export interface JobResults {
  rows: ShardOutcome[];
  unreadable: UnreadableShard[];
}

export async function fetchJobResults(
  core: OblivionCore,
  audit: InferenceAudit,
  store: ContentStore,
  job: JobFile,
  model: ResultModel,
): Promise<JobResults> {
  const jobId = BigInt(job.jobId);
  const records = await auditRecords(audit, jobId);
  const settled = await core.queryFilter(core.filters.ShardSettled(jobId));
  const settlementOf = new Map(settled.map((e) => [Number(e.args.shardIndex), { outputCid: e.args.outputCid, outputCipher: [...e.args.outputCipher] }]));
  const rows: ShardOutcome[] = [];
  const unreadable: UnreadableShard[] = [];
  for (const rec of records) {
    const r = await checkShardResult(job, rec, settlementOf.get(rec.shardIndex) ?? { outputCid: "", outputCipher: [] }, (cid) => store.get(cid), model);
    if (isOutcome(r)) rows.push(r);
    else unreadable.push(r);
  }
  const byShard = <T extends { shardIndex: number }>(xs: T[]) => xs.sort((a, b) => a.shardIndex - b.shardIndex);
  return { rows: byShard(rows), unreadable: byShard(unreadable) };
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
