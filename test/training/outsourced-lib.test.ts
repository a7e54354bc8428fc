/**
 * lib/training outsourced round against the real core: the requester seals shards under fresh keys (committed in the
 * data root), primaries join and the other workers enlist as standby, the draws (run by anyone once the pool is
 * sealed) pick the replicas and the referee, the requester releases each key to the worker holding a slot, workers
 * open and check their package, train deterministically, a tampered replica is outvoted by the referee and slashed,
 * and the aggregator closes with the paid mask and a model aggregated from one update per shard.
 */
import { expect } from "chai";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { getBytes, hexlify, parseEther } from "ethers";
import { deployTraining, passJoinCutoff, suiteStore, toyData } from "./fixture";
import { generateWorkerKeyPair, type WorkerKeyPair } from "../../lib/crypto";
import { initMlp } from "../../lib/ml/mlp";
import { postTrainingJob, storeModel, trainingStatus } from "../../lib/training/rounds";
import { aggregateAndClose, roundClosable } from "../../lib/training/aggregator";
import { decodeShardData, encodeShardData, openShardPackage, prepareTrainingData, releaseTrainingKeys, roundSeed } from "../../lib/training/shards";
import { findRelease, outsourcedStep, trainSlot } from "../../lib/training/trainer";
import { resolveReadyDraws } from "../../lib/training/draws";
import { encodeModel } from "../../lib/training/model-codec";

