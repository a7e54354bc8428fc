/** Shared set-up of the T-series training attacks: an outsourced job on the real core, primaries joined, a pool enlisted. */
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { commitAs, deployTraining, jobParams, runDraw } from "../training/fixture";

export type Env = Awaited<ReturnType<typeof deployTraining>>;
export const RELEASE = "0x1234";
export const H = ethers.id("the honest update of shard 0");
export const JUNK = ethers.id("junk");

/** Posts an outsourced job (one round), joins `shards` primaries (workers 0…), enlists `pool` standby entries, releases the primaries' keys. */
export async function outsourcedJob(env: Env, o: { shards: number; bps: number; pool: number; first?: number }) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: o.shards, replicationBps: o.bps, dataRoot: ethers.id("root") });
  await (await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) })).wait();
  const job = await env.training.jobCount();
  const first = o.first ?? 0;
  const primaries = env.workers.slice(first, first + o.shards);
  const pool = env.workers.slice(first + o.shards, first + o.shards + o.pool);
  for (const w of primaries) await env.training.connect(w).join(job, 0);
  for (const w of pool) await env.training.connect(w).enlist(job, 0);
  for (let s = 0; s < o.shards; s++) await env.training.connect(env.requester).releaseDataKey(job, 0, 2 * s, RELEASE);
  return { job, primaries, pool };
}

/** The signer holding `slot`. */
export async function holder(env: Env, job: bigint, slot: number): Promise<HardhatEthersSigner> {
  return env.signer((await env.training.getSlot(job, 0, slot)).worker);
}

/** Stake in the core plus pull balances (core and training) of `a`. */
export async function wealth(env: Env, a: string): Promise<bigint> {
  return (await env.stakeOf(a)) + (await env.core.balanceOf(a)) + (await env.training.balanceOf(a));
}

/** One audited shard: its primary committed blind to `answer`, the draw run; returns the three seat holders. */
export async function auditedShard(env: Env, answer: string) {
  const { job, primaries } = await outsourcedJob(env, { shards: 1, bps: 10_000, pool: 2 });
  await commitAs(env.training, primaries[0], job, 0, answer);
  await runDraw(env.training, job, 0, 0);
  return { job, primary: primaries[0], rep: await holder(env, job, 1), ref: await holder(env, job, 2) };
}
