/**
 * Typed helpers over the protocol contracts, shared by the Hardhat tasks, the worker and the keeper. Each sends one
 * transaction (or reads) and returns plain data; amounts are wei (bigint).
 */
import { setupInfo, type SetupInfo } from "./setupKind";
import type { ContractTransactionReceipt } from "ethers";
import type { InferenceAudit, ModelRegistry, OblivionCore } from "../../typechain-types";
import type { IOblivionCore } from "../../typechain-types/contracts/OblivionCore";
import type { IInferenceAudit } from "../../typechain-types/contracts/InferenceAudit";

export const SHARD_STATUS = ["open", "claimed", "settled", "forfeited"] as const;
export type ShardStatusName = (typeof SHARD_STATUS)[number];

/** Waits for the transaction's receipt; a dropped transaction is an error. */
export async function mined(tx: Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was dropped");
  return receipt;
}

export function registerWorker(core: OblivionCore, metadataCid: string, encryptionPublicKey: string) {
  return mined(core.registerWorker(metadataCid, encryptionPublicKey));
}

export function stake(core: OblivionCore, amount: bigint) {
  return mined(core.stake({ value: amount }));
}

export function requestUnstake(core: OblivionCore, amount: bigint) {
  return mined(core.requestUnstake(amount));
}

export function withdrawStake(core: OblivionCore) {
  return mined(core.withdrawStake());
}

export function withdraw(core: OblivionCore) {
  return mined(core.withdraw());
}

export type JobParams = IOblivionCore.JobParamsStruct;

/** Posts a job paying exactly the escrow the core asks for; returns the new job id. */
/** Posts a job paying its escrow; with `allowlist`, only those workers may claim it (postJobWithAllowlist, G-08). */
export async function postJob(core: OblivionCore, params: JobParams, allowlist?: string[]): Promise<{ jobId: bigint; escrow: bigint; txHash: string }> {
  const escrow = await core.jobEscrowFor(params);
  const receipt = await mined(
    allowlist?.length ? core.postJobWithAllowlist(params, allowlist, { value: escrow }) : core.postJob(params, { value: escrow }),
  );
  for (const log of receipt.logs) {
    const parsed = core.interface.parseLog(log);
    if (parsed?.name === "JobPosted") return { jobId: parsed.args.jobId as bigint, escrow, txHash: receipt.hash };
  }
  throw new Error(`postJob ${receipt.hash} emitted no JobPosted event`);
}

export function claimShard(core: OblivionCore, jobId: bigint, shardIndex: number) {
  return mined(core.claim(jobId, shardIndex));
}

/**
 * A keyless release of `payload` to the shard's current claim (claimant and nonce read from the chain). The
 * requester's agent (lib/requester/agent.ts) builds keyed releases.
 */
export async function releaseShardKey(core: OblivionCore, jobId: bigint, shardIndex: number, payload: string) {
  const s = await core.getShard(jobId, shardIndex);
  const zero = "0x" + "00".repeat(32);
  return mined(
    core.releaseShardKey(jobId, shardIndex, {
      claimant: s.worker,
      claimNonce: s.claimNonce,
      keyHash: zero,
      keyProof: [],
      ephemeralX: 0n,
      ephemeralY: 0n,
      maskedKey: zero,
      payload,
    }),
  );
}

export interface ShardResult {
  inputCommitment: bigint;
  /** Merkle proof of (shardIndex, inputCommitment) under the job's input root (ShardTree.proof). */
  merkleProof: string[];
  outputCommitment: bigint;
  /** The proof's output cipher words (layout 2; none on layout 1). */
  outputCipher: bigint[];
  /** Optional reference of the worker's sealed result ("" for none). */
  outputCid: string;
  /** Proof bytes for the model version's verifier. */
  proof: string;
}

/** Settles a claimed shard; returns the audit record id. */
export async function submitResult(core: OblivionCore, jobId: bigint, shardIndex: number, r: ShardResult) {
  const receipt = await mined(
    core.submitResult(jobId, shardIndex, r.inputCommitment, r.merkleProof, r.outputCommitment, r.outputCipher, r.outputCid, r.proof),
  );
  return receipt;
}

