/**
 * keepers/training.ts against the real core: as a job's aggregator the duty closes a round once every participant has
 * submitted (and not before); as anyone, it calls an expired round in and takes the slash bounty of the silent
 * participant; a second keeper's attempt on the same round is a lost race, not a failure. On an outsourced job it
 * seals the pool and runs the draws, and settles the round its aggregator left unclosed.
 */
import { expect } from "chai";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { commitAs, deployTraining, jobParams, passJoinCutoff, revealAs, suiteStore, toyData } from "./fixture";
import { initMlp } from "../../lib/ml/mlp";
import { createLogger } from "../../lib/util/log";
import { postTrainingJob, storeModel, joinRound, trainAndSubmit } from "../../lib/training/rounds";
import { TrainingDuty } from "../../keepers/training";

describe("keeper duty: training rounds", function () {
  const lines: string[] = [];
  const log = createLogger({ source: "keeper", json: true, out: { write: (l: string) => lines.push(l) > 0 } as unknown as NodeJS.WritableStream });
  const suite = suiteStore("train-keeper-");

  it("closes rounds it aggregates once complete, expires abandoned ones for the bounty", async function () {
    const store = suite.store;
    const env = await loadFixture(deployTraining);
    const spec = {
      initialModelCid: await storeModel(store, initMlp([4, 3, 2], 3)),
      aggregator: env.aggregator.address,
      mode: "federated" as const,
      rule: "mean" as const,
      trim: 0,
      participantsPerRound: 2,
      rewardPerUpdate: parseEther("0.01"),
      aggregatorFee: parseEther("0.001"),
      collateral: parseEther("0.5"),
      roundWindow: 600,
      closeWindow: 600,
      dp: { epsilon: 8, delta: 1e-5, sigma: 1.5, clip: 1, samples: 20, batch: 4, localEpochs: 1, updateClip: 1 },
      maxRounds: 2,
    };
    const { jobId } = await postTrainingJob(env.training.connect(env.requester), spec);
    const { jobId: abandoned } = await postTrainingJob(env.training.connect(env.requester), { ...spec, aggregator: env.deployer.address });
    const aggregatorDuty = new TrainingDuty(env.training, store, env.aggregator, log);
    const keeperDuty = new TrainingDuty(env.training, store, env.keeper, log);
    const [a, b, silent] = env.workers;
    const opts = { epochs: 1, lr: 0.5, batch: 4, seed: 1, dp: { clip: 1, sigma: 1.5 }, updateClip: 1 };

    await joinRound(env.training.connect(a), jobId, a.address);
    await trainAndSubmit(env.training.connect(a), store, jobId, 0, toyData(2, 20), opts);
    expect(await aggregatorDuty.run()).to.equal(0); // one slot still open, deadline not reached
    await joinRound(env.training.connect(b), jobId, b.address);
    await trainAndSubmit(env.training.connect(b), store, jobId, 0, toyData(3, 20), { ...opts, seed: 2 });
    await joinRound(env.training.connect(silent), abandoned, silent.address);
    expect(await keeperDuty.run()).to.equal(0); // not its job to close, nothing expired
    expect(await aggregatorDuty.run()).to.equal(1);
    expect((await env.training.getJob(jobId)).round).to.equal(1n);
    expect(await env.training.balanceOf(a.address)).to.equal(parseEther("0.01"));

    await time.increase(1201); // both jobs' current rounds pass their close deadline
    const before = await env.core.balanceOf(env.keeper.address);
    // the abandoned job's round (a silent participant) is expired; the other's round 1, which nobody joined, is left
    // alone (nothing to slash: only gas for the keeper; T-08a)
    expect(await keeperDuty.run()).to.equal(1);
    expect(keeperDuty.stats.expired).to.equal(1);
    expect((await env.training.getJob(abandoned)).status).to.equal(2n); // Aborted
    // the silent participant's collateral was slashed with this keeper as the bounty receiver (10 % in the core)
    expect((await env.core.balanceOf(env.keeper.address)) - before).to.equal(parseEther("0.05"));
    expect(await keeperDuty.run()).to.equal(0);
    expect(lines.some((l) => l.includes("training round expired unclosed"))).to.equal(true);
  });

  it("outsourced: runs the draws once the pool is sealed and settles a round its aggregator left unclosed", async function () {
    const env = await loadFixture(deployTraining);
    const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 2, participantsPerRound: 1, replicationBps: 1, dataRoot: ethers.id("root") });
    await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
    const jobId = await env.training.jobCount();
    const [primary, s1, s2] = env.workers;
    await env.training.connect(primary).join(jobId, 0);
    for (const w of [s1, s2]) await env.training.connect(w).enlist(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, "0x1234");
    await commitAs(env.training, primary, jobId, 0, ethers.id("u"));
    const duty = new TrainingDuty(env.training, suite.store, env.keeper, log);
    expect(await duty.run()).to.equal(0); // the pool is open until the join cutoff
    await passJoinCutoff(env.training, jobId, 0);
    expect(await duty.run()).to.equal(1); // sealed
    await mine(1);
    expect(await duty.run()).to.equal(1); // the draw (at 0.01 % almost surely not replicated)
    expect(duty.stats.draws).to.equal(2);
    await revealAs(env.training, primary, jobId, 0, ethers.id("u")); // unaudited: paid at its reveal
    const [, , settleFrom] = await env.training.auditTimes(jobId, 0);
    await time.increaseTo(settleFrom);
    expect(await duty.run()).to.equal(1);
    expect(duty.stats.settled).to.equal(1);
    expect((await env.training.getJob(jobId)).round).to.equal(1n);
    expect(await env.training.balanceOf(primary.address)).to.equal(p.rewardPerUpdate);
    expect(lines.some((l) => l.includes("settled without its aggregator"))).to.equal(true);
  });
});
