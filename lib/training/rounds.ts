/**
 * The chain side of a training round for requesters and participants: post a job (escrow from the contract), join the
 * current round, train locally and submit the update (bytes to the content store, hash on-chain), and read a job's
 * status. The aggregator's side is lib/training/aggregator.ts.
 */
import type { ContractTransactionResponse } from "ethers";
import type { TrainingJobs } from "../../typechain-types";
import type { ContentStore } from "../storage";
import type { MlpModel } from "../ml/mlp";
import { localUpdate, type LocalTrainingOptions } from "../ml/federated";
import { encodeUpdate } from "../ml/update";
import { decodeModel, encodeModel } from "./model-codec";
import { jobStatus, slotState, toJobParams, MODES, RULES, type TrainingSpec } from "./params";

async function mined(tx: Promise<ContractTransactionResponse>) {
  const rc = await (await tx).wait();
  if (!rc) throw new Error("transaction was dropped");
  return rc;
}

/** Stores the initial model and returns its CID. */
export async function storeModel(store: ContentStore, model: MlpModel): Promise<string> {
  return store.put(encodeModel(model));
}

export async function fetchModel(store: ContentStore, cid: string): Promise<MlpModel> {
  return decodeModel(await store.get(cid));
}

/** Posts a job with exactly the escrow it needs; returns its id, the recorded round budget and the escrow. */
export async function postTrainingJob(training: TrainingJobs, spec: TrainingSpec) {
  const params = toJobParams(spec);
  const escrow = await training.escrowFor(params);
  const rc = await mined(training.postJob(params, { value: escrow }));
  const ev = rc.logs.map((l) => training.interface.parseLog(l)).find((p) => p?.name === "TrainingJobPosted");
  if (!ev) throw new Error(`postJob ${rc.hash} emitted no TrainingJobPosted`);
  return { jobId: ev.args.jobId as bigint, maxRounds: Number(params.maxRounds), escrow };
}

/** Joins the job's current round; returns the round and the slot taken. */
export async function joinRound(training: TrainingJobs, jobId: bigint, worker: string) {
  const round = Number((await training.getJob(jobId)).round);
  await mined(training.join(jobId, round));
  const slot = Number(await training.slotOf(jobId, round, worker)) - 1;
  return { round, slot };
}

/**
 * A federated participant's round: fetch the global model by the job's CID, run DP-SGD on its own data, clip, store the
 * update and commit to its hash. Only the clipped, noised update leaves the participant.
 */
export async function trainAndSubmit(
  training: TrainingJobs,
  store: ContentStore,
  jobId: bigint,
  round: number,
  data: { X: Float64Array[]; Y: number[] },
  opts: LocalTrainingOptions,
) {
  const job = await training.getJob(jobId);
  const global = await fetchModel(store, job.modelCid);
  const u = localUpdate(global, data.X, data.Y, opts);
  const cid = await store.put(encodeUpdate(u.update));
  await mined(training.submitUpdate(jobId, round, u.hash, cid));
  return { cid, hash: u.hash, rawNorm: u.rawNorm };
}


/** A job's record, DP parameters and current round in natural units. */
export async function trainingStatus(training: TrainingJobs, jobId: bigint) {
  const j = await training.getJob(jobId);
  const r = Number(j.round);
  const rd = await training.getRound(jobId, r);
  const slotCount = Number(j.mode) === 0 ? Number(j.participantsPerRound) : 3 * Number(j.participantsPerRound);
  const slots = [];
  for (let i = 0; i < slotCount; i++) {
    const s = await training.getSlot(jobId, r, i);
    if (Number(s.state) !== 0) slots.push({ slot: i, worker: s.worker, state: slotState(s.state), updateHash: s.updateHash });
  }
  return {
    jobId,
    requester: j.requester,
    aggregator: j.aggregator,
    mode: MODES[Number(j.mode)],
    rule: RULES[Number(j.rule)],
    status: jobStatus(j.status),
    round: r,
    maxRounds: Number(j.maxRounds),
    participantsPerRound: Number(j.participantsPerRound),
    ...(Number(j.mode) === 1 ? { replication: Number(j.replicationBps) / 10_000, dataRoot: j.dataRoot } : {}),
    modelCid: j.modelCid,
    escrow: j.escrow,
    rewardPerUpdate: j.rewardPerUpdate,
    collateral: j.collateral,
    dp: {
      epsilon: Number(j.dp.epsilonMicro) / 1e6,
      delta: Number(j.dp.deltaPico) / 1e12,
      sigma: Number(j.dp.sigmaMicro) / 1e6,
      clip: Number(j.dp.clipMicro) / 1e6,
      samplingRate: Number(j.dp.samplingPpm) / 1e6,
      updateClip: Number(j.dp.updateClipMicro) / 1e6,
      localEpochs: Number(j.dp.localEpochs),
    },
    current: {
      submitDeadline: Number(rd.submitDeadline),
      closeDeadline: Number(rd.closeDeadline),
      joined: Number(rd.joined),
      pending: Number(rd.pending),
      openAudits: Number(rd.openAudits),
      openDisputes: Number(rd.openDisputes),
      ...(Number(j.mode) === 1 ? { standby: Number(rd.standby), standbyDrawn: Number(rd.standbyAssigned), poolSealed: rd.sealBlock !== 0n } : {}),
      slots,
    },
  };
}
