/**
 * The three "not yet examined" training items, each attacked beside the honest path:
 * - T-08a: a hundred 1-wei spam jobs: a keeper pass reads each live job once (job and round, no slot scan, no seal or
 *   expiry transaction for rounds nobody joined) and serves the rounds it aggregates first, so the real round closes in
 *   the first pass, well before its close deadline; finished jobs are never read again.
 * - T-08b: after a bad package release a silent slot is slashed, but its keeper share goes to the treasury: the
 *   requester's sybil calling settleRound earns nothing.
 * - T-08c: a requester that withholds the referee's key voids the referee but saves nothing: the revealed primary and
 *   replica are both paid (the lying replica goes unslashed only in this case, documented).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { deployTraining, jobParams, suiteStore, toyData, commitAs, revealAs, REWARD } from "../training/fixture";
import { initMlp } from "../../lib/ml/mlp";
import { createLogger } from "../../lib/util/log";
import { postTrainingJob, storeModel, joinRound, trainAndSubmit } from "../../lib/training/rounds";
import { TrainingDuty } from "../../keepers/training";
import { outsourcedJob, auditedShard, RELEASE, H } from "./training-seats";

describe("T-08: keeper passes, bad releases and withheld keys", function () {
  const suite = suiteStore("t08-");
  const log = createLogger({ source: "keeper", json: true, out: { write: () => true } as unknown as NodeJS.WritableStream });

  it("T-08a: 100 one-wei spam jobs do not delay the keeper's own close; passes read each live job once", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    for (let i = 0; i < 100; i++) {
      const mode = i % 2;
      const p = jobParams(env.keeper.address, { rewardPerUpdate: 1n, collateral: 1n, aggregatorFee: 0n, maxRounds: 1, participantsPerRound: 1, trim: 0, rule: 0, mode, replicationBps: mode ? 10_000 : 0, dataRoot: mode ? ethers.id("spam") : ethers.ZeroHash });
      await t.connect(env.requester).postJob(p, { value: await t.escrowFor(p) });
    }
    const store = suite.store;
    const { jobId } = await postTrainingJob(t.connect(env.requester), {
      initialModelCid: await storeModel(store, initMlp([4, 3, 2], 3)), aggregator: env.aggregator.address, mode: "federated", rule: "mean", trim: 0,
      participantsPerRound: 1, rewardPerUpdate: parseEther("0.01"), aggregatorFee: 0n, collateral: parseEther("0.5"), roundWindow: 600, closeWindow: 600,
      dp: { epsilon: 8, delta: 1e-5, sigma: 1.5, clip: 1, samples: 40, batch: 4, localEpochs: 1, updateClip: 1 }, maxRounds: 1,
    });
    const w = env.workers[0];
    await joinRound(t.connect(w), jobId, w.address);
    await trainAndSubmit(t.connect(w), store, jobId, 0, toyData(2, 40), { lr: 0.5, seed: 1 });
    const duty = new TrainingDuty(t, store, env.aggregator, log);
    const nonce = await env.aggregator.getNonce();
    expect(await duty.run()).to.equal(1);
    expect((await t.getJob(jobId)).status).to.equal(1n); // finished in the first pass
    expect(await env.aggregator.getNonce()).to.equal(nonce + 1); // one transaction: the close, none for spam
    expect(duty.stats.jobsRead).to.equal(101);
    await time.increase(1300); // every spam round past its close deadline: nobody joined, nothing to expire
    expect(await duty.run()).to.equal(0);
    expect(duty.stats.jobsRead).to.equal(202); // the pass that sees it finished drops it
    await duty.run();
    expect(duty.stats.jobsRead).to.equal(302); // and it is never read again
    expect(await env.aggregator.getNonce()).to.equal(nonce + 1);
  });

  it("T-08b: a silent slot after a bad release is slashed with the keeper share to the treasury, not the requester's sybil; a late key voids it", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primaries } = await outsourcedJob(env, { shards: 2, bps: 1, pool: 0 }); // the releases are garbage ("0x1234")
    const sybil = env.keeper; // the requester's second address
    await time.increaseTo((await t.auditTimes(job, 0)).settleFrom);
    const before = await env.core.balanceOf(sybil.address);
    const rc = await (await t.connect(sybil).settleRound(job, 0)).wait();
    const slashes = rc!.logs.map((l) => t.interface.parseLog(l)).filter((e) => e?.name === "ParticipantSlashed");
    expect(slashes.map((e) => e!.args.worker)).to.deep.equal(primaries.map((p) => p.address));
    for (const e of slashes) expect(e!.args.keeper).to.equal(env.treasury.address);
    expect(await env.core.balanceOf(sybil.address)).to.equal(before);
  });

  it("T-08b: a primary whose key came after the join cutoff is voided, not slashed", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 1, replicationBps: 1, dataRoot: ethers.id("root") });
    await t.connect(env.requester).postJob(p, { value: await t.escrowFor(p) });
    const job = await t.jobCount();
    const w = env.workers[0];
    await t.connect(w).join(job, 0);
    const rd = await t.getRound(job, 0);
    await time.increaseTo(rd.submitDeadline - 60n); // past the join cutoff
    await t.connect(env.requester).releaseDataKey(job, 0, 0, RELEASE);
    await time.increaseTo((await t.auditTimes(job, 0)).settleFrom);
    await expect(t.connect(env.keeper).settleRound(job, 0)).to.emit(t, "SlotVoided").withArgs(job, 0, w.address);
    expect(await env.core.lockedByManager(w.address)).to.equal(0n);
    expect(await env.stakeOf(w.address)).to.equal(parseEther("2"));
  });

  it("T-08d: verifiers that both stay silent are slashed and cannot cost an honest primary its reward", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primary, rep, ref } = await auditedShard(env, H);
    for (const s of [1, 2]) await t.connect(env.requester).releaseDataKey(job, 0, s, RELEASE);
    await time.increaseTo((await t.auditTimes(job, 0)).auditDeadline + 1n);
    await revealAs(t, primary, job, 0, H);
    await time.increaseTo((await t.auditTimes(job, 0)).revealDeadline + 1n);
    await t.connect(env.aggregator).closeRound(job, 0, await t.paidMask(job, 0), "bafynext", H);
    expect(await t.balanceOf(primary.address)).to.equal(REWARD);
    for (const v of [rep, ref]) expect(await env.stakeOf(v.address)).to.equal(parseEther("2") - (await t.getJob(job)).collateral);
  });

  it("T-08c: withholding the referee's key voids it but pays the revealed primary and replica (the requester saves nothing)", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primary, rep, ref } = await auditedShard(env, H);
    await t.connect(env.requester).releaseDataKey(job, 0, 1, RELEASE); // the referee's key never comes
    const LIE = ethers.id("the replica's lie");
    await commitAs(t, rep, job, 0, LIE);
    await time.increaseTo((await t.auditTimes(job, 0)).auditDeadline + 1n);
    await revealAs(t, primary, job, 0, H);
    await revealAs(t, rep, job, 0, LIE);
    const escrow = (await t.getJob(job)).escrow;
    await time.increaseTo((await t.auditTimes(job, 0)).revealDeadline + 1n);
    await t.connect(env.aggregator).closeRound(job, 0, await t.paidMask(job, 0), "bafynext", H);
    expect(await t.balanceOf(primary.address)).to.equal(REWARD);
    expect(await t.balanceOf(rep.address)).to.equal(REWARD);
    expect(await t.balanceOf(ref.address)).to.equal(0n);
    expect(await env.core.lockedByManager(ref.address)).to.equal(0n); // voided, not slashed
    expect(escrow - (await t.getJob(job)).escrow).to.equal(2n * REWARD + (await t.getJob(job)).aggregatorFee);
  });
});
