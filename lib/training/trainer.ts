/**
 * Outsourced training, the worker's side: take a shard as its primary, or enlist in the round's standby pool from
 * which replicas and referees are drawn (nobody chooses its verifier role), run the draws that are ready, wait for the
 * requester's data-key release, open and check the shard package against the job's data root, check that the job's
 * round cap fits its recorded ε, run the shard's deterministic DP-SGD round from the global model (Poisson sampling at
 * the recorded rate, the recorded steps), commit blind to the update (lib/training/answers.ts) and reveal it once the
 * shard's verifiers have committed. Honest primaries, replicas and referees of a shard produce bit-identical updates,
 * which is what the contract compares. An entry never drawn is released once its round has ended.
 */
import type { TrainingJobs } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { unwrapKey, type WorkerKeyPair } from "../crypto";
import { decodeRelease, type Release } from "../requester/shard";
import { localUpdate } from "../ml/federated";
import { fetchModel, jobTrainingOptions } from "./rounds";
import { openShardPackage, roundSeed, shardOfSlot } from "./shards";
import { checkRoundCap, jobStatus, MODES, slotState } from "./params";
import { resolveReadyDraws } from "./draws";
import { commitAnswer, revealAnswer, revealOpen } from "./answers";

export type RoleKind = "primary" | "replica" | "referee";
export interface Role {
  kind: RoleKind;
  shard: number;
}

/** The role of an outsourced slot. */
export function roleOfSlot(slot: number, shards: number): Role {
  if (slot >= 2 * shards) return { kind: "referee", shard: slot - 2 * shards };
  return { kind: slot % 2 === 0 ? "primary" : "replica", shard: slot >> 1 };
}

/** The job is finished or aborted: nothing left to work on (a worker loop's normal end). */
export class TrainingJobEnded extends Error {}

/** The job's current round, checked to be an active outsourced job. */
async function outsourcedRound(training: TrainingJobs, jobId: bigint) {
  const job = await training.getJob(jobId);
  if (MODES[Number(job.mode)] !== "outsourced") throw new Error(`training job ${jobId} is federated: use train:join with your own data`);
  const status = jobStatus(job.status);
  if (status !== "active") throw new TrainingJobEnded(`training job ${jobId} is ${status}`);
  return { jobId, job, round: Number(job.round), shards: Number(job.participantsPerRound) };
}
type OutsourcedRound = Awaited<ReturnType<typeof outsourcedRound>>;

/** Whether the round still takes joins and enlistments (before the join cutoff). */
async function joinOpen(training: TrainingJobs, { jobId, job, round }: OutsourcedRound): Promise<boolean> {
  const rd = await training.getRound(jobId, round);
  const now = BigInt((await training.runner!.provider!.getBlock("latest"))!.timestamp);
  return now <= rd.submitDeadline - BigInt(Number(job.roundWindow) >> 2);
}

/**
 * Releases the worker's undrawn standby entries of every ended round (all before the current one, and the current
 * one once the job ended): a worker that polled past a round, or two, still gets its collateral back.
 */
export async function releaseEndedStandby(training: TrainingJobs, jobId: bigint, worker: string): Promise<number[]> {
  const job = await training.getJob(jobId);
  const current = Number(job.round);
  const ended = jobStatus(job.status) !== "active";
  const last = Math.min(ended ? current : current - 1, Number(job.maxRounds) - 1);
  const rounds = Array.from({ length: Math.max(0, last + 1) }, (_, r) => r);
  const released: number[] = [];
  for (const r of rounds) {
    const idx = Number(await training.standbyOf(jobId, r, worker));
    if (idx === 0 || Number((await training.getStandby(jobId, r, idx - 1)).status) !== 0) continue;
    await (await training.releaseStandby(jobId, r, worker)).wait();
    released.push(r);
  }
  return released;
}

/** The requester's release for a slot, from its DataKeyReleased event (null while none). */
export async function findRelease(training: TrainingJobs, jobId: bigint, round: number, slot: number, worker: string) {
  const events = await training.queryFilter(training.filters.DataKeyReleased(jobId, undefined, undefined, worker));
  const e = events.find((x) => Number(x.args.round) === round && Number(x.args.slot) === slot);
  return e ? decodeRelease(e.args.release) : null;
}

/**
 * Trains the caller's slot: unwraps the released key, opens the package (checked against the data root), runs the
 * round from the current global model and submits. `tamper` (tests, demos) alters the update after training, as a
 * lazy or dishonest worker would.
 */
