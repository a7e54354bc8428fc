/**
 * The outsourced round's draws, as anyone sees and runs them (ITrainingJobs.resolveDraw is permissionless): after a
 * primary commits, the hash of a later block decides whether its shard is audited and which standby entries become its
 * replica and referee. A draw left to age out is not re-drawn: the primary goes unpaid. Draws wait for the join cutoff (the pool is sealed by
 * the first resolveDraw after it) and for their block to be mined. Workers, the requester and keepers all call
 * `resolveReadyDraws` in their loops, so a draw is run within a block or two and never ages out.
 */
import type { TrainingJobs } from "../../typechain-types";
import { revertName } from "../chain/errors";
import { slotState } from "./params";

/** ITrainingJobs' stage constant of the replication draw (part of the draw's hash preimage). */
export const DRAW_STAGE = 1;

export interface PendingDraw {
  shard: number;
  /** Block whose hash the draw uses. */
  block: bigint;
}

/**
 * The shards of the job's current round whose draw is pending (ready or not): from the ReplicationPending events of
 * the round (one query), each checked to be still pending. O(committed primaries), never a scan of every slot.
 */
export async function pendingDraws(training: TrainingJobs, jobId: bigint, round: number): Promise<PendingDraw[]> {
  const rd = await training.getRound(jobId, round);
  const events = await training.queryFilter(training.filters.ReplicationPending(jobId));
  const out: PendingDraw[] = [];
  for (const e of events) {
    if (Number(e.args.round) !== round) continue;
    const shard = Number(e.args.shard);
    const p = await training.getSlot(jobId, round, 2 * shard);
    if (slotState(p.state) !== "committed" || p.drawBlock === 0n) continue;
    out.push({ shard, block: p.drawBlock > rd.sealBlock ? p.drawBlock : rd.sealBlock });
  }
  return out;
}

/** Reverts that mean another caller ran the draw (or the round moved on) first. */
const RAN_ELSEWHERE = new Set(["NothingToDraw", "DrawNotReady", "RoundNotCurrent", "JobNotActive", "BudgetExhausted", "StandbyOpen"]);

/**
 * Seals the current round's pool once the join cutoff has passed, then runs every draw whose block is mined.
 * Returns what it did ("sealed", or "draw"/"pick-…" per shard); losing a race to another caller is not an error.
 */
export async function resolveReadyDraws(training: TrainingJobs, jobId: bigint): Promise<string[]> {
  const job = await training.getJob(jobId);
  if (Number(job.mode) !== 1 || Number(job.status) !== 0) return [];
  const round = Number(job.round);
  const rd = await training.getRound(jobId, round);
  const provider = training.runner!.provider!;
  const head = await provider.getBlock("latest");
  const cutoff = rd.submitDeadline - BigInt(Number(job.roundWindow) >> 2);
  if (BigInt(head!.timestamp) <= cutoff) return [];
  const done: string[] = [];
  const run = async (shard: number, what: string) => {
    try {
      await (await training.resolveDraw(jobId, round, shard)).wait();
      done.push(what);
    } catch (err) {
      if (!RAN_ELSEWHERE.has(revertName(err) ?? "")) throw err;
    }
  };
  if (rd.openAudits === 0n) return done; // no committed primary waits for a draw: nothing to seal for
  if (rd.sealBlock === 0n) {
    await run(0, "sealed");
    return done;
  }
  for (const d of await pendingDraws(training, jobId, round)) {
    // the transaction lands in a later block than the head: the draw block must be the head or older
    if (BigInt(await provider.getBlockNumber()) >= d.block) await run(d.shard, `draw shard ${d.shard}`);
  }
  return done;
}
