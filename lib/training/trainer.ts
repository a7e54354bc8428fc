/**
 * Outsourced training, the worker's side: take an open role in the job's current round (a shard's primary; the
 * replica of a shard drawn for replication; the referee of a disputed shard), wait for the requester's data-key
 * release, open and check the shard package against the job's data root, run the shard's deterministic DP-SGD round
 * from the global model, store the update and commit to its hash. Honest primaries, replicas and referees of a shard
 * produce bit-identical updates, which is what the contract compares.
 */
import type { TrainingJobs } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { unwrapKey, type WorkerKeyPair } from "../crypto";
import { decodeRelease, type Release } from "../requester/shard";
import { localUpdate } from "../ml/federated";
import { encodeUpdate, updateHash } from "../ml/update";
import { fetchModel } from "./rounds";
import { openShardPackage, roundSeed, shardOfSlot } from "./shards";
import { jobStatus, MODES, slotState } from "./params";

export type RoleKind = "primary" | "replica" | "referee";
export interface Role {
  kind: RoleKind;
  shard: number;
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

/** The role a worker without a slot in the round could take now (null when nothing is open). */
async function openRole(training: TrainingJobs, { jobId, round, shards }: OutsourcedRound): Promise<Role | null> {
  const rd = await training.getRound(jobId, round);
  if (Number(rd.joined) < shards) return { kind: "primary", shard: Number(rd.joined) };
  const state = async (slot: number) => slotState((await training.getSlot(jobId, round, slot)).state);
  for (let s = 0; s < shards; s++) {
    const primary = await state(2 * s);
    if (primary === "submitted" && (await state(2 * s + 1)) === "empty") return { kind: "replica", shard: s };
    if (primary === "disputed" && (await state(2 * shards + s)) === "empty") return { kind: "referee", shard: s };
  }
  return null;
}

/** Takes `role` in the current round; returns the slot. */
async function takeRole(training: TrainingJobs, round: number, jobId: bigint, worker: string, role: Role) {
  const tx =
    role.kind === "primary"
      ? training.join(jobId, round)
      : role.kind === "replica"
        ? training.joinAsReplica(jobId, round, role.shard)
        : training.joinAsReferee(jobId, round, role.shard);
  await (await tx).wait();
  return Number(await training.slotOf(jobId, round, worker)) - 1;
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
  const global = await fetchModel(store, job.modelCid);
  const q = Number(job.dp.samplingPpm) / 1e6;
  const u = localUpdate(global, shard.X, shard.Y, {
    epochs: Number(job.dp.localEpochs),
    lr: shard.lr,
    batch: Math.max(1, Math.min(shard.X.length, Math.round(q * shard.X.length))),
    seed: roundSeed(shard.seed, round),
    dp: { clip: Number(job.dp.clipMicro) / 1e6, sigma: Number(job.dp.sigmaMicro) / 1e6 },
    updateClip: Number(job.dp.updateClipMicro) / 1e6,
  });
  const update = tamper ? tamper(u.update) : u.update;
  const bytes = encodeUpdate(update);
  const cid = await store.put(bytes);
  const hash = tamper ? updateHash(update) : u.hash;
  await (await training.submitUpdate(jobId, round, hash, cid)).wait();
  return { round, slot, shard: shard.shardIndex, cid, hash, examples: shard.X.length };
}

export type StepResult =
  | { action: "joined"; round: number; slot: number; role: Role }
  | { action: "waiting-for-key"; round: number; slot: number }
  | { action: "submitted"; round: number; slot: number; shard: number; hash: string; cid: string }
  | { action: "done"; round: number; slot: number }
  | { action: "idle"; round: number };

/**
 * One step of a worker's outsourced-training duty on a job: train the slot it holds once its key is released, or
 * take an open role. Call repeatedly (train:work --loop does) to follow the job round after round.
 */
export async function outsourcedStep(
  training: TrainingJobs,
  store: ContentStore,
  key: WorkerKeyPair,
  jobId: bigint,
  worker: string,
): Promise<StepResult> {
  const r = await outsourcedRound(training, jobId);
  const round = r.round;
  const held = Number(await training.slotOf(jobId, round, worker));
  if (held !== 0) {
    const slot = held - 1;
    if (slotState((await training.getSlot(jobId, round, slot)).state) !== "joined") return { action: "done", round, slot };
    const release = await findRelease(training, jobId, round, slot, worker);
    if (!release) return { action: "waiting-for-key", round, slot };
    const t = await trainReleased(training, store, key, r, slot, release);
    return { action: "submitted", round, slot, shard: t.shard, hash: t.hash, cid: t.cid };
  }
  const role = await openRole(training, r);
  if (!role) return { action: "idle", round };
  const slot = await takeRole(training, round, jobId, worker, role);
  return { action: "joined", round, slot, role };
}
