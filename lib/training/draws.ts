/**
 * The outsourced round's draws, as anyone sees and runs them (ITrainingJobs.resolveDraw is permissionless): after a
 * primary submits, the hash of a later block decides whether its shard is replicated and which standby entry becomes
 * its replica; after a mismatch, which one becomes its referee. Draws wait for the join cutoff (the pool is sealed by
 * the first resolveDraw after it) and for their block to be mined. Workers, the requester and keepers all call
 * `resolveReadyDraws` in their loops, so a draw is run within a block or two and never ages out.
 */
import type { TrainingJobs } from "../../typechain-types";
import { revertName } from "../chain/errors";
import { slotState } from "./params";

export type DrawStage = "draw" | "pick-replica" | "pick-referee";

/** ITrainingJobs' stage constants (part of the draw's hash preimage). */
export const DRAW_STAGES: Record<DrawStage, number> = { draw: 1, "pick-replica": 2, "pick-referee": 3 };

export interface PendingDraw {
  shard: number;
  stage: DrawStage;
  /** Block whose hash the draw uses. */
  block: bigint;
}

/** The shards of the job's current round whose draw is pending (ready or not), as the contract would classify them. */
export async function pendingDraws(training: TrainingJobs, jobId: bigint, round: number): Promise<PendingDraw[]> {
  const job = await training.getJob(jobId);
  const shards = Number(job.participantsPerRound);
  const rd = await training.getRound(jobId, round);
  const out: PendingDraw[] = [];
  for (let s = 0; s < shards; s++) {
    const p = await training.getSlot(jobId, round, 2 * s);
    const state = slotState(p.state);
    if (state === "submitted" && p.drawBlock !== 0n) {
      out.push({ shard: s, stage: "draw", block: p.drawBlock > rd.sealBlock ? p.drawBlock : rd.sealBlock });
      continue;
    }
    if (state !== "submitted" && state !== "disputed") continue;
    const r = await training.getSlot(jobId, round, 2 * s + 1);
    if (r.drawBlock === 0n) continue;
    if (state === "submitted" && slotState(r.state) === "empty") out.push({ shard: s, stage: "pick-replica", block: r.drawBlock });
    if (state === "disputed" && slotState((await training.getSlot(jobId, round, 2 * shards + s)).state) === "empty") {
      out.push({ shard: s, stage: "pick-referee", block: r.drawBlock });
    }
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
  if (rd.sealBlock === 0n) {
    await run(0, "sealed");
    return done;
  }
  for (const d of await pendingDraws(training, jobId, round)) {
    // the transaction lands in a later block than the head: the draw block must be the head or older
    if (BigInt(await provider.getBlockNumber()) >= d.block) await run(d.shard, `${d.stage} shard ${d.shard}`);
  }
  return done;
}
