/**
 * TrainingJobs against the real core: each call made by the wrong party, for the wrong job or round, or at the
 * wrong time gets its named error and changes nothing; plus the verdict and payout paths the scenario tests leave
 * out (a draw nobody ran, a silent referee beside an agreeing replica, a slash keeper that is the requester, a
 * withdrawal to an account that refuses value). Posting checks are in params.test.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { AGG_FEE, blind, commitAs, COLLATERAL, deployTraining, jobParams, passJoinCutoff, revealAs, runDraw } from "./fixture";
import { auditedShard, H, holder, JUNK, outsourcedJob, RELEASE, type Env } from "../security/training-seats";

const U = ethers.id("an update");

async function federated(env: Env, over = {}) {
  const p = jobParams(env.aggregator.address, over);
  await (await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) })).wait();
  return env.training.jobCount();
}

describe("TrainingJobs: refusals and the less travelled verdicts", function () {
  it("federated: unknown jobs, wrong rounds, parties of the job, a full round, bad or repeated updates, early or late closes", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const [w0, w1, w2, w3, w4] = env.workers;
    const job = await federated(env); // 3 participants, 2 rounds
    const unknown = [() => t.join(99, 0), () => t.getJob(99), () => t.paidMask(99, 0), () => t.auditTimes(99, 0), () => t.expireRound(99), () => t.connect(env.requester).refund(99), () => t.releaseStandby(99, 0, w0.address)];
    for (const call of unknown) await expect(call()).to.be.revertedWithCustomError(t, "JobNotFound").withArgs(99);
    await expect(t.connect(w0).join(job, 1)).to.be.revertedWithCustomError(t, "RoundNotCurrent").withArgs(job, 1, 0);
    await expect(t.connect(w0).enlist(job, 0)).to.be.revertedWithCustomError(t, "NotOutsourced").withArgs(job);
    await expect(t.paidMask(job, 0)).to.be.revertedWithCustomError(t, "NotOutsourced").withArgs(job);
    for (const party of [env.requester, env.aggregator]) {
      await expect(t.connect(party).join(job, 0)).to.be.revertedWithCustomError(t, "PartyOfJob").withArgs(party.address);
    }
    for (const w of [w0, w1, w2]) await t.connect(w).join(job, 0);
    await expect(t.connect(w3).join(job, 0)).to.be.revertedWithCustomError(t, "RoundFull").withArgs(job, 0);

    await expect(t.connect(w3).submitUpdate(job, 0, U, "bafyu")).to.be.revertedWithCustomError(t, "NotParticipant").withArgs(w3.address);
    await expect(t.connect(w0).submitUpdate(job, 0, ethers.ZeroHash, "bafyu")).to.be.revertedWithCustomError(t, "ZeroUpdateHash");
    await expect(t.connect(w0).submitUpdate(job, 0, U, "")).to.be.revertedWithCustomError(t, "EmptyUpdateCid");
    await t.connect(w0).submitUpdate(job, 0, U, "bafyu");
    await expect(t.connect(w0).submitUpdate(job, 0, ethers.id("again"), "bafyu")).to.be.revertedWithCustomError(t, "AlreadySubmitted").withArgs(w0.address);
    await t.connect(w1).submitUpdate(job, 0, ethers.id("w1"), "bafyu1");
    // w2 stays silent: the round is incomplete until its submission deadline
    const agg = t.connect(env.aggregator);
    await expect(agg.closeRound(job, 0, 1, "bafynext", H)).to.be.revertedWithCustomError(t, "RoundNotClosable").withArgs(job, 0);
    const rd = await t.getRound(job, 0);
    await time.increaseTo(rd.submitDeadline + 1n);
    await expect(t.connect(w4).join(job, 0)).to.be.revertedWithCustomError(t, "SubmitWindowClosed").withArgs(rd.submitDeadline);
    await expect(agg.closeRound(job, 0, 1, "", H)).to.be.revertedWithCustomError(t, "EmptyNextModelCid");
    await expect(agg.closeRound(job, 0, 1, "bafynext", ethers.ZeroHash)).to.be.revertedWithCustomError(t, "ZeroAggregateHash");
    await expect(agg.closeRound(job, 0, 1n << 3n, "bafynext", H)).to.be.revertedWithCustomError(t, "AcceptedSlotNotSubmitted").withArgs(3);
    await expect(t.connect(env.requester).refund(job)).to.be.revertedWithCustomError(t, "JobStillActive").withArgs(job);
    await expect(agg.closeRound(job, 0, 3, "bafynext", H)).to.emit(t, "RoundClosed").withArgs(job, 0, 3, "bafynext", H);

    // round 1: a silent participant, a close too late, and the requester as the keeper of the expiry
    await t.connect(w3).join(job, 1);
    const rd1 = await t.getRound(job, 1);
    await time.increaseTo(rd1.closeDeadline + 1n);
    await expect(agg.closeRound(job, 1, 0, "bafynext", ethers.ZeroHash)).to.be.revertedWithCustomError(t, "CloseWindowPassed").withArgs(rd1.closeDeadline);
    // the requester may not earn from a slash on its own job: the keeper share goes to the treasury
    await expect(t.connect(env.requester).expireRound(job))
      .to.emit(t, "ParticipantSlashed")
      .withArgs(job, 1, w3.address, COLLATERAL, env.treasury.address);
    await expect(t.expireRound(job)).to.be.revertedWithCustomError(t, "JobNotActive").withArgs(job);
    await expect(t.connect(env.requester).refund(job)).to.emit(t, "EscrowRefunded");
    await expect(t.connect(env.requester).refund(job)).to.be.revertedWithCustomError(t, "NothingToRefund").withArgs(job);
  });

  it("a finished job takes no joins; a withdrawal to an account that refuses value reverts TransferFailed and keeps the balance", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    await expect((await ethers.getContractFactory("TrainingJobs")).deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(t, "ZeroAddress");
    const requester = await (await ethers.getContractFactory("RejectingReceiver")).deploy();
    const p = jobParams(env.aggregator.address, { maxRounds: 1 });
    const escrow = await t.escrowFor(p);
    await requester.call(t, t.interface.encodeFunctionData("postJob", [p]), { value: escrow });
    const job = await t.jobCount();
    const rd = await t.getRound(job, 0);
    await time.increaseTo(rd.submitDeadline + 1n);
    await t.connect(env.aggregator).closeRound(job, 0, 0, "bafynext", ethers.ZeroHash); // nobody joined: nothing to pay
    expect((await t.getJob(job)).status).to.equal(1n); // Finished
    await expect(t.connect(env.workers[0]).join(job, 0)).to.be.revertedWithCustomError(t, "BudgetExhausted").withArgs(job, 1);
    await requester.call(t, t.interface.encodeFunctionData("refund", [job]));
    const owed = await t.balanceOf(await requester.getAddress());
    expect(owed).to.equal(escrow - AGG_FEE);
    await expect(requester.call(t, t.interface.encodeFunctionData("withdraw")))
      .to.be.revertedWithCustomError(t, "TransferFailed")
      .withArgs(await requester.getAddress(), owed);
    expect(await t.balanceOf(await requester.getAddress())).to.equal(owed);
  });

  it("outsourced: draws out of range, not ready or already run, blind answers that are empty, repeated, early or late, and windows that closed", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primaries } = await outsourcedJob(env, { shards: 1, bps: 10_000, pool: 2 });
    const primary = primaries[0];
    const outsider = env.workers[10];
    await expect(t.resolveDraw(job, 0, 1)).to.be.revertedWithCustomError(t, "ShardOutOfRange").withArgs(1);
    await passJoinCutoff(t, job, 0);
    await expect(t.resolveDraw(job, 0, 0)).to.emit(t, "StandbySealed");
    await expect(t.connect(primary).commitUpdate(job, 0, ethers.ZeroHash)).to.be.revertedWithCustomError(t, "ZeroUpdateHash");
    await commitAs(t, primary, job, 0, H);
    // the draw reads the block after the commitment: this one is too early
    const drawBlock = (await t.getSlot(job, 0, 0)).drawBlock;
    await expect(t.resolveDraw(job, 0, 0)).to.be.revertedWithCustomError(t, "DrawNotReady").withArgs(drawBlock);
    await expect(t.connect(primary).commitUpdate(job, 0, blind(await t.getAddress(), job, 0, primary.address, H).commitment))
      .to.be.revertedWithCustomError(t, "AlreadySubmitted")
      .withArgs(primary.address);
    await expect(revealAs(t, primary, job, 0, H)).to.be.revertedWithCustomError(t, "RevealTooEarly").withArgs(0);
    await mine(1);
    await expect(t.resolveDraw(job, 0, 0)).to.emit(t, "VerifierAssigned");
    await expect(t.resolveDraw(job, 0, 0)).to.be.revertedWithCustomError(t, "NothingToDraw").withArgs(0);
    const rep = await holder(env, job, 1);
    await expect(revealAs(t, rep, job, 0, H)).to.be.revertedWithCustomError(t, "NothingToReveal").withArgs(1);
    const b = blind(await t.getAddress(), job, 0, primary.address, H);
    await expect(t.connect(outsider).revealUpdate(job, 0, b.hash, b.salt, "bafyu")).to.be.revertedWithCustomError(t, "NotParticipant").withArgs(outsider.address);
    await expect(t.connect(primary).revealUpdate(job, 0, ethers.ZeroHash, b.salt, "bafyu")).to.be.revertedWithCustomError(t, "ZeroUpdateHash");
    await expect(t.connect(primary).revealUpdate(job, 0, b.hash, b.salt, "")).to.be.revertedWithCustomError(t, "EmptyUpdateCid");
    await expect(t.releaseStandby(job, 0, outsider.address)).to.be.revertedWithCustomError(t, "StandbyNotReleasable").withArgs(outsider.address);

    const rd = await t.getRound(job, 0);
    await time.increaseTo(rd.submitDeadline + 1n);
    await expect(t.connect(env.requester).releaseDataKey(job, 0, 0, RELEASE)).to.be.revertedWithCustomError(t, "SubmitWindowClosed").withArgs(rd.submitDeadline);
    const [, revealBy, settleFrom] = await t.auditTimes(job, 0);
    await expect(t.settleRound(job, 0)).to.be.revertedWithCustomError(t, "SettleTooEarly").withArgs(settleFrom);
    await time.increaseTo(revealBy + 1n);
    await expect(revealAs(t, primary, job, 0, H)).to.be.revertedWithCustomError(t, "RevealWindowClosed").withArgs(revealBy);
    await time.increaseTo(rd.closeDeadline + 1n);
    await expect(t.settleRound(job, 0)).to.be.revertedWithCustomError(t, "CloseWindowPassed").withArgs(rd.closeDeadline);
    await expect(t.connect(env.aggregator).closeRound(job, 0, 0, "bafynext", ethers.ZeroHash)).to.be.revertedWithCustomError(t, "CloseWindowPassed");
    // expired: the unrevealed commitment is slashed (keeper's share to the caller), verifiers whose key never came voided
    await expect(t.connect(env.keeper).expireRound(job))
      .to.emit(t, "ParticipantSlashed")
      .withArgs(job, 0, primary.address, COLLATERAL, env.keeper.address)
      .and.to.emit(t, "SlotVoided");
  });

  it("outsourced: a commitment whose draw nobody ran is released unpaid at settlement (DrawLapsed)", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primaries } = await outsourcedJob(env, { shards: 1, bps: 10_000, pool: 2 });
    await commitAs(t, primaries[0], job, 0, H);
    const [, , settleFrom] = await t.auditTimes(job, 0);
    await time.increaseTo(settleFrom);
    await expect(t.settleRound(job, 0))
      .to.emit(t, "DrawLapsed")
      .withArgs(job, 0, 0)
      .and.to.emit(t, "UpdateRejected")
      .withArgs(job, 0, primaries[0].address);
    expect((await t.getSlot(job, 0, 0)).state).to.equal(5n); // Rejected
  });

  it("outsourced: a replica that agrees with the primary pays both; the referee whose key never came is voided, not slashed", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primary, rep, ref } = await auditedShard(env, H);
    await t.connect(env.requester).releaseDataKey(job, 0, 1, RELEASE); // the referee's key never comes
    await commitAs(t, rep, job, 0, H);
    const [auditBy] = await t.auditTimes(job, 0);
    await time.increaseTo(auditBy + 1n);
    await revealAs(t, primary, job, 0, H);
    await revealAs(t, rep, job, 0, H);
    const [, , settleFrom] = await t.auditTimes(job, 0);
    await time.increaseTo(settleFrom);
    expect(await t.paidMask(job, 0)).to.equal(0b011n);
    await expect(t.settleRound(job, 0))
      .to.emit(t, "UpdateAccepted")
      .withArgs(job, 0, primary.address, await t.getJob(job).then((j) => j.rewardPerUpdate))
      .and.to.emit(t, "SlotVoided")
      .withArgs(job, 0, ref.address)
      .and.not.to.emit(t, "ParticipantSlashed");
    expect((await t.getSlot(job, 0, 1)).state).to.equal(4n); // Accepted
  });

  it("outsourced: a referee that disagrees with an agreeing primary and replica goes unpaid, not slashed", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primary, rep, ref } = await auditedShard(env, H);
    for (const slot of [1, 2]) await t.connect(env.requester).releaseDataKey(job, 0, slot, RELEASE);
    await commitAs(t, rep, job, 0, H);
    await commitAs(t, ref, job, 0, JUNK);
    await revealAs(t, primary, job, 0, H);
    await revealAs(t, rep, job, 0, H);
    // the last seat's reveal decides the shard at once
    const rc = revealAs(t, ref, job, 0, JUNK);
    await expect(rc).to.emit(t, "ShardDecided").withArgs(job, 0, 0, H);
    await expect(rc).to.emit(t, "UpdateRejected").withArgs(job, 0, ref.address);
    await expect(rc).not.to.emit(t, "ParticipantSlashed");
    expect([(await t.getSlot(job, 0, 0)).state, (await t.getSlot(job, 0, 1)).state, (await t.getSlot(job, 0, 2)).state]).to.deep.equal([4n, 4n, 5n]); // Accepted, Accepted, Rejected
  });
});
