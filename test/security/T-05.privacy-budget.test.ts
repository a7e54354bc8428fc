/**
 * T-05a (medium, requester): the chain accepted maxRounds = 1000 with ε = 2 recorded where the real budget allows 5
 * rounds, and train:join trained anyway. Now the job records the accountant's inputs (q, σ, steps per round, δ); the
 * chain refuses steps per round below localEpochs / q, and every participant's tool (train:join, train:work) recomputes
 * the budget before it joins or trains and refuses in one line naming the overrun.
 * T-05b (medium, participant tooling): train:join trained with batch = max(1, round(q·n)) on the participant's own
 * shard, so at q = 0.005 and n = 58 the real rate was 0.0172. Now the tool samples Poisson at exactly the recorded q for
 * the recorded steps, whatever n, so the recorded ε is the spent ε, and dp:epsilon over the same run gives that figure.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, suiteStore, toyData } from "../training/fixture";
import { checkRoundCap, recordedBudget, recordedEpsilon, PrivacyBudgetExceeded, stepsPerRound } from "../../lib/training/params";
import { jobTrainingOptions, storeModel, trainAndSubmit } from "../../lib/training/rounds";
import { dpSgdEpsilon } from "../../lib/privacy/accountant";
import { runSgd } from "../../lib/ml/sgd";
import { initMlp } from "../../lib/ml/mlp";

/** The T-05a job: q = 100/2001 (train:post's defaults), σ 1.5, one local epoch, δ 1e-5, ε 2 recorded. */
const T05A = { epsilonMicro: 2_000_000n, deltaPico: 10_000_000n, sigmaMicro: 1_500_000n, samplingPpm: 49_975n, stepsPerRound: BigInt(stepsPerRound(1, 49_975)) };

describe("T-05: a privacy budget the participants' tools enforce", function () {
  const suite = suiteStore("t05-");

  it("T-05a: a round cap above the recorded epsilon is refused before training, in one line naming the overrun; the honest cap trains", async function () {
    const allowed = recordedBudget(T05A);
    expect(allowed).to.equal(5);
    expect(recordedEpsilon(T05A, 1000)).to.be.closeTo(39.2, 0.1);
    expect(() => checkRoundCap(7n, T05A, 1000)).to.throw(PrivacyBudgetExceeded, /caps 1000 rounds but its recorded epsilon 2 allows 5 .* 1000 rounds spend epsilon 39\.\d\d; refusing to train$/);
    expect(() => checkRoundCap(7n, T05A, allowed)).to.not.throw();

    const env = await loadFixture(deployTraining);
    const t = env.training;
    // on-chain: steps per round below localEpochs / q are refused
    const dp = { epsilonMicro: 2_000_000, deltaPico: 10_000_000, sigmaMicro: 1_500_000, clipMicro: 1_000_000, samplingPpm: 49_975, updateClipMicro: 5_000_000, localEpochs: 1, stepsPerRound: 20 };
    const under = jobParams(env.aggregator.address, { maxRounds: 1000, dp });
    await expect(t.connect(env.requester).postJob(under, { value: await t.escrowFor(under) })).to.be.revertedWithCustomError(t, "InvalidDpParams");
    // the requester's 1000-round job posts (no on-chain accountant), but no participant trains for it
    for (const maxRounds of [1000, allowed]) {
      const p = jobParams(env.aggregator.address, { maxRounds, rewardPerUpdate: 1n, aggregatorFee: 0n, initialModelCid: await storeModel(suite.store, initMlp([4, 3, 2], 1)), dp: { ...dp, stepsPerRound: 21 } });
      await (await t.connect(env.requester).postJob(p, { value: await t.escrowFor(p) })).wait();
      const job = await t.jobCount();
      const w = env.workers[0];
      await t.connect(w).join(job, 0);
      const run = trainAndSubmit(t.connect(w), suite.store, job, 0, toyData(2, 40), { lr: 0.5, seed: 1 });
      if (maxRounds === 1000) await expect(run).to.be.rejectedWith(PrivacyBudgetExceeded, /allows 5/);
      else await run;
    }
  });

  it("T-05b: the participant samples Poisson at the recorded q for the recorded steps, and dp:epsilon gives the recorded figure", async function () {
    const env = await loadFixture(deployTraining);
    const dp = { epsilonMicro: 8_000_000, deltaPico: 10_000_000, sigmaMicro: 1_000_000, clipMicro: 1_000_000, samplingPpm: 5_000, updateClipMicro: 5_000_000, localEpochs: 1, stepsPerRound: 200 };
    const rec = { ...dp, epsilonMicro: 8_000_000n, deltaPico: 10_000_000n, sigmaMicro: 1_000_000n, samplingPpm: 5_000n, stepsPerRound: 200n };
    const budget = recordedBudget(rec);
    const p = jobParams(env.aggregator.address, { maxRounds: budget, dp });
    await (await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) })).wait();
    const job = await env.training.getJob(await env.training.jobCount());
    const o = jobTrainingOptions(job, 0.5, 1);
    expect(o.sampling).to.deep.equal({ q: 0.005, steps: 200 }); // not batch = round(q · 58)
    // what the run spends over the budget is what dp:epsilon says for q = 0.005 and the same steps, and within ε
    const spent = recordedEpsilon(rec, budget);
    const viaTask = dpSgdEpsilon({ samples: 1_000_000, batch: 5_000, sigma: 1, epochs: budget, delta: 1e-5 }).epsilon;
    expect(spent).to.be.closeTo(viaTask, 1e-9);
    expect(spent).to.be.at.most(8);
    // the old tool's rate on a 58-example shard, over the same rounds, overspends
    const oldQ = Math.max(1, Math.round(0.005 * 58)) / 58;
    const old = dpSgdEpsilon({ samples: 58, batch: 1, sigma: 1, epochs: budget, delta: 1e-5 }).epsilon;
    expect(oldQ).to.be.closeTo(0.0172, 1e-4);
    expect(old).to.be.greaterThan(8);
    // the sampler itself: over 20 000 steps at q = 0.005 on 58 examples the mean batch is q·n (0.29), not 1
    let seen = 0;
    const counting = { dim: 1, compute: () => ((seen += 1), 0), accumulate: () => undefined };
    runSgd(new Float64Array(1), 58, counting, { epochs: 1, lr: 0.1, batch: 1, seed: 3, dp: { clip: 1, sigma: 1 }, sampling: { q: 0.005, steps: 20_000 } });
    expect(seen / 20_000).to.be.closeTo(0.29, 0.03);
    void ethers;
  });
});
