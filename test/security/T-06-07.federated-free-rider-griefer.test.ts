/**
 * T-06 (medium, federated free-rider): copying another participant's (hash, CID) from its event, or submitting an
 * all-zero update, used to be accepted and paid. Now the chain refuses a hash already submitted in the job
 * (DuplicateUpdate), and the aggregator refuses all-zero updates and near-copies of an earlier submission.
 * T-07 (medium, one federated griefer): with a trimmed mean over 3 and a trim of 1, one oversized update left 2, the
 * trimmed mean failed and the round closed with mask 0, paying nobody. Now the aggregator trims at most what the
 * accepted count allows, so the honest are paid; an under-filled round pays whoever submitted honestly.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { deployTraining, suiteStore, toyData } from "../training/fixture";
import { initMlp, mlpParameters } from "../../lib/ml/mlp";
import { encodeUpdate, updateHash, decodeUpdate } from "../../lib/ml/update";
import { postTrainingJob, storeModel, joinRound, trainAndSubmit } from "../../lib/training/rounds";
import { aggregateAndClose } from "../../lib/training/aggregator";
import type { TrainingSpec } from "../../lib/training/params";

const dp = { epsilon: 8, delta: 1e-5, sigma: 1.5, clip: 1, samples: 40, batch: 4, localEpochs: 1, updateClip: 1 };

describe("T-06/T-07: federated rounds survive one bad participant", function () {
  const suite = suiteStore("t06-");
  const spec = async (participants: number): Promise<TrainingSpec> => ({
    initialModelCid: await storeModel(suite.store, initMlp([4, 3, 2], 3)),
    aggregator: "",
    mode: "federated",
    rule: "trimmed-mean",
    trim: 1,
    participantsPerRound: participants,
    rewardPerUpdate: parseEther("0.01"),
    aggregatorFee: 0n,
    collateral: parseEther("0.5"),
    roundWindow: 600,
    closeWindow: 600,
    dp,
    maxRounds: 1,
  });

  it("T-06: a copied (hash, CID) is refused on-chain; a near-copy and an all-zero update are refused by the aggregator; the honest are paid", async function () {
    const env = await loadFixture(deployTraining);
    const store = suite.store;
    const t = env.training;
    const { jobId } = await postTrainingJob(t.connect(env.requester), { ...(await spec(4)), aggregator: env.aggregator.address });
    const [a, b, copier, zero] = env.workers;
    for (const w of [a, b, copier, zero]) await joinRound(t.connect(w), jobId, w.address);
    const ua = await trainAndSubmit(t.connect(a), store, jobId, 0, toyData(2, 40), { lr: 0.5, seed: 1 });
    await trainAndSubmit(t.connect(b), store, jobId, 0, toyData(3, 40), { lr: 0.5, seed: 2 });
    await expect(t.connect(copier).submitUpdate(jobId, 0, ua.hash, ua.cid)).to.be.revertedWithCustomError(t, "DuplicateUpdate").withArgs(ua.hash);
    const near = decodeUpdate(await store.get(ua.cid)).map((x, i) => x + (i === 0 ? 1e-9 : 0));
    await t.connect(copier).submitUpdate(jobId, 0, updateHash(near), await store.put(encodeUpdate(near)));
    const zeros = new Float64Array(mlpParameters(initMlp([4, 3, 2], 3)).length);
    await t.connect(zero).submitUpdate(jobId, 0, updateHash(zeros), await store.put(encodeUpdate(zeros)));
    const r = await aggregateAndClose(t.connect(env.aggregator), store, jobId);
    expect(r.verdicts.map((v) => [v.slot, v.accepted])).to.deep.equal([[0, true], [1, true], [2, false], [3, false]]);
    expect(r.verdicts[2].reason).to.match(/copies submission 0/);
    expect(r.verdicts[3].reason).to.equal("all-zero update");
    for (const [w, paid] of [[a, true], [b, true], [copier, false], [zero, false]] as const) {
      expect(await t.balanceOf(w.address)).to.equal(paid ? parseEther("0.01") : 0n);
    }
  });

  it("T-07: one oversized update among three leaves two paid; an under-filled round pays its one honest submitter", async function () {
    const env = await loadFixture(deployTraining);
    const store = suite.store;
    const t = env.training;
    const { jobId } = await postTrainingJob(t.connect(env.requester), { ...(await spec(3)), aggregator: env.aggregator.address });
    const [a, b, griefer] = env.workers;
    for (const w of [a, b, griefer]) await joinRound(t.connect(w), jobId, w.address);
    await trainAndSubmit(t.connect(a), store, jobId, 0, toyData(2, 40), { lr: 0.5, seed: 1 });
    await trainAndSubmit(t.connect(b), store, jobId, 0, toyData(3, 40), { lr: 0.5, seed: 2 });
    const big = new Float64Array(mlpParameters(initMlp([4, 3, 2], 3)).length).fill(10);
    await t.connect(griefer).submitUpdate(jobId, 0, updateHash(big), await store.put(encodeUpdate(big)));
    const r = await aggregateAndClose(t.connect(env.aggregator), store, jobId);
    expect(r.mask).to.equal(0b011n);
    expect(await t.balanceOf(a.address)).to.equal(parseEther("0.01"));
    expect(await t.balanceOf(b.address)).to.equal(parseEther("0.01"));
    expect(r.nextModelCid).to.not.equal((await spec(3)).initialModelCid);

    const { jobId: thin } = await postTrainingJob(t.connect(env.requester), { ...(await spec(3)), aggregator: env.aggregator.address });
    const [c] = env.workers.slice(5);
    await joinRound(t.connect(c), thin, c.address);
    await trainAndSubmit(t.connect(c), store, thin, 0, toyData(4, 40), { lr: 0.5, seed: 3 });
    await time.increase(601); // past the submission deadline with one of three slots filled
    const u = await aggregateAndClose(t.connect(env.aggregator), store, thin);
    expect(u.mask).to.equal(0b1n);
    expect(await t.balanceOf(c.address)).to.equal(parseEther("0.01"));
  });
});
