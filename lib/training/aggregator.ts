/**
 * The aggregator's side of a round. Federated: fetch every submitted update by its CID, check its bytes against the
 * on-chain hash, run lib/ml/federated's aggregateRound (clip bound, all-zero and copied updates refused, robust rule
 * with the trim the accepted count allows), store the next model and close the round with the accepted mask; an update
 * whose bytes are missing, do not match their hash or do not decode is rejected like an oversized one. Outsourced:
 * what is paid is decided on-chain (blind answers, replication draw, two of three seats agreeing); the aggregator takes
 * one paid update per shard, aggregates those it can fetch and check, and closes with exactly `paidMask`.
 */
import { keccak256 } from "ethers";
import type { TrainingJobs } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { aggregateRound } from "../ml/federated";
import { decodeUpdate, updateHash } from "../ml/update";
import { mlpParameters } from "../ml/mlp";
import { fetchModel, storeModel } from "./rounds";
import { jobStatus, RULES, slotState } from "./params";

export interface Verdict {
  slot: number;
  worker: string;
  /** Paid (federated: by this aggregator's verdict; outsourced: as decided on-chain). */
  accepted: boolean;
  /** Why it was not accepted, or (outsourced) why an accepted update was left out of the aggregate. */
  reason?: string;
}

/** Submitted (revealed) updates of a round in submission order: slot, worker, hash and CID (UpdateSubmitted events). */
async function submissions(training: TrainingJobs, jobId: bigint, round: number) {
  const events = await training.queryFilter(training.filters.UpdateSubmitted(jobId));
  const out = [];
  for (const e of events) {
    if (Number(e.args.round) !== round) continue;
    const slot = Number(await training.slotOf(jobId, round, e.args.worker)) - 1;
    out.push({ slot, worker: e.args.worker, hash: e.args.updateHash, cid: e.args.updateCid });
  }
  return out;
}

/** Fetches an update and checks it against its commitment; a string says why it cannot be used. */
async function fetchUpdate(store: ContentStore, cid: string, hash: string): Promise<Float64Array | string> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(cid);
  } catch (err) {
    return `update ${cid} unavailable: ${(err as Error).message}`;
  }
  if (keccak256(bytes) !== hash) return "bytes do not match the committed hash";
  try {
    return decodeUpdate(bytes);
  } catch (err) {
    return (err as Error).message;
  }
}

/** Whether the aggregator may close the job's current round now (every slot decided, or past the submit deadline). */
export async function roundClosable(training: TrainingJobs, jobId: bigint): Promise<boolean> {
  const job = await training.getJob(jobId);
  if (jobStatus(job.status) !== "active") return false;
  const rd = await training.getRound(jobId, job.round);
  const now = BigInt((await training.runner!.provider!.getBlock("latest"))!.timestamp);
  if (now > rd.closeDeadline) return false;
  const complete = rd.joined === job.participantsPerRound && rd.pending === 0n && rd.openAudits === 0n;
  const early = Number(job.mode) === 1 ? (await training.auditTimes(jobId, job.round)).revealDeadline : rd.submitDeadline;
  return complete || now > early;
}

export async function aggregateAndClose(training: TrainingJobs, store: ContentStore, jobId: bigint) {
  const job = await training.getJob(jobId);
  if (Number(job.mode) === 1) return closeOutsourced(training, store, jobId);
  const round = Number(job.round);
  const global = await fetchModel(store, job.modelCid);
  const updateClip = Number(job.dp.updateClipMicro) / 1e6;
  const subs = await submissions(training, jobId, round);

  const verdicts: Verdict[] = [];
  const candidates: { slot: number; worker: string; update: Float64Array }[] = [];
  for (const s of subs) {
    const u = await fetchUpdate(store, s.cid, s.hash);
    if (typeof u === "string") verdicts.push({ slot: s.slot, worker: s.worker, accepted: false, reason: u });
    else candidates.push({ slot: s.slot, worker: s.worker, update: u });
  }

  let mask = 0n;
  let nextCid = job.modelCid;
  let aggregateHash = "0x" + "00".repeat(32);
  if (candidates.length > 0) {
    const rule = RULES[Number(job.rule)];
    try {
      const r = aggregateRound(global, candidates.map((c) => c.update), { updateClip, rule, trim: Number(job.trim) });
      r.verdicts.forEach((v, i) => {
        const c = candidates[i];
        verdicts.push({ slot: c.slot, worker: c.worker, accepted: v.accepted, reason: v.accepted ? undefined : v.reason });
        if (v.accepted) mask |= 1n << BigInt(c.slot);
      });
      nextCid = await storeModel(store, r.next);
      aggregateHash = r.aggregateHash;
    } catch (err) {
      // no acceptable update at all: the round closes with the model unchanged, nobody paid
      if (!(err instanceof RangeError)) throw err;
      for (const c of candidates) verdicts.push({ slot: c.slot, worker: c.worker, accepted: false, reason: err.message });
      mask = 0n;
    }
  }
  const tx = await training.closeRound(jobId, round, mask, nextCid, aggregateHash);
  await tx.wait();
  return { round, mask, nextModelCid: nextCid, aggregateHash, verdicts: verdicts.sort((a, b) => a.slot - b.slot) };
}

/** Outsourced round: the paid mask from the chain, the model from one paid update per shard. */
async function closeOutsourced(training: TrainingJobs, store: ContentStore, jobId: bigint) {
  const job = await training.getJob(jobId);
  const round = Number(job.round);
  const shards = Number(job.participantsPerRound);
  const global = await fetchModel(store, job.modelCid);
  const subs = new Map((await submissions(training, jobId, round)).map((s) => [s.slot, s]));
  const mask = await training.paidMask(jobId, round);
  const verdicts: Verdict[] = [];
  const updates: Float64Array[] = [];
  for (let shard = 0; shard < shards; shard++) {
    let used = false;
    for (const slot of [2 * shard, 2 * shard + 1, 2 * shards + shard]) {
      const st = await training.getSlot(jobId, round, slot);
      const state = slotState(st.state);
      if (state === "empty") continue;
      const accepted = ((mask >> BigInt(slot)) & 1n) === 1n;
      const v: Verdict = { slot, worker: st.worker, accepted };
      if (!accepted) v.reason = state;
      const sub = subs.get(slot);
      if (accepted && !used && sub) {
        const u = await fetchUpdate(store, sub.cid, sub.hash);
        if (typeof u === "string") v.reason = `left out of the aggregate: ${u}`;
        else {
          updates.push(u);
          used = true;
        }
      }
      verdicts.push(v);
    }
  }
  let nextCid = job.modelCid;
  let aggregateHash = mask === 0n ? "0x" + "00".repeat(32) : updateHash(new Float64Array(mlpParameters(global).length));
  if (updates.length > 0) {
    try {
      const r = aggregateRound(global, updates, { updateClip: Number(job.dp.updateClipMicro) / 1e6, rule: RULES[Number(job.rule)], trim: Number(job.trim) });
      nextCid = await storeModel(store, r.next);
      aggregateHash = r.aggregateHash;
    } catch (err) {
      // e.g. fewer updates than the trimmed mean needs: the model stays as it is; payment was decided on-chain
      if (!(err instanceof RangeError)) throw err;
      for (const v of verdicts) if (v.accepted && !v.reason) v.reason = `left out of the aggregate: ${err.message}`;
    }
  }
  const tx = await training.closeRound(jobId, round, mask, nextCid, aggregateHash);
  await tx.wait();
  return { round, mask, nextModelCid: nextCid, aggregateHash, verdicts };
}
