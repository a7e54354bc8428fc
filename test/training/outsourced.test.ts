/**
 * TrainingJobs, outsourced mode, against the real OblivionCore: posting checks, the standby pool, the draws (checked
 * against the contract's formula over the drawn block's hash: audit, then replica and referee picks), the requester's
 * data-key release. Blind answers and verdicts are in test/security/T-01…T-08.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, drawWord, pickStart, passJoinCutoff, runDraw, assigned, commitAs, COLLATERAL, REWARD, AGG_FEE, ROUND_WINDOW, CLOSE_WINDOW } from "./fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const DATA_ROOT = ethers.id("data root");
const RELEASE = "0x1234";
const TWO = ethers.parseEther("2");

async function post(env: Env, over = {}) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 1, replicationBps: 10_000, dataRoot: DATA_ROOT, ...over });
  const value = await env.training.escrowFor(p);
  await env.training.connect(env.requester).postJob(p, { value });
  return { jobId: await env.training.jobCount(), value };
}

/** Primaries join and get their keys; `standby` workers enlist. */
async function populate(env: Env, jobId: bigint, primaries: Env["workers"], standby: Env["workers"]) {
  for (const w of primaries) {
    await env.training.connect(w).join(jobId, 0);
    const slot = Number(await env.training.slotOf(jobId, 0, w.address)) - 1;
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, slot, RELEASE);
  }
  for (const w of standby) await env.training.connect(w).enlist(jobId, 0);
}

const release = (env: Env, jobId: bigint, slot: number) => env.training.connect(env.requester).releaseDataKey(jobId, 0, slot, RELEASE);

