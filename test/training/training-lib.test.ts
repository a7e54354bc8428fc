import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { deployTraining, suiteStore, toyData } from "./fixture";
import { initMlp } from "../../lib/ml/mlp";
import { encodeUpdate, updateHash } from "../../lib/ml/update";
import { postTrainingJob, storeModel, joinRound, trainAndSubmit, fetchModel, trainingStatus } from "../../lib/training/rounds";
import { aggregateAndClose } from "../../lib/training/aggregator";
import { roundBudget, type TrainingSpec } from "../../lib/training/params";
import { decodeModel, encodeModel } from "../../lib/training/model-codec";

const dp = { epsilon: 8, delta: 1e-5, sigma: 1.5, clip: 1, samples: 40, batch: 4, localEpochs: 1, updateClip: 1 };

describe("lib/training: a federated round through the content store", function () {
  const suite = suiteStore("train-lib-");

  it("model codec round-trips bit-exactly", function () {
    const m = initMlp([4, 3, 2], 5);
    expect(encodeModel(decodeModel(encodeModel(m)))).to.deep.equal(encodeModel(m));
  });

  it("posts with the accountant's budget, trains three participants, rejects the oversized update and pays the rest", async function () {
    const store = suite.store;
    const env = await loadFixture(deployTraining);
    const initial = initMlp([4, 3, 2], 3);
    const spec: TrainingSpec = {
      initialModelCid: await storeModel(store, initial),
      aggregator: env.aggregator.address,
      mode: "federated",
      rule: "median",
      trim: 0,
      participantsPerRound: 3,
      rewardPerUpdate: parseEther("0.01"),
      aggregatorFee: 0n,
      collateral: parseEther("0.5"),
      roundWindow: 600,
      closeWindow: 600,
      dp,
      maxRounds: 2,
    };
    const budget = roundBudget(dp);
    expect(budget).to.be.greaterThan(2);
    const posted = await postTrainingJob(env.training.connect(env.requester), spec);
    expect(posted.maxRounds).to.equal(2);
    await expect(postTrainingJob(env.training.connect(env.requester), { ...spec, maxRounds: budget + 1 })).to.be.rejectedWith(
      RangeError,
      /rounds must be an integer in \[1, /,
    );

    const [a, b, c] = env.workers;
    const opts = { epochs: 1, lr: 0.5, batch: 4, seed: 1, dp: { clip: 1, sigma: 1.5 }, updateClip: 1 };
    for (const [i, w] of [a, b].entries()) {
      const t = env.training.connect(w);
      const { round } = await joinRound(t, posted.jobId, w.address);
      await trainAndSubmit(t, store, posted.jobId, round, toyData(i + 2, 40), { ...opts, seed: i });
    }
    // c publishes an update far beyond the clip bound S = 1 (its hash matches, so only the norm check catches it)
    const tc = env.training.connect(c);
    await joinRound(tc, posted.jobId, c.address);
    const big = new Float64Array(4 * 3 + 3 + 3 * 2 + 2).fill(3);
    await tc.submitUpdate(posted.jobId, 0, updateHash(big), await store.put(encodeUpdate(big)));

    const r = await aggregateAndClose(env.training.connect(env.aggregator), store, posted.jobId);
    expect(r.verdicts.map((v) => v.accepted)).to.deep.equal([true, true, false]);
    expect(r.verdicts[2].reason).to.match(/exceeds the clip bound/);
    expect(r.mask).to.equal(0b011n);
    expect(await env.training.balanceOf(a.address)).to.equal(parseEther("0.01"));
    expect(await env.training.balanceOf(c.address)).to.equal(0n);
    const next = await fetchModel(store, r.nextModelCid);
    expect(encodeModel(next)).to.not.deep.equal(encodeModel(initial));
    const st = await trainingStatus(env.training, posted.jobId);
    expect(st.round).to.equal(1);
    expect(st.modelCid).to.equal(r.nextModelCid);
    expect(st.dp.epsilon).to.equal(8);
    expect(st.dp.delta).to.equal(1e-5);
  });
});
