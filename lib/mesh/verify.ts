/**
 * Re-verifies an audit record's proof on-chain. The record stores hashes only, so the proof and the commitments come
 * from the transaction that wrote it (the Recorded/Anchored event's transaction, i.e. the submitResult or anchor
 * call): its calldata is decoded with the typechain interface, the settlement signals (layout 2: with the output cipher words) are rebuilt (binding from the
 * chain id, the core, job, shard and worker; the job's model commitment) and the record's verifier is staticcalled.
 */
import { auditRecord } from "../chain/protocol";
import { keccak256, type Provider } from "ethers";
import { IProofVerifier__factory, type InferenceAudit, type OblivionCore } from "../../typechain-types";
import { computeBinding, settlementSignals } from "../chain/binding";
import { revertName } from "../chain/errors";
import type { VerifyReport } from "./types";

/** A re-verification that could not be carried out; `status` is the HTTP status the server answers with. */
export class ReverifyError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ReverifyError";
  }
}

export interface ReverifyContext {
  core: OblivionCore;
  audit: InferenceAudit;
  provider: Provider;
  /** First block to search for the record's event. */
  fromBlock: number;
}

export function parseRecordId(raw: string): bigint {
  if (!/^[0-9]{1,30}$/.test(raw) || BigInt(raw) === 0n) throw new ReverifyError(`record id must be a positive integer, got "${raw}"`, 400);
  return BigInt(raw);
}

async function recordTx(ctx: ReverifyContext, recordId: bigint, anchored: boolean): Promise<string> {
  const filter = anchored ? ctx.audit.filters.Anchored(recordId) : ctx.audit.filters.Recorded(recordId);
  const logs = await ctx.audit.queryFilter(filter, ctx.fromBlock, "latest");
  if (logs.length !== 1) throw new ReverifyError(`record ${recordId}: expected one ${anchored ? "Anchored" : "Recorded"} event, found ${logs.length}`, 502);
  return logs[0].transactionHash;
}

/** Proof bytes and signals of a record, recovered from its transaction. */
async function recover(ctx: ReverifyContext, recordId: bigint) {
  let record;
  try {
    record = await auditRecord(ctx.audit, recordId);
  } catch (err) {
    if (revertName(err) === "RecordNotFound") throw new ReverifyError(`record ${recordId} does not exist`, 404);
    throw err;
  }
  const anchored = record.jobId === 0n;
  const txHash = await recordTx(ctx, recordId, anchored);
  const tx = await ctx.provider.getTransaction(txHash);
  if (!tx) throw new ReverifyError(`record ${recordId}: transaction ${txHash} not found`, 502);
  const target = anchored ? ctx.audit : ctx.core;
  const call = tx.to && tx.to.toLowerCase() === (await target.getAddress()).toLowerCase() ? target.interface.parseTransaction(tx) : null;
  const fn = anchored ? "anchor" : "submitResult";
  if (!call || call.name !== fn) {
    throw new ReverifyError(`record ${recordId}: transaction ${txHash} does not call ${fn} directly (sent through a contract); its proof cannot be read from calldata`, 422);
  }
  if (anchored) {
    return { record, txHash, proof: call.args.proof as string, signals: [...(call.args.publicSignals as bigint[])] };
  }
  const { jobId, shardIndex, inputCommitment, outputCommitment, outputCipher, proof } = call.args;
  if (jobId !== record.jobId || shardIndex !== BigInt(record.shardIndex) || inputCommitment !== record.inputCommitment || outputCommitment !== record.outputCommitment) {
    throw new ReverifyError(`record ${recordId}: the settling transaction ${txHash} does not match the record`, 502);
  }
  const job = await ctx.core.getJob(jobId);
  const binding = computeBinding({
    chainId: (await ctx.provider.getNetwork()).chainId,
    core: await ctx.core.getAddress(),
    jobId,
    shardIndex,
    worker: record.submitter,
  });
  const signals = settlementSignals(outputCommitment, inputCommitment, binding, job.modelCommitment, [...(outputCipher as bigint[])]);
  return { record, txHash, proof: proof as string, signals };
}

export async function reverifyRecord(ctx: ReverifyContext, recordId: bigint): Promise<VerifyReport> {
  const { record, txHash, proof, signals } = await recover(ctx, recordId);
  const verifier = IProofVerifier__factory.connect(record.verifier, ctx.provider);
  const valid = await verifier.verifyProof(proof, signals);
  return {
    recordId: recordId.toString(),
    valid,
    proofHashMatches: keccak256(proof) === record.proofHash,
    verifier: record.verifier,
    txHash,
    signals: signals.map(String),
  };
}
