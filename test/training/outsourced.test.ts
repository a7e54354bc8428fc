/**
 * TrainingJobs, outsourced mode, against the real OblivionCore: the standby pool, the draws (checked against the
 * contract's formula over the drawn block's hash), replica match / mismatch / referee with payment at acceptance, the
 * requester's data-key release, and what a late or missing release does to a silent slot.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, drawWord, pickStart, passJoinCutoff, runDraw, assigned, COLLATERAL, REWARD, AGG_FEE, ROUND_WINDOW, CLOSE_WINDOW } from "./fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const DATA_ROOT = ethers.id("data root");
const RELEASE = "0x1234";
const TWO = ethers.parseEther("2");

async function post(env: Env, over = {}) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 1, replicationBps: 10_000, dataRoot: DATA_ROOT, ...over });
  const value = await env.training.escrowFor(p);
  await env.training.connect(env.requester).postJob(p, { value });
  return { jobId: await env.training.jobCount(), value };
}

/** Primaries join and get their keys; `standby` workers enlist. */
async function populate(env: Env, jobId: bigint, primaries: Env["workers"], standby: Env["workers"]) {
  for (const w of primaries) {
    await env.training.connect(w).join(jobId, 0);
    const slot = Number(await env.training.slotOf(jobId, 0, w.address)) - 1;
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, slot, RELEASE);
  }
  for (const w of standby) await env.training.connect(w).enlist(jobId, 0);
}

const release = (env: Env, jobId: bigint, slot: number) => env.training.connect(env.requester).releaseDataKey(jobId, 0, slot, RELEASE);

describe("TrainingJobs outsourced mode", function () {





  it("data keys: requester only, joined slots only, once, before the slot's deadline", async function () {
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
    const [audit] = await env.training.auditTimes(jobId, 0);
    await time.increaseTo(audit + 1n);
    await expect(t.releaseDataKey(jobId, 0, 1, RELEASE)).to.be.revertedWithCustomError(env.training, "AuditWindowClosed").withArgs(audit);

    const fed = jobParams(env.aggregator.address);
    await t.postJob(fed, { value: await env.training.escrowFor(fed) });
    await env.training.connect(a).join(2, 0);
    await expect(t.releaseDataKey(2, 0, 0, RELEASE)).to.be.revertedWithCustomError(env.training, "NotOutsourced");
  });


});
