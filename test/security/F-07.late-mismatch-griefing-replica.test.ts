/**
 * F-07: a mismatch submitted after the join cutoff could never be refereed, and a griefer who joined as replica at
 * the cutoff got its key late, was voided, kept its stake, and the honest primary lost its reward. Now verifiers are
 * drawn from the pool sealed at the cutoff (a referee entry is held back for every staffed audit) and work until the
 * audit deadline (submitDeadline + closeWindow / 2), and a primary with no verdict against it is paid. Against the
 * real OblivionCore.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, runDraw, assigned, REWARD, COLLATERAL, ROUND_WINDOW } from "../training/fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const RELEASE = "0x1234";
const GOOD = ethers.id("honest update");

/** A one-shard job at 100 % replication: workers[from] as primary (key released), the next four as standby. */
async function setup(env: Env, from = 0) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 1, replicationBps: 10_000, dataRoot: ethers.id("root") });
  await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
  const jobId = await env.training.jobCount();
  const [primary, ...pool] = env.workers.slice(from, from + 5);
  await env.training.connect(primary).join(jobId, 0);
  await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
  for (const w of pool) await env.training.connect(w).enlist(jobId, 0);
  return { jobId, primary };
}

const worth = async (env: Env, who: string) => (await env.core.getWorker(who)).stake + (await env.training.balanceOf(who));

describe("F-07 late mismatch and griefing replica", function () {
  it("F-07 a mismatch after the submission deadline is still refereed, and the lying replica is slashed", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId, primary } = await setup(env);
    const rd = await env.training.getRound(jobId, 0);
    await time.increaseTo(rd.submitDeadline - 2n); // the primary submits at the last moment, long after the cutoff
    await env.training.connect(primary).submitUpdate(jobId, 0, GOOD, "bafyP");
    const [rep] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 1, RELEASE);
    await time.increaseTo(rd.submitDeadline + 10n);
    await env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, ethers.id("lie"), "bafyL");
    const [ref] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 2, RELEASE);
    await expect(env.training.connect(env.signer(ref.worker)).submitUpdate(jobId, 0, GOOD, "bafyX"))
      .to.emit(env.training, "DisputeResolved")
      .withArgs(jobId, 0, 0, GOOD, rep.worker);
    expect(await env.training.balanceOf(primary.address)).to.equal(REWARD);
    expect((await env.core.getWorker(rep.worker)).stake).to.equal(ethers.parseEther("2") - COLLATERAL);
    // verifiers had until the audit deadline: submitDeadline + closeWindow / 2
    const [audit] = await env.training.auditTimes(jobId, 0);
    expect(audit).to.equal(rd.submitDeadline + 300n);
  });

  it("F-07 a drawn replica that stays silent, or whose key came late, cannot cost the honest primary its reward", async function () {
    const env = await loadFixture(deployTraining);
    // (a) silent with its key in time: slashed; the primary is paid at close
    const a = await setup(env);
    const before = await worth(env, a.primary.address);
    await env.training.connect(a.primary).submitUpdate(a.jobId, 0, GOOD, "bafyP");
    const [silent] = assigned(env.training, (await runDraw(env.training, a.jobId, 0, 0)).rc);
    await env.training.connect(env.requester).releaseDataKey(a.jobId, 0, 1, RELEASE);
    const [audit] = await env.training.auditTimes(a.jobId, 0);
    await time.increaseTo(audit + 1n);
    await expect(env.training.connect(env.signer(silent.worker)).submitUpdate(a.jobId, 0, GOOD, "bafyS"))
      .to.be.revertedWithCustomError(env.training, "AuditWindowClosed")
      .withArgs(audit);
    const close = env.training.connect(env.aggregator).closeRound(a.jobId, 0, 0b1, "bafyN", ethers.id("agg"));
    await expect(close).to.emit(env.training, "ParticipantSlashed").withArgs(a.jobId, 0, silent.worker, COLLATERAL, env.treasury.address);
    await expect(close).to.emit(env.training, "UpdateAccepted").withArgs(a.jobId, 0, a.primary.address, REWARD);
    expect((await worth(env, a.primary.address)) - before).to.equal(REWARD);

    // (b) its key came less than a quarter round window before the audit deadline: voided, and the primary still paid
    const b = await setup(env, 5);
    await env.training.connect(b.primary).submitUpdate(b.jobId, 0, GOOD, "bafyP");
    const [late] = assigned(env.training, (await runDraw(env.training, b.jobId, 0, 0)).rc);
    const [auditB] = await env.training.auditTimes(b.jobId, 0);
    await time.increaseTo(auditB - BigInt(ROUND_WINDOW / 4) + 1n);
    await env.training.connect(env.requester).releaseDataKey(b.jobId, 0, 1, RELEASE);
    await time.increaseTo(auditB + 1n);
    const closeB = env.training.connect(env.aggregator).closeRound(b.jobId, 0, 0b1, "bafyN", ethers.id("agg"));
    await expect(closeB).to.emit(env.training, "SlotVoided").withArgs(b.jobId, 0, late.worker, 1);
    await expect(closeB).to.emit(env.training, "UpdateAccepted").withArgs(b.jobId, 0, b.primary.address, REWARD);
    expect((await env.core.getWorker(late.worker)).stake).to.equal(ethers.parseEther("2"));
    expect(await env.core.lockedByManager(late.worker)).to.equal(0n);
  });

  it("F-07 honest path: the drawn replica submits in the audit window and both are paid", async function () {
    const env = await loadFixture(deployTraining);
    const { jobId, primary } = await setup(env);
    await env.training.connect(primary).submitUpdate(jobId, 0, GOOD, "bafyP");
    const [rep] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 1, RELEASE);
    await time.increaseTo((await env.training.getRound(jobId, 0)).submitDeadline + 1n);
    await expect(env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, GOOD, "bafyR")).to.emit(env.training, "ReplicasMatched");
    for (const w of [primary.address, rep.worker]) expect(await env.training.balanceOf(w)).to.equal(REWARD);
  });
});
