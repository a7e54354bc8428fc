/**
 * TrainingJobs, outsourced mode, against the real OblivionCore: the standby pool, the draws (checked against the
 * contract's formula over the drawn block's hash), replica match / mismatch / referee with payment at acceptance, the
 * requester's data-key release, and what a late or missing release does to a silent slot.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, drawWord, pickStart, passJoinCutoff, runDraw, assigned, COLLATERAL, REWARD, AGG_FEE, ROUND_WINDOW, CLOSE_WINDOW } from "./fixture";

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
  it("posting checks the replication share, the data root and that verifiers get a quarter round window", async function () {
    const env = await loadFixture(deployTraining);
    const base = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, replicationBps: 2_500, dataRoot: DATA_ROOT });
    const need = await env.training.escrowFor(base);
    expect(need).to.equal(2n * (2n * 3n * REWARD + AGG_FEE));
    const t = env.training.connect(env.requester);
    for (const [bps, root] of [[0, DATA_ROOT], [10_001, DATA_ROOT], [2_500, ethers.ZeroHash]] as const) {
      await expect(t.postJob({ ...base, replicationBps: bps, dataRoot: root }, { value: need }))
        .to.be.revertedWithCustomError(env.training, "InvalidOutsourcing")
        .withArgs(bps, root);
    }
    const fed = jobParams(env.aggregator.address);
    await expect(t.postJob({ ...fed, dataRoot: DATA_ROOT }, { value: await env.training.escrowFor(fed) })).to.be.revertedWithCustomError(
      env.training,
      "InvalidOutsourcing",
    );
    // the audit window (closeWindow / 2) must hold the quarter round window a verifier gets for its work
    await expect(t.postJob({ ...base, roundWindow: 600, closeWindow: 299 }, { value: need }))
      .to.be.revertedWithCustomError(env.training, "InvalidWindow")
      .withArgs(600, 299);
    await t.postJob(base, { value: need });
    const job = await env.training.getJob(1);
    expect(job.replicationBps).to.equal(2_500n);
    expect(job.dataRoot).to.equal(DATA_ROOT);
    const [audit, settle] = await env.training.auditTimes(1, 0);
    const rd = await env.training.getRound(1, 0);
    expect(audit).to.equal(rd.submitDeadline + BigInt(CLOSE_WINDOW / 2));
    expect(settle).to.equal(rd.submitDeadline + BigInt((3 * CLOSE_WINDOW) / 4));
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
    expect(await env.training.standbyOf(jobId, 0, s2.address)).to.equal(2n);
    await expect(env.training.connect(s1).releaseStandby(jobId, 0, s1.address))
      .to.be.revertedWithCustomError(env.training, "StandbyNotReleasable")
      .withArgs(s1.address);
    await passJoinCutoff(env.training, jobId, 0);
    const cutoff = (await env.training.getRound(jobId, 0)).submitDeadline - BigInt(ROUND_WINDOW / 4);
    await expect(env.training.connect(late).enlist(jobId, 0)).to.be.revertedWithCustomError(env.training, "JoinWindowClosed").withArgs(cutoff);

    const fed = jobParams(env.aggregator.address);
    await env.training.connect(env.requester).postJob(fed, { value: await env.training.escrowFor(fed) });
    await expect(env.training.connect(s1).enlist(2, 0)).to.be.revertedWithCustomError(env.training, "NotOutsourced");

    // the primary never got to submit in time: the round closes, then anyone releases the undrawn entries
    await time.increaseTo((await env.training.auditTimes(jobId, 0))[0] + 1n);
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash);
    await expect(env.training.connect(env.keeper).releaseStandby(jobId, 0, s1.address)).to.emit(env.training, "StandbyReleased").withArgs(jobId, 0, s1.address);
    await expect(env.training.releaseStandby(jobId, 0, s1.address)).to.be.revertedWithCustomError(env.training, "StandbyNotReleasable");
    await expect(env.training.releaseStandby(jobId, 0, late.address)).to.be.revertedWithCustomError(env.training, "StandbyNotReleasable");
    await env.training.releaseStandby(jobId, 0, s2.address);
    for (const w of [s1, s2]) {
      expect(await env.core.lockedByManager(w.address)).to.equal(0n);
      expect(await env.stakeOf(w.address)).to.equal(TWO);
    }
  });

  it("the draw uses a block after the submission and the pool's seal; a drawn shard's replica comes from the pool", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env, { participantsPerRound: 2, replicationBps: 5_000 });
    const [a, b, ...pool] = env.workers.slice(0, 8);
    await populate(env, jobId, [a, b], pool);
    const addr = await env.training.getAddress();

    const tx = env.training.connect(a).submitUpdate(jobId, 0, ethers.id("a"), "bafyA");
    const submitBlock = BigInt((await (await tx).wait())!.blockNumber);
    await expect(tx).to.emit(env.training, "ReplicationPending").withArgs(jobId, 0, 0, submitBlock + 1n);
    await expect(tx).to.not.emit(env.training, "ReplicationDrawn");
    expect((await env.training.getSlot(jobId, 0, 0)).state).to.equal(2n); // Submitted: nothing is decided yet
    await env.training.connect(b).submitUpdate(jobId, 0, ethers.id("b"), "bafyB");
    const cutoff = (await env.training.getRound(jobId, 0)).submitDeadline - BigInt(ROUND_WINDOW / 4);
    await expect(env.training.resolveDraw(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "StandbyOpen").withArgs(cutoff);
    await passJoinCutoff(env.training, jobId, 0);
    const seal = env.training.resolveDraw(jobId, 0, 0);
    const sealBlock = BigInt((await (await seal).wait())!.blockNumber) + 1n;
    await expect(seal).to.emit(env.training, "StandbySealed").withArgs(jobId, 0, sealBlock);
    await expect(env.training.resolveDraw(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "DrawNotReady").withArgs(sealBlock);

    for (const shard of [0, 1]) {
      const { rc, blockHash, target } = await runDraw(env.training, jobId, 0, shard, env.keeper);
      expect(target).to.equal(sealBlock); // both primaries submitted before the seal: the seal block's hash decides
      const word = drawWord(addr, blockHash, jobId, 0, shard, 1);
      const replicated = word % 10_000n < 5_000n;
      const drawn = rc.logs.map((l) => env.training.interface.parseLog(l)).find((e) => e?.name === "ReplicationDrawn")!;
      expect(drawn.args.replicated).to.equal(replicated);
      const primary = shard === 0 ? a : b;
      if (!replicated) {
        expect((await env.training.getSlot(jobId, 0, 2 * shard)).state).to.equal(4n); // Accepted, and paid at once
        expect(await env.training.balanceOf(primary.address)).to.equal(REWARD);
        continue;
      }
      const [v] = assigned(env.training, rc);
      expect(v.slot).to.equal(2 * shard + 1);
      // the pick scans from a position drawn by the same word to the next free entry
      const rd = await env.training.getRound(jobId, 0);
      let i = pickStart(word, v.slot, Number(rd.standby));
      while ((await env.training.getStandby(jobId, 0, i)).worker !== v.worker) i = (i + 1) % Number(rd.standby);
      expect(pool.map((w) => w.address)).to.include(v.worker);
      const replica = env.signer(v.worker);
      await expect(env.training.connect(replica).submitUpdate(jobId, 0, ethers.id(shard === 0 ? "a" : "b"), "bafyR"))
        .to.be.revertedWithCustomError(env.training, "KeyNotReleased")
        .withArgs(v.slot);
      await release(env, jobId, v.slot);
      await expect(env.training.connect(replica).submitUpdate(jobId, 0, ethers.id(shard === 0 ? "a" : "b"), "bafyR")).to.emit(env.training, "ReplicasMatched");
      for (const w of [primary, replica]) {
        expect(await env.training.balanceOf(w.address)).to.equal(REWARD); // paid when accepted, not at close
        expect(await env.core.lockedByManager(w.address)).to.equal(0n);
      }
    }
    const mask = await env.training.paidMask(jobId, 0);
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, mask ^ 1n, "bafyN", ethers.id("agg")))
      .to.be.revertedWithCustomError(env.training, "MaskMismatch")
      .withArgs(mask, mask ^ 1n);
    await env.training.connect(env.aggregator).closeRound(jobId, 0, mask, "bafyN", ethers.id("agg"));
    for (const w of pool) {
      const idx = Number(await env.training.standbyOf(jobId, 0, w.address)) - 1;
      if (Number((await env.training.getStandby(jobId, 0, idx)).status) === 0) await env.training.releaseStandby(jobId, 0, w.address);
      expect(await env.core.lockedByManager(w.address)).to.equal(0n);
      expect(await env.stakeOf(w.address)).to.equal(TWO);
    }
  });

  it("replica mismatch draws a referee from the pool; the disagreeing replica is slashed to the treasury", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const [honest, ...pool] = env.workers.slice(0, 5);
    await populate(env, jobId, [honest], pool);
    const good = ethers.id("honest update");
    await env.training.connect(honest).submitUpdate(jobId, 0, good, "bafyA");
    const [rep] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await release(env, jobId, 1);
    const mismatch = env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, ethers.id("lazy update"), "bafyB");
    const at = BigInt((await (await mismatch).wait())!.blockNumber);
    await expect(mismatch).to.emit(env.training, "ReplicaMismatch").withArgs(jobId, 0, 0, good, ethers.id("lazy update"), at + 1n);
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, 0b1, "bafyN", ethers.id("agg"))).to.be.revertedWithCustomError(
      env.training,
      "RoundNotClosable",
    );
    const [ref] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    expect(ref.slot).to.equal(2);
    expect(ref.worker).to.not.equal(rep.worker);
    await expect(env.training.resolveDraw(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "NothingToDraw").withArgs(0);
    await release(env, jobId, 2);
    const treasuryBefore = await env.core.balanceOf(env.treasury.address);
    await expect(env.training.connect(env.signer(ref.worker)).submitUpdate(jobId, 0, good, "bafyR"))
      .to.emit(env.training, "DisputeResolved")
      .withArgs(jobId, 0, 0, good, rep.worker)
      .and.to.emit(env.core, "ManagerSlashed")
      .withArgs(rep.worker, COLLATERAL, env.treasury.address, ref.worker, COLLATERAL / 2n, COLLATERAL / 10n, (COLLATERAL * 4n) / 10n);
    expect((await env.core.balanceOf(env.treasury.address)) - treasuryBefore).to.equal(COLLATERAL - COLLATERAL / 10n);
    expect(await env.core.balanceOf(env.requester.address)).to.equal(0n);
    expect(await env.stakeOf(rep.worker)).to.equal(TWO - COLLATERAL);
    for (const w of [honest.address, ref.worker]) expect(await env.training.balanceOf(w)).to.equal(REWARD);
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 0b101, "bafyN", ethers.id("agg"));
    expect(await env.training.balanceOf(rep.worker)).to.equal(0n);
    for (const w of [honest.address, rep.worker, ref.worker]) expect(await env.core.lockedByManager(w)).to.equal(0n);
  });

  it("when all three hashes differ nobody is paid or slashed", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const [a, ...pool] = env.workers.slice(0, 5);
    await populate(env, jobId, [a], pool);
    await env.training.connect(a).submitUpdate(jobId, 0, ethers.id("a"), "bafyA");
    const [rep] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await release(env, jobId, 1);
    await env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, ethers.id("b"), "bafyB");
    const [ref] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await release(env, jobId, 2);
    await expect(env.training.connect(env.signer(ref.worker)).submitUpdate(jobId, 0, ethers.id("r"), "bafyR"))
      .to.emit(env.training, "DisputeResolved")
      .withArgs(jobId, 0, 0, ethers.id("r"), ethers.ZeroAddress);
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash);
    for (const w of [a.address, rep.worker, ref.worker]) {
      expect(await env.training.balanceOf(w)).to.equal(0n);
      expect(await env.core.lockedByManager(w)).to.equal(0n);
      expect(await env.stakeOf(w)).to.equal(TWO);
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

  it("a silent slot is slashed only if its key came a quarter window before its deadline; late or missing keys void it", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId, value } = await post(env, { participantsPerRound: 3, replicationBps: 10_000 });
    const [onTime, late, never] = env.workers;
    const t = env.training.connect(env.requester);
    for (const w of [onTime, late, never]) await env.training.connect(w).join(jobId, 0);
    await t.releaseDataKey(jobId, 0, 0, RELEASE);
    const round = await env.training.getRound(jobId, 0);
    await passJoinCutoff(env.training, jobId, 0);
    await t.releaseDataKey(jobId, 0, 2, RELEASE); // after the cutoff: the worker may still submit, but is not slashable
    await time.increaseTo(round.submitDeadline + 1n);
    await expect(t.releaseDataKey(jobId, 0, 4, RELEASE)).to.be.revertedWithCustomError(env.training, "SubmitWindowClosed");
    await time.increase(CLOSE_WINDOW / 2);

    const close = env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash);
    // neither the requester, who controls the key release, nor its aggregator gets anything from the slash
    await expect(close).to.emit(env.training, "ParticipantSlashed").withArgs(jobId, 0, onTime.address, COLLATERAL, env.treasury.address);
    await expect(close)
      .to.emit(env.core, "ManagerSlashed")
      .withArgs(onTime.address, COLLATERAL, env.treasury.address, env.treasury.address, COLLATERAL / 2n, COLLATERAL / 10n, (COLLATERAL * 4n) / 10n);
    expect(await env.core.balanceOf(env.requester.address)).to.equal(0n);
    expect(await env.core.balanceOf(env.aggregator.address)).to.equal(0n);
    await expect(close).to.emit(env.training, "SlotVoided").withArgs(jobId, 0, late.address, 2);
    await expect(close).to.emit(env.training, "SlotVoided").withArgs(jobId, 0, never.address, 4);
    expect(await env.stakeOf(onTime.address)).to.equal(ethers.parseEther("1"));
    for (const w of [late, never]) {
      expect(await env.stakeOf(w.address)).to.equal(TWO);
      expect(await env.core.lockedByManager(w.address)).to.equal(0n);
    }
    // nothing was paid but the aggregator's fee: the rest of the escrow goes back to the requester
    await t.refund(jobId);
    expect(await env.training.balanceOf(env.requester.address)).to.equal(value - AGG_FEE);
  });

  it("an audit the pool cannot staff (keeping a referee back) is accepted unverified", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env, { participantsPerRound: 2 });
    const [a, b, s1, s2, s3] = env.workers;
    await populate(env, jobId, [a, b], [s1, s2, s3]);
    await env.training.connect(a).submitUpdate(jobId, 0, ethers.id("a"), "bafyA");
    await env.training.connect(b).submitUpdate(jobId, 0, ethers.id("b"), "bafyB");
    expect(assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc)).to.have.length(1); // 3 free: replica + a referee held back
    const { rc } = await runDraw(env.training, jobId, 0, 1); // 2 free, 1 held: no replica and referee left for shard 1
    const unstaffed = rc.logs.map((l) => env.training.interface.parseLog(l)).find((e) => e?.name === "AuditUnstaffed");
    expect(unstaffed?.args.toArray()).to.deep.equal([jobId, 0n, 1n]);
    expect(await env.training.balanceOf(b.address)).to.equal(REWARD);
    expect((await env.training.getRound(jobId, 0)).refereesReserved).to.equal(1n);
  });
});
