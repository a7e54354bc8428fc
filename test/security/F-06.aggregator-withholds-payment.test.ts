/**
 * F-06: a requester acting as its own aggregator never closed an outsourced round, let it expire and got the escrow
 * back, while the verified updates stayed readable on storage. Now an outsourced update is paid when it is accepted on
 * chain (undrawn, replicas matched, referee verdict), anyone may settle a round the aggregator leaves unclosed, and an
 * expired outsourced round pays what was decided. Against the real OblivionCore.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, runDraw, assigned, REWARD, AGG_FEE } from "../training/fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const RELEASE = "0x1234";
const hash = (s: number) => ethers.id(`update ${s}`);

/** An outsourced job whose requester is its own aggregator; `shards` primaries submit honest updates. */
async function selfAggregated(env: Env, shards: number, maxRounds = 1) {
  const p = jobParams(env.requester.address, { mode: 1, rule: 0, trim: 0, maxRounds, participantsPerRound: shards, replicationBps: 10_000, dataRoot: ethers.id("root") });
  const value = await env.training.escrowFor(p);
  await env.training.connect(env.requester).postJob(p, { value });
  const jobId = await env.training.jobCount();
  const primaries = env.workers.slice(0, shards);
  const pool = env.workers.slice(shards, shards + 2 * shards + 1);
  for (const [s, w] of primaries.entries()) {
    await env.training.connect(w).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 2 * s, RELEASE);
  }
  for (const w of pool) await env.training.connect(w).enlist(jobId, 0);
  for (const [s, w] of primaries.entries()) await env.training.connect(w).submitUpdate(jobId, 0, hash(s), `bafy${s}`);
  return { jobId, value, primaries };
}

/** Draws shard s's replica, releases its key, and lets it submit the same update. */
async function verify(env: Env, jobId: bigint, s: number) {
  const [rep] = assigned(env.training, (await runDraw(env.training, jobId, 0, s)).rc);
  await env.training.connect(env.requester).releaseDataKey(jobId, 0, rep.slot, RELEASE);
  await env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, hash(s), "bafyR");
  return rep.worker;
}

describe("F-06 aggregator withholding payment", function () {
  it("F-06 verified updates are paid on acceptance; a round left unclosed is expired with its decided slots paid", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId, value, primaries } = await selfAggregated(env, 2);
    const replicas = [await verify(env, jobId, 0), await verify(env, jobId, 1)];
    // 4 verified updates, all paid before the requester-aggregator does anything
    for (const w of [...primaries.map((p) => p.address), ...replicas]) expect(await env.training.balanceOf(w)).to.equal(REWARD);
    // it never closes; at the close deadline anyone expires the round: nothing decided is taken back
    await time.increaseTo((await env.training.getRound(jobId, 0)).closeDeadline + 1n);
    await env.training.connect(env.keeper).expireRound(jobId);
    await env.training.connect(env.requester).refund(jobId);
    expect(await env.training.balanceOf(env.requester.address)).to.equal(value - 4n * REWARD);
    for (const w of [...primaries.map((p) => p.address), ...replicas]) {
      expect(await env.training.balanceOf(w)).to.equal(REWARD);
      expect(await env.core.lockedByManager(w)).to.equal(0n);
    }
  });

  it("F-06 anyone settles a round its aggregator leaves unclosed: an unverified primary is paid too, the job goes on", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId, primaries } = await selfAggregated(env, 2, 2);
    await verify(env, jobId, 0);
    await runDraw(env.training, jobId, 0, 1); // shard 1's replica is drawn, but the requester never releases its key
    const [, settleFrom] = await env.training.auditTimes(jobId, 0);
    await time.increaseTo(settleFrom - 2n);
    await expect(env.training.connect(env.keeper).settleRound(jobId, 0))
      .to.be.revertedWithCustomError(env.training, "SettleTooEarly")
      .withArgs(settleFrom);
    await time.increaseTo(settleFrom);
    const mask = await env.training.paidMask(jobId, 0);
    expect(mask).to.equal(0b111n); // shard 0's two verified updates, shard 1's primary with no verdict against it
    await expect(env.training.connect(env.keeper).settleRound(jobId, 0)).to.emit(env.training, "RoundSettled").withArgs(jobId, 0, mask, env.keeper.address);
    expect(await env.training.balanceOf(primaries[1].address)).to.equal(REWARD);
    const job = await env.training.getJob(jobId);
    expect(job.round).to.equal(1n); // the next round opened; the model stayed, the aggregator got no fee
    expect(job.modelCid).to.equal("bafyinitial");
    expect(await env.training.balanceOf(env.requester.address)).to.equal(0n);
  });

  it("F-06 honest path: the aggregator closes with the paid mask and is paid its fee", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await selfAggregated(env, 1);
    await verify(env, jobId, 0);
    await env.training.connect(env.requester).closeRound(jobId, 0, 0b11, "bafyNext", ethers.id("agg"));
    expect(await env.training.balanceOf(env.requester.address)).to.equal(AGG_FEE);
    expect((await env.training.getJob(jobId)).modelCid).to.equal("bafyNext");
  });
});