export function reclaimExpired(core: OblivionCore, jobId: bigint, shardIndex: number) {
  return mined(core.reclaimExpired(jobId, shardIndex));
}

export function cancelJob(core: OblivionCore, jobId: bigint) {
  return mined(core.cancelJob(jobId));
}

/**
 * Every expired claim, found by paging `checkerFrom` (`stepsPerCall` jobs and shards per call) from job 1 to the end.
 */
export async function findExpiredClaims(
  core: OblivionCore,
  stepsPerCall = 2_000,
): Promise<{ jobId: bigint; shardIndex: number }[]> {
  if (!Number.isInteger(stepsPerCall) || stepsPerCall < 1) throw new Error(`findExpiredClaims: stepsPerCall must be >= 1, got ${stepsPerCall}`);
  const found: { jobId: bigint; shardIndex: number }[] = [];
  const jobCount = await core.jobCount();
  let [jobId, shard] = [1n, 0n];
  while (jobId <= jobCount) {
    const r = await core.checkerFrom(jobId, shard, stepsPerCall);
    if (r.canExec) {
      found.push({ jobId: r.nextJobId, shardIndex: Number(r.nextShard) });
      [jobId, shard] = [r.nextJobId, r.nextShard + 1n];
    } else {
      [jobId, shard] = [r.nextJobId, r.nextShard];
    }
  }
  return found;
}

export interface ShardView {
  index: number;
  status: ShardStatusName;
  worker: string;
  deadline: number;
}

export interface JobStatus {
  jobId: bigint;
  requester: string;
  modelId: number;
  modelVersion: number;
  shardCount: number;
  settledShards: number;
  openClaims: number;
  /** Shards forfeited by a proven bad key release. */
  forfeitedShards: number;
  cancelled: boolean;
  pricePerShard: bigint;
  ownerFeePerShard: bigint;
  /** Owner fee the last shard's padding rows do not carry (0 when it is full). */
  paddingFee: bigint;
  collateral: bigint;
  claimWindow: number;
  escrow: bigint;
  /** The requester opted into a verifier the registry did not deploy (claims are voided, never slashed). */
  unvettedVerifier: boolean;
  verifier: string;
  /** The verifier's extcodehash pinned at post; every submission checks it. */
  verifierCodeHash: string;
  /** The first `maxShards` shards. */
  shards: ShardView[];
}

/** A job's state with its first `maxShards` shards. */
export async function jobStatus(core: OblivionCore, jobId: bigint, maxShards = 64): Promise<JobStatus> {
  const j = await core.getJob(jobId);
  const n = Math.min(Number(j.shardCount), maxShards);
  const shards = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = await core.getShard(jobId, i);
      return { index: i, status: SHARD_STATUS[Number(s.status)], worker: s.worker, deadline: Number(s.deadline) };
    }),
  );
  return {
    jobId,
    requester: j.requester,
    modelId: Number(j.modelId),
    modelVersion: Number(j.modelVersion),
    shardCount: Number(j.shardCount),
    settledShards: Number(j.settledShards),
    openClaims: Number(j.openClaims),
    forfeitedShards: Number(j.forfeitedShards),
    cancelled: j.cancelled,
    pricePerShard: j.pricePerShard,
    ownerFeePerShard: j.ownerFeePerShard,
    paddingFee: j.paddingFee,
    collateral: j.collateral,
    claimWindow: Number(j.claimWindow),
    escrow: await core.jobEscrow(jobId),
    unvettedVerifier: j.unvettedVerifier,
    verifier: j.verifier,
    verifierCodeHash: j.verifierCodeHash,
    shards,
  };
}

export interface AuditRecordView {
  recordId: bigint;
  jobId: bigint;
  shardIndex: number;
  submitter: string;
  verifier: string;
  modelId: number;
  modelVersion: number;
  timestamp: number;
  inputCommitment: bigint;
  outputCommitment: bigint;
  proofHash: string;
}

