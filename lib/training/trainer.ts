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
import { decodeRelease } from "../requester/shard";
import { localUpdate } from "../ml/federated";
import { encodeUpdate, updateHash } from "../ml/update";
import { fetchModel } from "./rounds";
import { openShardPackage, roundSeed, shardOfSlot } from "./shards";

export type RoleKind = "primary" | "replica" | "referee";
export interface Role {
  kind: RoleKind;
  shard: number;
}

const JOINED = 1n;
const SUBMITTED = 2n;
const DISPUTED = 3n;
const EMPTY = 0n;

/** The job is finished or aborted: nothing left to work on (a worker loop's normal end). */
export class TrainingJobEnded extends Error {}

async function outsourcedRound(training: TrainingJobs, jobId: bigint) {
  const job = await training.getJob(jobId);
  if (Number(job.mode) !== 1) throw new Error(`training job ${jobId} is federated: use train:join with your own data`);
  if (Number(job.status) !== 0) throw new TrainingJobEnded(`training job ${jobId} is ${["active", "finished", "aborted"][Number(job.status)]}`);
  return { job, round: Number(job.round), shards: Number(job.participantsPerRound) };
}

/** The role `worker` could take now (null when it holds a slot already or nothing is open). */
export async function openRole(training: TrainingJobs, jobId: bigint, worker: string): Promise<Role | null> {
  const { round, shards } = await outsourcedRound(training, jobId);
  if ((await training.slotOf(jobId, round, worker)) !== 0n) return null;
  const rd = await training.getRound(jobId, round);
  if (Number(rd.joined) < shards) return { kind: "primary", shard: Number(rd.joined) };
  for (let s = 0; s < shards; s++) {
    const primary = (await training.getSlot(jobId, round, 2 * s)).state;
    if (primary === SUBMITTED && (await training.getSlot(jobId, round, 2 * s + 1)).state === EMPTY) return { kind: "replica", shard: s };
    if (primary === DISPUTED && (await training.getSlot(jobId, round, 2 * shards + s)).state === EMPTY) return { kind: "referee", shard: s };
  }
  return null;
}

/** Takes `role` in the current round; returns the slot. */
export async function takeRole(training: TrainingJobs, jobId: bigint, worker: string, role: Role): Promise<{ round: number; slot: number }> {
  const round = Number((await training.getJob(jobId)).round);
  const tx =
    role.kind === "primary"
      ? training.join(jobId, round)
      : role.kind === "replica"
        ? training.joinAsReplica(jobId, round, role.shard)
        : training.joinAsReferee(jobId, round, role.shard);
  await (await tx).wait();
  return { round, slot: Number(await training.slotOf(jobId, round, worker)) - 1 };
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
  const { job, round, shards } = await outsourcedRound(training, jobId);
  const release = await findRelease(training, jobId, round, slot, worker);
  if (!release) throw new Error(`no data key released yet for slot ${slot} of job ${jobId} round ${round}`);
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
  const { round } = await outsourcedRound(training, jobId);
  const held = Number(await training.slotOf(jobId, round, worker));
  if (held !== 0) {
    const slot = held - 1;
    if ((await training.getSlot(jobId, round, slot)).state !== JOINED) return { action: "done", round, slot };
    if (!(await findRelease(training, jobId, round, slot, worker))) return { action: "waiting-for-key", round, slot };
    const r = await trainSlot(training, store, key, jobId, slot, worker);
    return { action: "submitted", round, slot, shard: r.shard, hash: r.hash, cid: r.cid };
  }
  const role = await openRole(training, jobId, worker);
  if (!role) return { action: "idle", round };
  const { slot } = await takeRole(training, jobId, worker, role);
  return { action: "joined", round, slot, role };
}
