/**
 * The requester's key-holding work, in the tab (loaded when a job is posted, a key released or results read): the
 * same browser-safe library the CLI runs (lib/requester/prepare.ts, release.ts, shardResult.ts). Data keys are
 * generated here and go only to IndexedDB (jobStore.ts) and the user's own export; the app server sees sealed
 * packages (uploads through /api/v0/add), CID reads and static files, never a key.
 */
import type { Address, PublicClient } from "viem";
import { parseQuant, type QuantModel } from "../../../lib/zk/quantize";
import { prepareShards, quantizeShards } from "../../../lib/requester/prepare";
import { buildClaimRelease, type ClaimRef, type KeyRelease } from "../../../lib/requester/release";
import { checkShardResult, isOutcome, type ShardOutcome, type UnreadableShard } from "../../../lib/requester/shardResult";
import type { JobFile } from "../../../lib/requester/jobFile";
import type { AppConfig } from "../config";
import { auditAbi, coreAbi } from "../generated/abis";
import { readCircuitBundle } from "../storage/circuitBundle";
import { readFile } from "../storage/ipfs";
import { addFile } from "../storage/upload";

export type { ShardOutcome, UnreadableShard };

/** The version's quantization and batch size, from its circuit bundle read by CID (every block checked). */
async function circuitOf(client: PublicClient, registry: Address, model: bigint, version: number): Promise<{ quant: QuantModel; batch: number }> {
  const bundle = await readCircuitBundle(client, registry, model, version);
  if (typeof bundle.quant !== "string" || !bundle.meta?.batch) throw new Error(`the circuit bundle ${bundle.cid} has no quantized model or batch size`);
  return { quant: parseQuant(bundle.quant), batch: bundle.meta.batch };
}

/**
 * Quantizes and commits `inputs`, generates one data key per shard, seals each package under its key and uploads
 * it. The returned shards hold the keys: the caller keeps them in IndexedDB.
 */
export async function prepareInTab(client: PublicClient, config: AppConfig, model: bigint, version: number, inputs: number[][], onStage: (s: string) => void) {
  onStage("reading the model's quantization (circuit bundle, by CID)…");
  const { quant, batch } = await circuitOf(client, config.contracts.registry, model, version);
  onStage("quantizing and committing the inputs in this tab…");
  const q = await quantizeShards(quant, batch, inputs);
  onStage(`sealing ${q.batches.length} shard packages under fresh data keys and uploading them…`);
  const prepared = await prepareShards({ put: addFile }, q.batches, true);
  return { inputRoot: prepared.tree.root as `0x${string}`, shardCount: q.batches.length, inputCount: inputs.length, shards: prepared.shards, padded: q.padded };
}

/** The release of one shard for exactly one claim, built in the tab. */
export function releaseInTab(client: PublicClient, config: AppConfig, claim: ClaimRef, file: JobFile): Promise<KeyRelease> {
  const workerKey = async (claimant: string) => (await client.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "workerProfile", args: [claimant as Address] }))[1];
  return buildClaimRelease(claim, file, workerKey, config.contentEndpoints ?? []);
}

/**
 * A job's checked results: each audit record of the job (checked against its stored digest), its ShardSettled
 * output reference, the output read by CID, opened under the shard's key and hashed against the proven commitment.
 */
export async function resultsInTab(client: PublicClient, config: AppConfig, file: JobFile): Promise<{ rows: ShardOutcome[]; unreadable: UnreadableShard[] }> {
  const jobId = BigInt(file.jobId);
  const { quant, batch } = await circuitOf(client, config.contracts.registry, BigInt(file.modelId), file.modelVersion);
  const fromBlock = BigInt(config.fromBlock);
  const ids = await client.readContract({ address: config.contracts.audit, abi: auditAbi, functionName: "recordIdsOfJob", args: [jobId] });
  const recorded = await client.getContractEvents({ address: config.contracts.audit, abi: auditAbi, eventName: "Recorded", args: { jobId }, fromBlock });
  const settled = await client.getContractEvents({ address: config.contracts.core, abi: coreAbi, eventName: "ShardSettled", args: { jobId }, fromBlock });
  // layout 2: the proven outputs ride in the event as the proof's cipher words (G-07); outputCid is the worker's float result
  const recordOf = new Map(recorded.map((l) => [l.args.recordId!, l]));
  const settlementOf = new Map(settled.map((e) => [Number(e.args.shardIndex), { outputCid: e.args.outputCid as string, outputCipher: [...(e.args.outputCipher ?? [])] }]));
  const rows: ShardOutcome[] = [];
  const unreadable: UnreadableShard[] = [];
  for (const id of ids) {
    const log = recordOf.get(id);
    if (!log) throw new Error(`audit record ${id}: no Recorded log found`);
    const r = log.args.record!;
    if (!(await client.readContract({ address: config.contracts.audit, abi: auditAbi, functionName: "isRecord", args: [id, r] }))) throw new Error(`audit record ${id}: its log does not match the stored digest`);
    const rec = { shardIndex: Number(r.shardIndex), recordId: id, submitter: r.submitter, inputCommitment: r.inputCommitment, outputCommitment: r.outputCommitment };
    const out = await checkShardResult(file, rec, settlementOf.get(rec.shardIndex) ?? { outputCid: "", outputCipher: [] }, (cid) => readFile(cid), { quant, batch });
    if (isOutcome(out)) rows.push(out);
    else unreadable.push(out);
  }
  const byShard = <T extends { shardIndex: number }>(xs: T[]) => xs.sort((a, b) => a.shardIndex - b.shardIndex);
  return { rows: byShard(rows), unreadable: byShard(unreadable) };
}
