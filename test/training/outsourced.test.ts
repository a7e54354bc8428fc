/**
 * TrainingJobs, outsourced mode, against the real OblivionCore: the replication draw (steered with
 * hardhat_setPrevRandao, and checked against the contract's formula), replica match / mismatch / referee, the
 * requester's data-key release and what a late or missing release does to a silent slot.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, replicationDrawn, steerReplicationDraw, COLLATERAL, REWARD, AGG_FEE, ROUND_WINDOW } from "./fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const DATA_ROOT = ethers.id("data root");
const RELEASE = "0x1234";

async function post(env: Env, over = {}) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 1, replicationBps: 10_000, dataRoot: DATA_ROOT, ...over });
  const value = await env.training.escrowFor(p);
  await env.training.connect(env.requester).postJob(p, { value });
  return { jobId: await env.training.jobCount(), value };
}

const steerDraw = async (env: Env, jobId: bigint, round: number, shard: number, bps: number, want: boolean) =>
  steerReplicationDraw(await env.training.getAddress(), jobId, round, shard, bps, want);

describe("TrainingJobs outsourced mode", function () {
  it("posting checks the replication share and the data root", async function () {
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
    await t.postJob(base, { value: need });
    const job = await env.training.getJob(1);
    expect(job.replicationBps).to.equal(2_500n);
    expect(job.dataRoot).to.equal(DATA_ROOT);
  });

  it("the draw follows prevrandao: an undrawn shard is accepted at once, a drawn one waits for a replica", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env, { participantsPerRound: 2, replicationBps: 5_000 });
    const [a, b, c] = env.workers;
    await env.training.connect(a).join(jobId, 0);
    await env.training.connect(b).join(jobId, 0);
    expect((await env.training.getSlot(jobId, 0, 2)).worker).to.equal(b.address); // primaries sit at 2s
    await expect(env.training.connect(c).join(jobId, 0)).to.be.revertedWithCustomError(env.training, "RoundFull");
    for (const s of [0, 2]) await env.training.connect(env.requester).releaseDataKey(jobId, 0, s, RELEASE);

    await steerDraw(env, jobId, 0, 0, 5_000, false);
    await expect(env.training.connect(a).submitUpdate(jobId, 0, ethers.id("a"), "bafyA"))
      .to.emit(env.training, "ReplicationDrawn")
      .withArgs(jobId, 0, 0, false);
    expect((await env.training.getSlot(jobId, 0, 0)).state).to.equal(4n); // Accepted
    await expect(env.training.connect(c).joinAsReplica(jobId, 0, 0))
      .to.be.revertedWithCustomError(env.training, "ShardNotAwaitingReplica")
      .withArgs(0);

    await expect(env.training.connect(c).joinAsReplica(jobId, 0, 1)).to.be.revertedWithCustomError(env.training, "ShardNotAwaitingReplica");
    await steerDraw(env, jobId, 0, 1, 5_000, true);
    const tx = await env.training.connect(b).submitUpdate(jobId, 0, ethers.id("b"), "bafyB");
    await expect(tx).to.emit(env.training, "ReplicationDrawn").withArgs(jobId, 0, 1, true);
    const raw = await ethers.provider.send("eth_getBlockByNumber", [ethers.toQuantity((await tx.wait())!.blockNumber), false]);
    expect(replicationDrawn(await env.training.getAddress(), BigInt(raw.mixHash), jobId, 0, 1, 5_000)).to.equal(true); // mixHash = prevrandao
    expect((await env.training.getRound(jobId, 0)).openAudits).to.equal(1n);
    await expect(env.training.connect(b).joinAsReplica(jobId, 0, 1)).to.be.revertedWithCustomError(env.training, "AlreadyJoined");
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, 0b1, "bafyN", ethers.id("agg"))).to.be.revertedWithCustomError(
      env.training,
      "RoundNotClosable",
    );
    await expect(env.training.connect(c).joinAsReplica(jobId, 0, 1)).to.emit(env.training, "Joined").withArgs(jobId, 0, c.address, 3);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 3, RELEASE);
    await expect(env.training.connect(c).submitUpdate(jobId, 0, ethers.id("b"), "bafyC")).to.emit(env.training, "ReplicasMatched");
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 0b1101, "bafyN", ethers.id("agg"));
    for (const w of [a, b, c]) {
      expect(await env.training.balanceOf(w.address)).to.equal(REWARD);
      expect(await env.core.lockedByManager(w.address)).to.equal(0n);
    }
  });

  it("replica mismatch calls a referee and slashes the replica that disagrees", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const [honest, cheat, referee] = env.workers;
    const good = ethers.id("honest update");
    await env.training.connect(honest).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    await expect(env.training.connect(cheat).joinAsReplica(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "ShardNotAwaitingReplica");
    await env.training.connect(honest).submitUpdate(jobId, 0, good, "bafyA");
    await env.training.connect(cheat).joinAsReplica(jobId, 0, 0);
    await expect(env.training.connect(referee).joinAsReferee(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "ShardNotDisputed");
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 1, RELEASE);
    await expect(env.training.connect(cheat).submitUpdate(jobId, 0, ethers.id("lazy update"), "bafyB"))
      .to.emit(env.training, "ReplicaMismatch")
      .withArgs(jobId, 0, 0, good, ethers.id("lazy update"));
    await expect(env.training.connect(honest).joinAsReferee(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "AlreadyJoined");
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash)).to.be.revertedWithCustomError(
      env.training,
      "RoundNotClosable",
    );
    await env.training.connect(referee).joinAsReferee(jobId, 0, 0);
    await expect(env.training.connect(env.workers[3]).joinAsReferee(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "RefereeTaken");
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 2, RELEASE);
    await expect(env.training.connect(referee).submitUpdate(jobId, 0, good, "bafyR"))
      .to.emit(env.training, "DisputeResolved")
      .withArgs(jobId, 0, 0, good, cheat.address)
      .and.to.emit(env.core, "ManagerSlashed")
      .withArgs(cheat.address, COLLATERAL, env.requester.address, referee.address, COLLATERAL / 2n, COLLATERAL / 10n, (COLLATERAL * 4n) / 10n);
    expect(await env.stakeOf(cheat.address)).to.equal(ethers.parseEther("1"));
    // the mask must be exactly the decided set: honest primary (slot 0) and referee (slot 2)
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, 0b011, "bafyN", ethers.id("agg")))
      .to.be.revertedWithCustomError(env.training, "MaskMismatch")
      .withArgs(0b101, 0b011);
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 0b101, "bafyN", ethers.id("agg"));
    expect(await env.training.balanceOf(honest.address)).to.equal(REWARD);
    expect(await env.training.balanceOf(referee.address)).to.equal(REWARD);
    expect(await env.training.balanceOf(cheat.address)).to.equal(0n);
    for (const w of [honest, cheat, referee]) expect(await env.core.lockedByManager(w.address)).to.equal(0n);
  });

  it("when all three hashes differ nobody is paid or slashed", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const [a, b, r] = env.workers;
    await env.training.connect(a).join(jobId, 0);
    await env.training.connect(a).submitUpdate(jobId, 0, ethers.id("a"), "bafyA");
    await env.training.connect(b).joinAsReplica(jobId, 0, 0);
    await env.training.connect(b).submitUpdate(jobId, 0, ethers.id("b"), "bafyB");
    await env.training.connect(r).joinAsReferee(jobId, 0, 0);
    await expect(env.training.connect(r).submitUpdate(jobId, 0, ethers.id("r"), "bafyR"))
      .to.emit(env.training, "DisputeResolved")
      .withArgs(jobId, 0, 0, ethers.id("r"), ethers.ZeroAddress);
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash);
    for (const w of [a, b, r]) {
      expect(await env.training.balanceOf(w.address)).to.equal(0n);
      expect(await env.core.lockedByManager(w.address)).to.equal(0n);
      expect(await env.stakeOf(w.address)).to.equal(ethers.parseEther("2"));
    }
  });

  it("data keys: requester only, joined slots only, once, before the deadline", async function () {
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

    const fed = jobParams(env.aggregator.address);
    await t.postJob(fed, { value: await env.training.escrowFor(fed) });
    await env.training.connect(a).join(2, 0);
    await expect(t.releaseDataKey(2, 0, 0, RELEASE)).to.be.revertedWithCustomError(env.training, "NotOutsourced");
  });

  it("a silent slot is slashed only if its key came by the join cutoff; late or missing keys void it", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId, value } = await post(env, { participantsPerRound: 3, replicationBps: 10_000 });
    const [onTime, late, never, tooLate] = env.workers;
    const t = env.training.connect(env.requester);
    for (const w of [onTime, late, never]) await env.training.connect(w).join(jobId, 0);
    await t.releaseDataKey(jobId, 0, 0, RELEASE);
    const round = await env.training.getRound(jobId, 0);
    const cutoff = round.submitDeadline - BigInt(ROUND_WINDOW / 4);
    await time.increaseTo(cutoff + 1n);
    await expect(env.training.connect(tooLate).joinAsReplica(jobId, 0, 0))
      .to.be.revertedWithCustomError(env.training, "JoinWindowClosed")
      .withArgs(cutoff);
    await t.releaseDataKey(jobId, 0, 2, RELEASE); // after the cutoff: the worker may still submit, but is not slashable
    await time.increaseTo(round.submitDeadline + 1n);
    await expect(t.releaseDataKey(jobId, 0, 4, RELEASE)).to.be.revertedWithCustomError(env.training, "SubmitWindowClosed");

    const close = env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash);
    await expect(close).to.emit(env.training, "ParticipantSlashed").withArgs(jobId, 0, onTime.address, COLLATERAL, env.aggregator.address);
    // the requester, who controls the key release, gets nothing from it: its share goes to the treasury
    await expect(close)
      .to.emit(env.core, "ManagerSlashed")
      .withArgs(onTime.address, COLLATERAL, env.treasury.address, env.aggregator.address, COLLATERAL / 2n, COLLATERAL / 10n, (COLLATERAL * 4n) / 10n);
    expect(await env.core.balanceOf(env.requester.address)).to.equal(0n);
    await expect(close).to.emit(env.training, "SlotVoided").withArgs(jobId, 0, late.address, 2);
    await expect(close).to.emit(env.training, "SlotVoided").withArgs(jobId, 0, never.address, 4);
    expect(await env.stakeOf(onTime.address)).to.equal(ethers.parseEther("1"));
    for (const w of [late, never]) {
      expect(await env.stakeOf(w.address)).to.equal(ethers.parseEther("2"));
      expect(await env.core.lockedByManager(w.address)).to.equal(0n);
    }
    // nothing was paid but the aggregator's fee: the rest of the escrow goes back to the requester
    await t.refund(jobId);
    expect(await env.training.balanceOf(env.requester.address)).to.equal(value - AGG_FEE);
  });

  it("a drawn primary whose replica never submitted is released unpaid and left out of the model", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const [a, b] = env.workers;
    await env.training.connect(a).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    await env.training.connect(a).submitUpdate(jobId, 0, ethers.id("a"), "bafyA");
    await env.training.connect(b).joinAsReplica(jobId, 0, 0); // joins, gets no key, stays silent
    await time.increase(ROUND_WINDOW + 1);
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, 0b1, "bafyN", ethers.id("agg")))
      .to.be.revertedWithCustomError(env.training, "MaskMismatch")
      .withArgs(0, 0b1);
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, 0, "bafyN", ethers.ZeroHash))
      .to.emit(env.training, "UpdateRejected")
      .withArgs(jobId, 0, a.address)
      .and.to.emit(env.training, "SlotVoided")
      .withArgs(jobId, 0, b.address, 1);
    expect(await env.training.balanceOf(a.address)).to.equal(0n);
    expect(await env.core.lockedByManager(a.address)).to.equal(0n);
  });
});
