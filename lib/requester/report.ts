/** The checked-results table that `job:results` and `job:post --follow` print. */
import fs from "node:fs";
import type { InferenceAudit, ModelRegistry, OblivionCore } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { fetchArtifacts } from "../zk/bundle";
import type { JobFile } from "./job";
import { fetchJobResults, type ShardOutcome } from "./results";

export interface ResultsReport {
  lines: string[];
  correct?: number;
  labelled?: number;
}

/**
 * Lines for the table: one row per settled shard, predictions from the proven outputs, `*` after one whose float
 * answer differs; accuracy against `labels` (padding of the last shard excluded) when given.
 */
export function resultsReport(jobId: bigint, shardCount: number, rows: ShardOutcome[], inputs: number | undefined, labels?: number[]): ResultsReport {
  const lines = [`job ${jobId}: ${rows.length}/${shardCount} shards settled and checked`, "shard  record  worker                                      predictions"];
  let labelled = 0;
  let correct = 0;
  let marked = 0;
  const limit = Math.min(inputs ?? Infinity, labels?.length ?? Infinity);
  for (const r of rows) {
    const cells = r.predictions.map((p, i) => `${p}${r.disagreements.includes(i) ? "*" : ""}`);
    marked += r.disagreements.length;
    lines.push(`${String(r.shardIndex).padEnd(6)} ${String(r.recordId).padEnd(7)} ${r.worker}  ${cells.join(",")}`);
    r.predictions.forEach((p, i) => {
      const k = r.shardIndex * r.predictions.length + i; // input index: shards hold `batch` consecutive inputs
      if (!labels || k >= limit) return;
      labelled++;
      if (p === labels[k]) correct++;
    });
  }
  if (marked) lines.push(`* ${marked} output${marked === 1 ? "" : "s"}: the float model's answer differs from the proven (circuit) one (a near tie or an input at the calibration edge); the proven answer is shown`);
  if (!labels) return { lines };
  lines.push(`accuracy against --labels: ${correct}/${labelled}`);
  if (inputs !== undefined && labels.length < inputs) lines.push(`warning: --labels has ${labels.length} labels for ${inputs} inputs; only the first ${labels.length} are scored`);
  return { lines, correct, labelled };
}

export interface ResultsSources {
  core: OblivionCore;
  audit: InferenceAudit;
  registry: ModelRegistry;
  store: ContentStore;
}

/** Fetches and checks a job's results (see results.ts) and builds the table. */
export async function checkedResults(src: ResultsSources, file: JobFile, labels?: number[]): Promise<ResultsReport & { rows: ShardOutcome[] }> {
  const v = await src.registry.getVersion(BigInt(file.modelId), file.modelVersion);
  const art = await fetchArtifacts({ onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid }, v.circuitHash, src.store);
  const rows = await fetchJobResults(src.core, src.audit, src.store, file, art.quant.rangeBits);
  return { ...resultsReport(BigInt(file.jobId), file.shards.length, rows, file.inputCount, labels), rows };
}

/** A labels file: a JSON array of class indices. */
export function readLabels(file: string): number[] {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`bad --labels: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new Error(`bad --labels: ${file} is not a JSON array of class indices`);
  return v as number[];
}