export async function trainSlot(
  training: TrainingJobs,
  store: ContentStore,
  key: WorkerKeyPair,
  jobId: bigint,
  slot: number,
  worker: string,
  tamper?: (u: Float64Array) => Float64Array,
) {
  const r = await outsourcedRound(training, jobId);
  const release = await findRelease(training, jobId, r.round, slot, worker);
  if (!release) throw new Error(`no data key released yet for slot ${slot} of job ${jobId} round ${r.round}`);
  return trainReleased(training, store, key, r, slot, release, tamper);
}

/** trainSlot once the round and the slot's release are known. */
async function trainReleased(
  training: TrainingJobs,
  store: ContentStore,
  key: WorkerKeyPair,
  { jobId, job, round, shards }: OutsourcedRound,
  slot: number,
  release: Release,
  tamper?: (u: Float64Array) => Float64Array,
) {
  if (release.wrappedKey.length === 0) throw new Error(`the release for slot ${slot} carries no data key`);
  const dataKey = unwrapKey(release.wrappedKey, key.privateKey);
  const shard = openShardPackage(await store.get(release.packageCid), dataKey, job.dataRoot, shardOfSlot(slot, shards));
  checkRoundCap(jobId, job.dp, Number(job.maxRounds));
  const global = await fetchModel(store, job.modelCid);
  const u = localUpdate(global, shard.X, shard.Y, jobTrainingOptions(job, shard.lr, roundSeed(shard.seed, round)));
  const update = tamper ? tamper(u.update) : u.update;
  const { hash } = await commitAnswer(training, jobId, round, slot, update);
  return { round, slot, shard: shard.shardIndex, hash, examples: shard.X.length };
}

export type StepResult =
  | { action: "joined"; round: number; slot: number; role: Role }
  | { action: "enlisted"; round: number; index: number }
  | { action: "standby"; round: number; draws: string[] }
  | { action: "waiting-for-key"; round: number; slot: number; role: Role }
  | { action: "committed"; round: number; slot: number; role: Role; shard: number; hash: string }
  | { action: "waiting-to-reveal"; round: number; slot: number; role: Role }
  | { action: "revealed"; round: number; slot: number; role: Role; hash: string; cid: string }
  | { action: "done"; round: number; slot: number }
  | { action: "idle"; round: number; draws: string[] };

/**
 * One step of a worker's outsourced-training duty on a job: release an undrawn standby entry of an ended round, train
 * the slot it holds once its key is released, or take a primary slot (else a standby entry) while joins are open; a
 * worker waiting in the pool or idle runs the draws that are ready. Call repeatedly (train:work --loop does) to follow
 * the job round after round. A job that ended throws TrainingJobEnded after its last standby entry is released.
 */
export async function outsourcedStep(
  training: TrainingJobs,
  store: ContentStore,
  key: WorkerKeyPair,
  jobId: bigint,
  worker: string,
): Promise<StepResult> {
  await releaseEndedStandby(training, jobId, worker);
  const r = await outsourcedRound(training, jobId);
  const round = r.round;
  const held = Number(await training.slotOf(jobId, round, worker));
  if (held !== 0) {
    const slot = held - 1;
    const role = roleOfSlot(slot, r.shards);
    const state = slotState((await training.getSlot(jobId, round, slot)).state);
    if (state === "committed") {
      await resolveReadyDraws(training, jobId); // its own draw, or another shard's
      if (!(await revealOpen(training, jobId, round, slot))) return { action: "waiting-to-reveal", round, slot, role };
      const v = await revealAnswer(training, store, jobId, round, slot);
      return { action: "revealed", round, slot, role, hash: v.hash, cid: v.cid };
    }
    if (state !== "joined") {
      await resolveReadyDraws(training, jobId);
      return { action: "done", round, slot };
    }
    const release = await findRelease(training, jobId, round, slot, worker);
    if (!release) return { action: "waiting-for-key", round, slot, role };
    const t = await trainReleased(training, store, key, r, slot, release);
    return { action: "committed", round, slot, role, shard: t.shard, hash: t.hash };
  }
  const enlisted = Number(await training.standbyOf(jobId, round, worker)) !== 0;
  if (!enlisted && (await joinOpen(training, r))) {
    if (Number((await training.getRound(jobId, round)).joined) < r.shards) {
      await (await training.join(jobId, round)).wait();
      const slot = Number(await training.slotOf(jobId, round, worker)) - 1;
      return { action: "joined", round, slot, role: roleOfSlot(slot, r.shards) };
    }
    await (await training.enlist(jobId, round)).wait();
    return { action: "enlisted", round, index: Number(await training.standbyOf(jobId, round, worker)) - 1 };
  }
  const draws = await resolveReadyDraws(training, jobId);
  return enlisted ? { action: "standby", round, draws } : { action: "idle", round, draws };
}