/** A record decoded from a log, as the plain struct `isRecord` / `digestOf` take (decoded results are read-only). */
export function recordStruct(r: IInferenceAudit.RecordStructOutput): IInferenceAudit.RecordStruct {
  const { submitter, jobId, shardIndex, verifier, modelId, modelVersion, timestamp, inputCommitment, outputCommitment, proofHash } = r;
  return { submitter, jobId, shardIndex, verifier, modelId, modelVersion, timestamp, inputCommitment, outputCommitment, proofHash };
}

/**
 * Record `id`, read from its `Recorded` or `Anchored` log (the audit stores only a digest per record) and checked
 * on-chain against the stored digest with `isRecord`.
 */
async function recordView(audit: InferenceAudit, id: bigint): Promise<AuditRecordView> {
  await audit.entryOf(id); // reverts RecordNotFound for an unknown id
  const logs = [
    ...(await audit.queryFilter(audit.filters.Recorded(id))),
    ...(await audit.queryFilter(audit.filters.Anchored(id))),
  ];
  if (logs.length === 0) throw new Error(`audit record ${id}: no Recorded/Anchored log found (is the node's log history pruned?)`);
  const r = logs[0].args.record;
  if (!(await audit.isRecord(id, recordStruct(r)))) throw new Error(`audit record ${id}: its log does not match the stored digest`);
  return {
    recordId: id,
    jobId: r.jobId,
    shardIndex: Number(r.shardIndex),
    submitter: r.submitter,
    verifier: r.verifier,
    modelId: Number(r.modelId),
    modelVersion: Number(r.modelVersion),
    timestamp: Number(r.timestamp),
    inputCommitment: r.inputCommitment,
    outputCommitment: r.outputCommitment,
    proofHash: r.proofHash,
  };
}

/** The audit records of a job, in settlement order. */
export async function auditRecords(audit: InferenceAudit, jobId: bigint): Promise<AuditRecordView[]> {
  const ids = await audit.recordIdsOfJob(jobId);
  return Promise.all(ids.map((id) => recordView(audit, id)));
}

/** One audit record by id. */
export function auditRecord(audit: InferenceAudit, recordId: bigint): Promise<AuditRecordView> {
  return recordView(audit, recordId);
}

export interface ModelView {
  modelId: number;
  name: string;
  owner: string;
  active: boolean;
  feePerInference: bigint;
  versions: {
    version: number; verifier: string; batchSize: number; numPublicSignals: number; devSetup: boolean; onnxCid: string; circuitCid: string; circuitHash: string;
    /** The registry deployed the verifier from the verification key (false: jobs need the requester's opt-in). */
    vetted: boolean;
    verifierCodeHash: string;
    /** DEV, ceremony (with its contributors) or external: whom users of this version trust. */
    setup: SetupInfo;
  }[];
}

/** Every registered model with its versions. */
export async function listModels(registry: ModelRegistry): Promise<ModelView[]> {
  const count = Number(await registry.modelCount());
  const out: ModelView[] = [];
  for (let id = 1; id <= count; id++) {
    const m = await registry.getModel(id);
    const versions = [];
    for (let v = 1; v <= Number(m.versionCount); v++) {
      const ver = await registry.getVersion(id, v);
      versions.push({
        version: v,
        verifier: ver.verifier,
        batchSize: Number(ver.batchSize),
        numPublicSignals: Number(ver.numPublicSignals),
        devSetup: ver.devSetup,
        onnxCid: ver.onnxCid,
        circuitCid: ver.circuitCid,
        circuitHash: ver.circuitHash,
        vetted: ver.vetted,
        verifierCodeHash: ver.verifierCodeHash,
        setup: await setupInfo(registry, id, v, ver, m.owner),
      });
    }
    out.push({ modelId: id, name: m.name, owner: m.owner, active: m.active, feePerInference: m.feePerInference, versions });
  }
  return out;
}