describe("lib/training: an outsourced round with encrypted shards", function () {
  const suite = suiteStore("train-out-");

  it("shard data encodes bit-exactly and round seeds differ per round", function () {
    const d = toyData(3, 5);
    const s = { shardIndex: 2, X: d.X, Y: d.Y, seed: hexlify(new Uint8Array(32).fill(7)), lr: 0.25 };
    const back = decodeShardData(encodeShardData(s));
    expect(back).to.deep.equal(s);
    expect(roundSeed(s.seed, 0)).to.not.equal(roundSeed(s.seed, 1));
    expect(() => encodeShardData({ ...s, Y: [1] })).to.throw(RangeError, /5 examples but 1 labels/);
  });

  it("keys go to slot holders only; answers are blind until every verifier commits; replicas agree; a tampered replica goes unpaid", async function () {
    const store = suite.store;
    const env = await loadFixture(deployTraining);
    const keys = new Map<string, WorkerKeyPair>();
    for (const w of env.workers) {
      const k = generateWorkerKeyPair();
      keys.set(w.address, k);
      await env.core.connect(w).registerWorker("bafyworker", hexlify(k.publicKey));
    }
    const data = await prepareTrainingData(store, [toyData(2, 30), toyData(5, 30)], 0.5);
    // a package opens only with its key, and only as the shard the data root commits it to
    const pkg0 = await store.get(data.shards[0].packageCid);
    expect(openShardPackage(pkg0, getBytes(data.shards[0].dataKey), data.dataRoot, 0).X).to.have.length(30);
    expect(() => openShardPackage(pkg0, getBytes(data.shards[0].dataKey), data.dataRoot, 1)).to.throw(/is not shard 1 of data root/);
    expect(() => openShardPackage(pkg0, getBytes(data.shards[1].dataKey), data.dataRoot, 0)).to.throw(/authentication failed/);

    const { jobId } = await postTrainingJob(env.training.connect(env.requester), {
      initialModelCid: await storeModel(store, initMlp([4, 3, 2], 3)),
      aggregator: env.aggregator.address,
      mode: "outsourced",
      rule: "mean",
      trim: 0,
      participantsPerRound: 2,
      outsourcing: { dataRoot: data.dataRoot, replication: 1 },
      rewardPerUpdate: parseEther("0.01"),
      aggregatorFee: 0n,
      collateral: parseEther("0.5"),
      roundWindow: 600,
      closeWindow: 600,
      dp: { epsilon: 8, delta: 1e-5, sigma: 1.5, clip: 1, samples: 30, batch: 3, localEpochs: 1, updateClip: 1 },
      maxRounds: 2,
    });
    const [p0, p1, ...pool] = env.workers.slice(0, 7); // two primaries, five standby: a replica and a referee per shard, one undrawn
    const step = (w: (typeof env.workers)[number]) => outsourcedStep(env.training.connect(w), store, keys.get(w.address)!, jobId, w.address);
    const release = () => releaseTrainingKeys(env.training, env.core, env.requester, jobId, data);
    const draws = () => resolveReadyDraws(env.training.connect(env.keeper), jobId);

    expect(await step(p0)).to.deep.include({ action: "joined", slot: 0 });
    expect(await step(p1)).to.deep.include({ action: "joined", slot: 2 });
    for (const [i, w] of pool.entries()) expect(await step(w)).to.deep.equal({ action: "enlisted", round: 0, index: i });
    expect(await step(p0)).to.deep.include({ action: "waiting-for-key", round: 0, slot: 0 });
    expect(await release()).to.deep.equal([0, 2]);
    expect(await release()).to.deep.equal([]);
    // the release names the package and wraps the key to p0 alone
    const rel = await findRelease(env.training, jobId, 0, 0, p0.address);
    expect(rel!.packageCid).to.equal(data.shards[0].packageCid);
    await expect(trainSlot(env.training.connect(p1), store, keys.get(p1.address)!, jobId, 0, p0.address)).to.be.rejectedWith(/wrapped key does not open with this worker/);

    const s0 = await step(p0);
    const s1 = await step(p1);
    expect(s0.action).to.equal("committed");
    expect(s1.action).to.equal("committed");
    expect(await draws()).to.deep.equal([]); // the pool is open until the join cutoff
    await passJoinCutoff(env.training, jobId, 0);
    expect(await draws()).to.deep.equal(["sealed"]);
    await mine(1); // the seal block: draws use its hash
    expect(await draws()).to.deep.equal(["draw shard 0", "draw shard 1"]);
    const holderOf = async (slot: number) => env.signer((await env.training.getSlot(jobId, 0, slot)).worker);
    const [r0, r1, f0, f1] = [await holderOf(1), await holderOf(3), await holderOf(4), await holderOf(5)];
    expect(pool.map((w) => w.address)).to.include.members([r0, r1, f0, f1].map((w) => w.address));
    expect(await step(r0)).to.deep.include({ action: "waiting-for-key", slot: 1, role: { kind: "replica", shard: 0 } });
    expect(await step(p0)).to.deep.include({ action: "waiting-to-reveal", slot: 0 }); // its verifiers have not committed
    expect(await release()).to.deep.equal([1, 3, 4, 5]);
    for (const w of [r0, f0, f1]) expect((await step(w)).action).to.equal("committed");
    // r1 trains, then halves its update (a lazy shortcut) before committing: it has no answer to copy
    await trainSlot(env.training.connect(r1), store, keys.get(r1.address)!, jobId, 3, r1.address, (u) => u.map((x) => x / 2));
    expect(await roundClosable(env.training, jobId)).to.equal(false);
    const stakeBefore = (await env.core.getWorker(r1.address)).stake;
    for (const w of [p0, p1, r0, f0, r1, f1]) expect((await step(w)).action).to.equal("revealed");
    expect((await env.training.getSlot(jobId, 0, 1)).updateHash).to.equal((s0 as { hash: string }).hash); // bit-identical replica
    expect((await env.core.getWorker(r1.address)).stake).to.equal(stakeBefore); // disagreeing verifier: unpaid, not slashed
    expect(await roundClosable(env.training, jobId)).to.equal(true);

    const before = await trainingStatus(env.training, jobId);
    const closed = await aggregateAndClose(env.training.connect(env.aggregator), store, jobId);
    expect(closed.mask).to.equal(0b110111n);
    expect(closed.verdicts.find((v) => v.slot === 3)).to.deep.include({ accepted: false, reason: "rejected" });
    expect(closed.nextModelCid).to.not.equal(before.modelCid);
    for (const w of [p0, p1, r0, f0, f1]) expect(await env.training.balanceOf(w.address)).to.equal(parseEther("0.01"));
    expect(await env.training.balanceOf(r1.address)).to.equal(0n);
    const after = await trainingStatus(env.training, jobId);
    expect(after.round).to.equal(1);
    // the undrawn standby entries of round 0 are released by their workers' next step
    const undrawn = pool.filter((w) => ![r0, r1, f0, f1].some((x) => x.address === w.address));
    for (const w of undrawn) {
      expect(await env.core.lockedByManager(w.address)).to.equal(parseEther("0.5"));
      await step(w);
      expect(await env.core.lockedByManager(w.address)).to.equal(parseEther("0.5")); // locked again: it joined round 1
      expect(Number((await env.training.getStandby(jobId, 0, Number(await env.training.standbyOf(jobId, 0, w.address)) - 1)).status)).to.equal(2);
    }
    expect(encodeModel(initMlp([4, 3, 2], 3))).to.not.deep.equal(await store.get(after.modelCid));
  });
});
