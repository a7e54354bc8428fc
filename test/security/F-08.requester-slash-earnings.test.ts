/**
 * F-08: the keeper share of a silent outsourced slot's slash went to the caller, who could be the requester acting as
 * aggregator (and a dispute's beneficiary share went to the requester). Now every training slash goes to the
 * treasury, a keeper share that would reach the job's requester or aggregator goes there too, and neither may take
 * a slot or a standby entry in its own job. Against the real OblivionCore.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, COLLATERAL } from "../training/fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const RELEASE = "0x1234";

/** A job whose requester is its own aggregator; one worker joins, gets its key in time and stays silent. */
async function silentSlot(env: Env, mode: 0 | 1, victimIndex = 0) {
  const over = mode === 1 ? { mode: 1, rule: 0, trim: 0, replicationBps: 10_000, dataRoot: ethers.id("root") } : { rule: 0, trim: 0 };
  const p = jobParams(env.requester.address, { maxRounds: 1, participantsPerRound: 1, ...over });
  await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
  const jobId = await env.training.jobCount();
  const victim = env.workers[victimIndex];
  await env.training.connect(victim).join(jobId, 0);
  if (mode === 1) await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
  return { jobId, victim };
}

describe("F-08 requester earning from slashes on its own job", function () {
  it("F-08 the requester-aggregator closing or expiring over a silent slot earns nothing from its slash", async function () {
    const env = await loadFixture(deployTraining);
    for (const mode of [1, 0] as const) {
      const close = await silentSlot(env, mode, 2 * mode);
      const [, reveal] = await env.training.auditTimes(close.jobId, 0);
      await time.increaseTo((mode === 1 ? reveal : (await env.training.getRound(close.jobId, 0)).submitDeadline) + 1n);
      await expect(env.training.connect(env.requester).closeRound(close.jobId, 0, 0, "bafyN", ethers.ZeroHash))
        .to.emit(env.core, "ManagerSlashed")
        .withArgs(close.victim.address, COLLATERAL, env.treasury.address, env.treasury.address, COLLATERAL / 2n, COLLATERAL / 10n, (COLLATERAL * 4n) / 10n);
      const expire = await silentSlot(env, mode, 2 * mode + 1);
      await time.increaseTo((await env.training.getRound(expire.jobId, 0)).closeDeadline + 1n);
      await expect(env.training.connect(env.requester).expireRound(expire.jobId))
        .to.emit(env.training, "ParticipantSlashed")
        .withArgs(expire.jobId, 0, expire.victim.address, COLLATERAL, env.treasury.address);
    }
    expect(await env.core.balanceOf(env.requester.address)).to.equal(0n);
  });

  it("F-08 neither the requester nor the aggregator can take a slot or a standby entry in its own job", async function () {
    const env = await loadFixture(deployTraining);
    await env.core.connect(env.requester).registerWorker("bafy", "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    await env.core.connect(env.requester).stake({ value: ethers.parseEther("2") });
    await env.core.connect(env.aggregator).registerWorker("bafy", "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    await env.core.connect(env.aggregator).stake({ value: ethers.parseEther("2") });
    const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 2, replicationBps: 10_000, dataRoot: ethers.id("root") });
    await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
    const fed = jobParams(env.aggregator.address, { maxRounds: 1 });
    await env.training.connect(env.requester).postJob(fed, { value: await env.training.escrowFor(fed) });
    for (const party of [env.requester, env.aggregator]) {
      for (const jobId of [1n, 2n]) {
        await expect(env.training.connect(party).join(jobId, 0)).to.be.revertedWithCustomError(env.training, "PartyOfJob").withArgs(party.address);
      }
      await expect(env.training.connect(party).enlist(1, 0)).to.be.revertedWithCustomError(env.training, "PartyOfJob").withArgs(party.address);
    }
  });

  it("F-08 honest path: an independent keeper expiring a round takes the bounty share", async function () {
    const env = await loadFixture(deployTraining);
    // federated: a silent outsourced slot's share goes to the treasury whoever calls (T-08b)
    const { jobId, victim } = await silentSlot(env, 0);
    await time.increaseTo((await env.training.getRound(jobId, 0)).closeDeadline + 1n);
    await expect(env.training.connect(env.keeper).expireRound(jobId))
      .to.emit(env.core, "ManagerSlashed")
      .withArgs(victim.address, COLLATERAL, env.treasury.address, env.keeper.address, COLLATERAL / 2n, COLLATERAL / 10n, (COLLATERAL * 4n) / 10n);
    expect(await env.core.balanceOf(env.keeper.address)).to.equal(COLLATERAL / 10n);
  });
});
