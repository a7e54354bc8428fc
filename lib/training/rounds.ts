/**
 * The chain side of a training round for requesters and participants: post a job (escrow from the contract), join the
 * current round, train locally and submit the update (bytes to the content store, hash on-chain), and read a job's
 * status. The aggregator's side is lib/training/aggregator.ts.
 */
import type { ContractTransactionResponse } from "ethers";
import type { TrainingJobs } from "../../typechain-types";
import fs from "node:fs";
import { getSealed, putSealed, type ContentStore } from "../storage";
import { mlpToOnnx, type MlpModel } from "../ml/mlp";
import { localUpdate, type LocalTrainingOptions } from "../ml/federated";
import { encodeUpdate } from "../ml/update";
import { decodeModel, encodeModel } from "./model-codec";
import { checkRoundCap, jobStatus, slotState, toJobParams, MODES, RULES, type TrainingSpec } from "./params";

/** The job's recorded DP-SGD run as training options: Poisson sampling at the recorded q for the recorded steps. */
export function jobTrainingOptions(
  job: { dp: { samplingPpm: bigint; stepsPerRound: bigint; localEpochs: bigint; clipMicro: bigint; sigmaMicro: bigint; updateClipMicro: bigint } },
  lr: number,
  seed: number,
): LocalTrainingOptions {
  return {
    epochs: Number(job.dp.localEpochs),
    lr,
    batch: 1,
    sampling: { q: Number(job.dp.samplingPpm) / 1e6, steps: Number(job.dp.stepsPerRound) },
    seed,
    dp: { clip: Number(job.dp.clipMicro) / 1e6, sigma: Number(job.dp.sigmaMicro) / 1e6 },
    updateClip: Number(job.dp.updateClipMicro) / 1e6,
  };
}

async function mined(tx: Promise<ContractTransactionResponse>) {
  const rc = await (await tx).wait();
  if (!rc) throw new Error("transaction was dropped");
  return rc;
}

/** Stores a model in a public storage envelope (readable with store:get) and returns its CID. */
export async function storeModel(store: ContentStore, model: MlpModel): Promise<string> {
  return (await putSealed(store, encodeModel(model), { public: true })).cid;
}

export async function fetchModel(store: ContentStore, cid: string): Promise<MlpModel> {
  return decodeModel(await getSealed(store, cid));
}

