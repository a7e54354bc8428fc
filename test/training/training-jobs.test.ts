import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, COLLATERAL, REWARD, AGG_FEE } from "./fixture";
import { initMlp } from "../../lib/ml/mlp";
import { aggregateRound, localUpdate } from "../../lib/ml/federated";
import { updateHash } from "../../lib/ml/update";

async function post(env: Awaited<ReturnType<typeof deployTraining>>, over = {}) {
  const p = jobParams(env.aggregator.address, over);
  const value = await env.training.escrowFor(p);
  await env.training.connect(env.requester).postJob(p, { value });
  return { jobId: await env.training.jobCount(), value };
}

/** Three tiny federated updates from lib/ml/federated, the third scaled far beyond the clip bound. */
function federatedUpdates(clip: number) {
  const model = initMlp([4, 3, 2], 7);
  const X = [0, 1, 2, 3, 4, 5].map((i) => Float64Array.from([i % 2, (i >> 1) % 2, 0.5, i / 6]));
  const Y = [0, 1, 0, 1, 1, 0];
  const opts = { epochs: 1, lr: 0.5, batch: 2, seed: 1, updateClip: clip, hidden: [3], classes: 2 };
  const honest = [localUpdate(model, X, Y, { ...opts, seed: 1 }), localUpdate(model, X, Y, { ...opts, seed: 2 })].map((u) => u.update);
  const oversized = honest[0].map((x) => x * 50);
  return { model, updates: [honest[0], honest[1], oversized] };
}