describe("TrainingJobs outsourced mode", function () {
  it("posting checks the replication share, the data root and that verifiers get a quarter round window; escrow pays three seats a shard", async function () {
    const env = await loadFixture(deployTraining);
    const base = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, replicationBps: 2_500, dataRoot: DATA_ROOT });
    const need = await env.training.escrowFor(base);
    expect(need).to.equal(2n * (3n * 3n * REWARD + AGG_FEE)); // 2 rounds × (3 shards × 3 seats × reward + fee)
    const t = env.training.connect(env.requester);
    for (const [bps, root] of [[0, DATA_ROOT], [10_001, DATA_ROOT], [2_500, ethers.ZeroHash]] as const) {
      await expect(t.postJob({ ...base, replicationBps: bps, dataRoot: root }, { value: need }))
        .to.be.revertedWithCustomError(env.training, "InvalidOutsourcing")
        .withArgs(bps, root);
    }
    const fed = jobParams(env.aggregator.address);
    await expect(t.postJob({ ...fed, dataRoot: DATA_ROOT }, { value: await env.training.escrowFor(fed) })).to.be.revertedWithCustomError(env.training, "InvalidOutsourcing");
    await expect(t.postJob({ ...base, roundWindow: 600, closeWindow: 299 }, { value: need }))
      .to.be.revertedWithCustomError(env.training, "InvalidWindow")
      .withArgs(600, 299);
    await t.postJob(base, { value: need });
    const [audit, reveal, settle] = await env.training.auditTimes(1, 0);
    const rd = await env.training.getRound(1, 0);
    expect(audit).to.equal(rd.submitDeadline + BigInt(CLOSE_WINDOW / 2));
    expect(reveal).to.equal(rd.submitDeadline + BigInt((5 * CLOSE_WINDOW) / 8));
    expect(settle).to.equal(rd.submitDeadline + BigInt((3 * CLOSE_WINDOW) / 4));
    // federated jobs answer in one step, outsourced ones blind
    await expect(env.training.connect(env.workers[0]).submitUpdate(1, 0, ethers.id("x"), "bafyX")).to.be.revertedWithCustomError(env.training, "CommitRevealRequired");
  });

  it("standby pool: enlisting locks collateral until the cutoff, one role per worker, released after the round", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const [p, s1, s2, late] = env.workers;
    await env.training.connect(p).join(jobId, 0);
    await expect(env.training.connect(p).enlist(jobId, 0)).to.be.revertedWithCustomError(env.training, "AlreadyJoined").withArgs(p.address);
    await expect(env.training.connect(s1).enlist(jobId, 0)).to.emit(env.training, "StandbyEnlisted").withArgs(jobId, 0, s1.address, 0);
    await expect(env.training.connect(s1).join(jobId, 0)).to.be.revertedWithCustomError(env.training, "AlreadyJoined");
    await env.training.connect(s2).enlist(jobId, 0);
    expect(await env.core.lockedByManager(s1.address)).to.equal(COLLATERAL);
    await expect(env.training.connect(s1).releaseStandby(jobId, 0, s1.address)).to.be.revertedWithCustomError(env.training, "StandbyNotReleasable");
    await passJoinCutoff(env.training, jobId, 0);
    const cutoff = (await env.training.getRound(jobId, 0)).submitDeadline - BigInt(ROUND_WINDOW / 4);
    await expect(env.training.connect(late).enlist(jobId, 0)).to.be.revertedWithCustomError(env.training, "JoinWindowClosed").withArgs(cutoff);
    // the primary never committed: the round closes after the reveal deadline, then anyone releases the undrawn entries
    await time.increaseTo((await env.training.auditTimes(jobId, 0))[1] + 1n);
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash);
    await expect(env.training.connect(env.keeper).releaseStandby(jobId, 0, s1.address)).to.emit(env.training, "StandbyReleased").withArgs(jobId, 0, s1.address);
    await expect(env.training.releaseStandby(jobId, 0, s1.address)).to.be.revertedWithCustomError(env.training, "StandbyNotReleasable");
    await env.training.releaseStandby(jobId, 0, s2.address);
    for (const w of [s1, s2]) {
      expect(await env.core.lockedByManager(w.address)).to.equal(0n);
      expect(await env.stakeOf(w.address)).to.equal(TWO);
    }
  });

  it("the draw uses a block after the commitment and the pool's seal; an audited shard's replica and referee come from the pool", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env, { participantsPerRound: 2, replicationBps: 5_000 });
    const [a, b, ...pool] = env.workers.slice(0, 8);
    await populate(env, jobId, [a, b], pool);
    const addr = await env.training.getAddress();
    const c = await commitAs(env.training, a, jobId, 0, ethers.id("a"));
    const ev = (await env.training.queryFilter(env.training.filters.ReplicationPending(jobId)))[0];
    expect(ev.args.drawBlock).to.equal(BigInt(ev.blockNumber) + 1n);
    expect((await env.training.getSlot(jobId, 0, 0)).state).to.equal(2n); // Committed: nothing decided, nothing revealed
    expect((await env.training.getSlot(jobId, 0, 0)).updateHash).to.equal(c.commitment);
    await commitAs(env.training, b, jobId, 0, ethers.id("b"));
    const cutoff = (await env.training.getRound(jobId, 0)).submitDeadline - BigInt(ROUND_WINDOW / 4);
    await expect(env.training.resolveDraw(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "StandbyOpen").withArgs(cutoff);
    await passJoinCutoff(env.training, jobId, 0);
    const seal = env.training.resolveDraw(jobId, 0, 0);
    const sealBlock = BigInt((await (await seal).wait())!.blockNumber);
    await expect(seal).to.emit(env.training, "StandbySealed").withArgs(jobId, 0, sealBlock);
    for (const shard of [0, 1]) {
      const { rc, blockHash, target } = await runDraw(env.training, jobId, 0, shard, env.keeper);
      expect(target).to.equal(sealBlock); // both primaries committed before the seal: the seal block's hash decides
      const word = drawWord(addr, blockHash, jobId, 0, shard, 1);
      const drawn = rc.logs.map((l) => env.training.interface.parseLog(l)).find((e) => e?.name === "ReplicationDrawn")!;
      expect(drawn.args.replicated).to.equal(word % 10_000n < 5_000n);
      const seats = assigned(env.training, rc);
      if (!drawn.args.replicated) {
        expect(seats).to.have.length(0);
        continue;
      }
      expect(seats.map((v) => v.slot)).to.deep.equal([2 * shard + 1, 4 + shard]);
      const rd = await env.training.getRound(jobId, 0);
      // the first pick scans from a position drawn by the same word to the next free entry
      let i = pickStart(word, seats[0].slot, Number(rd.standby));
      while ((await env.training.getStandby(jobId, 0, i)).worker !== seats[0].worker) i = (i + 1) % Number(rd.standby);
      for (const v of seats) expect(pool.map((w) => w.address)).to.include(v.worker);
      expect(seats[0].worker).to.not.equal(seats[1].worker);
    }
  });






  it("data keys: requester only, joined slots only, once, before the slot's deadline", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const [a] = env.workers;
    const t = env.training.connect(env.requester);
    await expect(t.releaseDataKey(jobId, 0, 0, RELEASE)).to.be.revertedWithCustomError(env.training, "SlotNotAwaitingKey").withArgs(0);
    await env.training.connect(a).join(jobId, 0);
    await expect(env.training.connect(a).releaseDataKey(jobId, 0, 0, RELEASE))
      .to.be.revertedWithCustomError(env.training, "NotRequester")
      .withArgs(a.address, env.requester.address);
    await expect(t.releaseDataKey(jobId, 0, 0, RELEASE)).to.emit(env.training, "DataKeyReleased").withArgs(jobId, 0, 0, a.address, RELEASE);
    await expect(t.releaseDataKey(jobId, 0, 0, RELEASE)).to.be.revertedWithCustomError(env.training, "KeyAlreadyReleased").withArgs(0);
    expect((await env.training.getSlot(jobId, 0, 0)).keyReleasedAt).to.be.greaterThan(0n);
    const [audit] = await env.training.auditTimes(jobId, 0);
    await time.increaseTo(audit + 1n);
    await expect(t.releaseDataKey(jobId, 0, 1, RELEASE)).to.be.revertedWithCustomError(env.training, "AuditWindowClosed").withArgs(audit);

    const fed = jobParams(env.aggregator.address);
    await t.postJob(fed, { value: await env.training.escrowFor(fed) });
    await env.training.connect(a).join(2, 0);
    await expect(t.releaseDataKey(2, 0, 0, RELEASE)).to.be.revertedWithCustomError(env.training, "NotOutsourced");
  });


});