/** Writes the job's current model as ONNX to `out`. */
export async function exportTrainedModel(training: TrainingJobs, store: ContentStore, jobId: bigint, out: string) {
  const job = await training.getJob(jobId);
  const onnx = mlpToOnnx(await fetchModel(store, job.modelCid));
  fs.writeFileSync(out, onnx);
  return { modelCid: job.modelCid, rounds: Number(job.round), bytes: onnx.length };
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
 * A federated participant's round: check the job's round cap against its recorded ε, fetch the global model by the
 * job's CID, run DP-SGD on its own data (Poisson sampling at the recorded rate for the recorded steps), clip, store the
 * update and submit its hash. Only the clipped, noised update leaves the participant.
 */
export async function trainAndSubmit(
  training: TrainingJobs,
  store: ContentStore,
  jobId: bigint,
  round: number,
  data: { X: Float64Array[]; Y: number[] },
  opts: { lr: number; seed: number },
) {
  const job = await training.getJob(jobId);
  checkRoundCap(jobId, job.dp, Number(job.maxRounds));
  const global = await fetchModel(store, job.modelCid);
  const u = localUpdate(global, data.X, data.Y, jobTrainingOptions(job, opts.lr, opts.seed));
  const cid = await store.put(encodeUpdate(u.update));
  await mined(training.submitUpdate(jobId, round, u.hash, cid));
  return { cid, hash: u.hash, rawNorm: u.rawNorm };
}


/** A job's record, DP parameters, current round, its deadlines (unix seconds) and what it waits for. */
export async function trainingStatus(training: TrainingJobs, jobId: bigint) {
  const j = await training.getJob(jobId);
  const r = Number(j.round);
  const rd = await training.getRound(jobId, r);
  const outsourced = Number(j.mode) === 1;
  const n = Number(j.participantsPerRound);
  const slotCount = outsourced ? 3 * n : n;
  const slots = [];
  for (let i = 0; i < slotCount; i++) {
    const s = await training.getSlot(jobId, r, i);
    if (Number(s.state) !== 0) slots.push({ slot: i, worker: s.worker, state: slotState(s.state), updateHash: s.updateHash });
  }
  const now = Number((await training.runner!.provider!.getBlock("latest"))!.timestamp);
  const times = outsourced ? await training.auditTimes(jobId, r) : null;
  const deadlines = {
    ...(outsourced ? { joinCutoff: Number(rd.submitDeadline) - (Number(j.roundWindow) >> 2) } : {}),
    submit: Number(rd.submitDeadline),
    ...(times ? { verifiersCommit: Number(times.auditDeadline), reveal: Number(times.revealDeadline), anyoneSettles: Number(times.settleFrom) } : {}),
    close: Number(rd.closeDeadline),
  };
  const status = jobStatus(j.status);
  return {
    jobId,
    requester: j.requester,
    aggregator: j.aggregator,
    mode: MODES[Number(j.mode)],
    rule: RULES[Number(j.rule)],
    status,
    round: r,
    maxRounds: Number(j.maxRounds),
    participantsPerRound: n,
    ...(outsourced ? { replication: Number(j.replicationBps) / 10_000, dataRoot: j.dataRoot } : {}),
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
      stepsPerRound: Number(j.dp.stepsPerRound),
      updateClip: Number(j.dp.updateClipMicro) / 1e6,
      localEpochs: Number(j.dp.localEpochs),
    },
    current: {
      now,
      deadlines,
      waitingFor: status === "active" ? waitingFor(outsourced, n, now, deadlines, rd, slots) : `nothing: the job is ${status}`,
      joined: Number(rd.joined),
      pending: Number(rd.pending),
      openAudits: Number(rd.openAudits),
      ...(outsourced ? { standby: Number(rd.standby), standbyDrawn: Number(rd.standbyAssigned), poolSealed: rd.sealBlock !== 0n } : {}),
      slots,
    },
  };
}

/** One line: what the current round waits for, and until when. */
function waitingFor(
  outsourced: boolean,
  n: number,
  now: number,
  d: { joinCutoff?: number; submit: number; verifiersCommit?: number; reveal?: number; anyoneSettles?: number; close: number },
  rd: { joined: bigint; pending: bigint; openAudits: bigint },
  slots: { state: string }[],
): string {
  const at = (t: number) => `${new Date(t * 1000).toISOString()} (in ${t - now} s)`;
  if (now > d.close) return "expireRound: the close deadline passed unclosed (any keeper aborts the job)";
  const joined = Number(rd.joined);
  if (!outsourced) {
    if (joined < n && now <= d.submit) return `participants: ${joined}/${n} joined; joins and submissions close ${at(d.submit)}`;
    if (rd.pending > 0n && now <= d.submit) return `${rd.pending} submission(s) by ${at(d.submit)}`;
    return `the aggregator's train:close (closes by ${at(d.close)})`;
  }
  const committed = slots.filter((s) => s.state === "committed").length;
  if (now <= d.joinCutoff! && joined < n) return `primaries: ${joined}/${n} joined, and standby verifiers; joins close ${at(d.joinCutoff!)}`;
  if (rd.pending > 0n && now <= d.verifiersCommit!) return `${rd.pending} commitment(s): data keys (train:release) and training; primaries by ${at(d.submit)}, verifiers by ${at(d.verifiersCommit!)}`;
  if (now <= d.joinCutoff!) return `the join cutoff ${at(d.joinCutoff!)}: draws need the pool sealed (or advance time on a local chain)`;
  if (rd.openAudits > 0n && committed > 0 && now <= d.reveal!) return `draws (a block after each commitment) and ${committed} reveal(s) by ${at(d.reveal!)}`;
  if (rd.openAudits > 0n && now <= d.reveal!) return `draws and reveals by ${at(d.reveal!)}`;
  return `the aggregator's train:close (by ${at(d.close)}; anyone may settle from ${at(d.anyoneSettles!)})`;
}
