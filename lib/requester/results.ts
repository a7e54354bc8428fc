/**
 * `job:results`: downloads each settled shard's outputs and checks them before use: the result must open under the
 * shard's data key, name the right shard, and its quantized outputs must hash to the output commitment that the
 * verified proof bound and the audit trail recorded. The float outputs ride along unproven: an output whose float
 * argmax differs from the proven one (a near tie, or an input at the edge of the quantization) is marked, not hidden.
 */
import type { InferenceAudit, OblivionCore } from "../../typechain-types";
import { auditRecords } from "../chain/protocol";
import { openEnvelope } from "../crypto";
import type { ContentStore } from "../storage";
import { outputCommitment } from "../zk/commitment";
import { argmax } from "../zk/quantize";
import { dataKeyOf, type JobFile } from "./job";
import { decodeShardResult } from "./shard";

export interface ShardOutcome {
  shardIndex: number;
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
): Promise<ShardOutcome[]> {
  const jobId = BigInt(job.jobId);
  const records = await auditRecords(audit, jobId);
  const settled = await core.queryFilter(core.filters.ShardSettled(jobId));
  const cidOf = new Map(settled.map((e) => [Number(e.args.shardIndex), e.args.outputCid]));
  const out: ShardOutcome[] = [];
  for (const rec of records) {
    const i = rec.shardIndex;
    const secret = job.shards[i];
    if (!secret) throw new ResultCheckError(i, "not in the local job file");
    if (rec.inputCommitment !== BigInt(secret.inputCommitment)) throw new ResultCheckError(i, "audit record's input commitment is not the one posted");
    const cid = cidOf.get(i);
    if (!cid) throw new ResultCheckError(i, "no ShardSettled event with an output CID");
    const r = decodeShardResult(openEnvelope(await store.get(cid), dataKeyOf(secret)));
    if (r.shardIndex !== i || r.jobId !== job.jobId) throw new ResultCheckError(i, `result is for job ${r.jobId} shard ${r.shardIndex}`);
    const recomputed = await outputCommitment(r.quantizedOutputs.map((v) => v.map(BigInt)), rangeBits);
    if (recomputed !== rec.outputCommitment) throw new ResultCheckError(i, "quantized outputs do not hash to the recorded output commitment");
    // The proven (circuit) answer is the one paid for; the worker's float outputs are unproven and only compared.
    const predictions = r.quantizedOutputs.map((q) => argmax(q.map(Number)));
    const disagreements = predictions.flatMap((p, k) => (r.outputs[k] && argmax(r.outputs[k]) !== p ? [k] : []));
    out.push({
      shardIndex: i,
      recordId: rec.recordId,
      worker: rec.submitter,
      outputCid: cid,
      outputs: r.outputs,
      predictions,
      disagreements,
      verified: true,
    });
  }
  return out.sort((a, b) => a.shardIndex - b.shardIndex);
}
