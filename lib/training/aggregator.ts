/**
 * The aggregator's side of a federated round: fetch every submitted update by its CID, check its bytes against the
 * on-chain hash, run lib/ml/federated's aggregateRound (clip-bound check, robust rule), store the next model and close
 * the round with the accepted mask. An update whose bytes are missing, do not match their hash or do not decode is
 * rejected like an oversized one.
 */
import { keccak256 } from "ethers";
import type { TrainingJobs } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { aggregateRound } from "../ml/federated";
import { decodeUpdate } from "../ml/update";
import { fetchModel, storeModel } from "./rounds";
import { RULES } from "./params";

export interface Verdict {
  slot: number;
  worker: string;
  accepted: boolean;
  reason?: string;
}

/** Submitted updates of a round: slot, worker, hash and CID (from the UpdateSubmitted events). */
async function submissions(training: TrainingJobs, jobId: bigint, round: number) {
  const events = await training.queryFilter(training.filters.UpdateSubmitted(jobId));
  const out = [];
  for (const e of events) {
    if (Number(e.args.round) !== round) continue;
    const slot = Number(await training.slotOf(jobId, round, e.args.worker)) - 1;
    out.push({ slot, worker: e.args.worker, hash: e.args.updateHash, cid: e.args.updateCid });
  }
  return out.sort((a, b) => a.slot - b.slot);
}

export async function aggregateAndClose(training: TrainingJobs, store: ContentStore, jobId: bigint) {
  const job = await training.getJob(jobId);
  if (Number(job.mode) !== 0) throw new Error(`job ${jobId} is outsourced: its accepted set is decided by replicas, not aggregated here`);
  const round = Number(job.round);
  const global = await fetchModel(store, job.modelCid);
  const updateClip = Number(job.dp.updateClipMicro) / 1e6;
  const subs = await submissions(training, jobId, round);

  const verdicts: Verdict[] = [];
  const candidates: { slot: number; worker: string; update: Float64Array }[] = [];
  for (const s of subs) {
    let bytes: Uint8Array;
    try {
      bytes = await store.get(s.cid);
    } catch (err) {
      verdicts.push({ slot: s.slot, worker: s.worker, accepted: false, reason: `update ${s.cid} unavailable: ${(err as Error).message}` });
      continue;
    }
    if (keccak256(bytes) !== s.hash) {
      verdicts.push({ slot: s.slot, worker: s.worker, accepted: false, reason: "bytes do not match the committed hash" });
      continue;
    }
    try {
      candidates.push({ slot: s.slot, worker: s.worker, update: decodeUpdate(bytes) });
    } catch (err) {
      verdicts.push({ slot: s.slot, worker: s.worker, accepted: false, reason: (err as Error).message });
    }
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
      // no acceptable update (or too few for the trim): the round closes with the model unchanged, nobody paid
      if (!(err instanceof RangeError)) throw err;
      for (const c of candidates) verdicts.push({ slot: c.slot, worker: c.worker, accepted: false, reason: err.message });
      mask = 0n;
    }
  }
  const tx = await training.closeRound(jobId, round, mask, nextCid, aggregateHash);
  await tx.wait();
  return { round, mask, nextModelCid: nextCid, aggregateHash, verdicts: verdicts.sort((a, b) => a.slot - b.slot) };
}