describe("TrainingJobs", function () {
  it("posting checks the escrow, the DP record and the manager binding", async function () {
    const env = await loadFixture(deployTraining);
    const p = jobParams(env.aggregator.address);
    const need = await env.training.escrowFor(p);
    expect(need).to.equal(2n * (3n * REWARD + AGG_FEE));
    await expect(env.training.connect(env.requester).postJob(p, { value: need - 1n }))
      .to.be.revertedWithCustomError(env.training, "IncorrectEscrow")
      .withArgs(need, need - 1n);
    await expect(env.training.postJob(jobParams(env.aggregator.address, { maxRounds: 0 }), { value: 0 })).to.be.revertedWithCustomError(
      env.training,
      "InvalidRoundBudget",
    );
    const badDp = { ...p.dp, deltaPico: 1_000_000_000_000 };
    await expect(env.training.postJob({ ...p, dp: badDp }, { value: need })).to.be.revertedWithCustomError(env.training, "InvalidDpParams");
    await expect(env.training.postJob({ ...p, trim: 2 }, { value: need })).to.be.revertedWithCustomError(env.training, "InvalidTrim");
    await expect(env.training.connect(env.requester).postJob(p, { value: need }))
      .to.emit(env.training, "DpParamsRecorded")
      .and.to.emit(env.training, "RoundOpened");
    const job = await env.training.getJob(1);
    expect(job.dp.epsilonMicro).to.equal(8_000_000n);
    expect(job.maxRounds).to.equal(2n);
    const unbound = await (await ethers.getContractFactory("TrainingJobs")).deploy(await env.core.getAddress());
    await expect(unbound.postJob(p, { value: need }))
      .to.be.revertedWithCustomError(unbound, "NotBoundAsManager")
      .withArgs(await env.training.getAddress());
  });

  it("federated: the oversized update is rejected by the aggregator and unpaid; accepted ones paid, all released", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env);
    const { model, updates } = federatedUpdates(2);
    const [a, b, c] = env.workers;
    for (const [i, w] of [a, b, c].entries()) {
      await env.training.connect(w).join(jobId, 0);
      await env.training.connect(w).submitUpdate(jobId, 0, updateHash(updates[i]), `bafyupdate${i}`);
    }
    // the aggregator (lib/ml/federated) rejects the oversized update; the mask it closes with follows its verdicts
    const round = aggregateRound(model, updates, { updateClip: 2, rule: "mean" });
    expect(round.verdicts.map((v) => v.accepted)).to.deep.equal([true, true, false]);
    const mask = round.verdicts.reduce((m, v, i) => (v.accepted ? m | (1n << BigInt(i)) : m), 0n);
    await expect(env.training.connect(env.requester).closeRound(jobId, 0, mask, "bafynext", round.aggregateHash))
      .to.be.revertedWithCustomError(env.training, "NotAggregator");
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, mask, "bafynext", round.aggregateHash))
      .to.emit(env.training, "UpdateRejected")
      .withArgs(jobId, 0, c.address)
      .and.to.emit(env.training, "RoundOpened");
    expect(await env.training.balanceOf(a.address)).to.equal(REWARD);
    expect(await env.training.balanceOf(b.address)).to.equal(REWARD);
    expect(await env.training.balanceOf(c.address)).to.equal(0n);
    expect(await env.training.balanceOf(env.aggregator.address)).to.equal(AGG_FEE);
    for (const w of [a, b, c]) expect(await env.core.lockedByManager(w.address)).to.equal(0n);
    expect(await env.stakeOf(c.address)).to.equal(ethers.parseEther("2"));
    expect((await env.training.getJob(jobId)).modelCid).to.equal("bafynext");
    // a mask naming a slot that never submitted is refused
    await env.training.connect(a).join(jobId, 1);
    await time.increase(601);
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 1, 0b10, "bafy2", round.aggregateHash))
      .to.be.revertedWithCustomError(env.training, "AcceptedSlotNotSubmitted")
      .withArgs(1);
  });

  it("refuses rounds beyond the recorded budget", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId } = await post(env, { maxRounds: 1, participantsPerRound: 1, rule: 0, trim: 0 });
    const [a, b] = env.workers;
    await env.training.connect(a).join(jobId, 0);
    await env.training.connect(a).submitUpdate(jobId, 0, ethers.id("u"), "bafyu");
    await env.training.connect(env.aggregator).closeRound(jobId, 0, 1, "bafyfinal", ethers.id("agg"));
    expect((await env.training.getJob(jobId)).status).to.equal(1n); // Finished
    await expect(env.training.connect(b).join(jobId, 1))
      .to.be.revertedWithCustomError(env.training, "BudgetExhausted")
      .withArgs(jobId, 1);
    await expect(env.training.connect(b).submitUpdate(jobId, 1, ethers.id("v"), "bafyv")).to.be.revertedWithCustomError(
      env.training,
      "BudgetExhausted",
    );
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 1, 0, "bafyx", ethers.ZeroHash)).to.be.revertedWithCustomError(
      env.training,
      "BudgetExhausted",
    );
    await expect(env.training.expireRound(jobId)).to.be.revertedWithCustomError(env.training, "BudgetExhausted");
  });

  it("timeouts: a silent participant is slashed, an unclosed round aborts the job, escrow is conserved", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId, value } = await post(env);
    const [a, b, c] = env.workers;
    for (const w of [a, b, c]) await env.training.connect(w).join(jobId, 0);
    await env.training.connect(a).submitUpdate(jobId, 0, ethers.id("a"), "bafyA");
    await env.training.connect(b).submitUpdate(jobId, 0, ethers.id("b"), "bafyB");
    await expect(env.training.expireRound(jobId)).to.be.revertedWithCustomError(env.training, "RoundNotExpired");
    await time.increase(601);
    await expect(env.training.connect(c).submitUpdate(jobId, 0, ethers.id("c"), "bafyC")).to.be.revertedWithCustomError(
      env.training,
      "SubmitWindowClosed",
    );
    // the slash goes to the treasury: neither the requester nor its aggregator (the closer) earns from it
    await expect(env.training.connect(env.aggregator).closeRound(jobId, 0, 0b01, "bafyN", ethers.id("agg")))
      .to.emit(env.training, "ParticipantSlashed")
      .withArgs(jobId, 0, c.address, COLLATERAL, env.treasury.address);
    expect(await env.core.balanceOf(env.requester.address)).to.equal(0n);
    await time.increase(1201);
    await expect(env.training.connect(env.keeper).expireRound(jobId)).to.emit(env.training, "RoundExpired");
    await expect(env.training.connect(a).join(jobId, 1)).to.be.revertedWithCustomError(env.training, "JobNotActive");
    await expect(env.training.connect(a).refund(jobId)).to.be.revertedWithCustomError(env.training, "NotRequester");
    await env.training.connect(env.requester).refund(jobId);

    // conservation: every wei posted is either paid out or refunded, and the contract holds exactly its liabilities
    const addr = await env.training.getAddress();
    expect(await ethers.provider.getBalance(addr)).to.equal(await env.training.totalLiabilities());
    const holders = [a, b, c, env.aggregator, env.requester];
    let credited = 0n;
    for (const h of holders) credited += await env.training.balanceOf(h.address);
    expect(credited).to.equal(value);
    expect(await env.training.balanceOf(env.requester.address)).to.equal(value - REWARD - AGG_FEE);
    for (const h of holders) if ((await env.training.balanceOf(h.address)) > 0n) await env.training.connect(h).withdraw();
    expect(await ethers.provider.getBalance(addr)).to.equal(0n);
    expect(await env.training.totalLiabilities()).to.equal(0n);
    await expect(env.training.connect(a).withdraw()).to.be.revertedWithCustomError(env.training, "NothingToWithdraw");
  });
});
