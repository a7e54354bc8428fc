/** The checked-results table that `job:results` and `job:post --follow` print. */
import type { InferenceAudit, ModelRegistry, OblivionCore } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { fetchArtifacts } from "../zk/bundle";
import type { JobFile } from "./job";
import { fetchJobResults, scoreAgainstLabels, type LabelScore, type ShardOutcome, type UnreadableShard } from "./results";

export { readLabels } from "./results";

export interface ResultsReport {
  lines: string[];
  score?: LabelScore;
}

/**
 * Lines for the table: one row per settled shard, predictions from the proven outputs, `*` after one whose float
 * answer differs; accuracy against `labels` (one per input, scored by position: see scoreAgainstLabels) when given.
 */
export function resultsReport(jobId: bigint, rows: ShardOutcome[], file: JobFile, labels?: number[], unreadable: UnreadableShard[] = []): ResultsReport {
  const n = file.shards.length;
  const bad = unreadable.length ? `; ${unreadable.length} settled with an unreadable output (marked ! below)` : "";
  // the "checked" count never includes a shard that has not settled
  const settled = rows.length + unreadable.length;
  const open = settled < n ? `; ${n - settled} of ${n} not settled yet` : "";
  const head = settled === n && !unreadable.length
    ? `job ${jobId}: ${n}/${n} shards settled and checked`
    : `job ${jobId}: ${rows.length} settled shard${rows.length === 1 ? "" : "s"} checked${bad}${open}`;
  const lines = [head, "shard  record  worker                                      predictions"];
  let marked = 0;
  for (const r of rows) {
    const cells = r.predictions.map((p, i) => `${p}${r.disagreements.includes(i) ? "*" : ""}`);
    marked += r.disagreements.length;
    lines.push(`${String(r.shardIndex).padEnd(6)} ${String(r.recordId).padEnd(7)} ${r.worker}  ${cells.join(",")}`);
  }
  for (const u of unreadable) lines.push(`${String(u.shardIndex).padEnd(6)} ${String(u.recordId).padEnd(7)} ${u.worker}  ! ${u.problem}`);
  if (marked) lines.push(`* ${marked} output${marked === 1 ? "" : "s"}: the float model's answer differs from the proven (circuit) one (a near tie or an input at the calibration edge); the proven answer is shown`);
  if (!labels) return { lines };
  const score = scoreAgainstLabels(rows, labels, file);
  const partial = score.compared < score.inputs ? ` (${score.inputs - score.compared} of ${score.inputs} inputs not settled yet)` : "";
  lines.push(`accuracy against --labels: ${score.correct}/${score.compared}${partial}`);
  return { lines, score };
}

export interface ResultsSources {
  core: OblivionCore;
  audit: InferenceAudit;
  registry: ModelRegistry;
  store: ContentStore;
}

/** Fetches and checks a job's results (see results.ts) and builds the table. */
export async function checkedResults(
  src: ResultsSources,
  file: JobFile,
  labels?: number[],
): Promise<ResultsReport & { rows: ShardOutcome[]; unreadable: UnreadableShard[] }> {
  const v = await src.registry.getVersion(BigInt(file.modelId), file.modelVersion);
  const art = await fetchArtifacts({ onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid }, v.circuitHash, src.store);
  const { rows, unreadable } = await fetchJobResults(src.core, src.audit, src.store, file, { quant: art.quant, batch: art.batch });
  return { ...resultsReport(BigInt(file.jobId), rows, file, labels, unreadable), rows, unreadable };
}
