import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { deployEnv, registerAndStake, postJob, proveShard, submit, COLLATERAL, WINDOW, type Env, keylessRelease } from "./helpers/protocol";
import { releaseCurve } from "./helpers/snarkjs";

async function withWorkers(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  return env;
}

describe("attacks", function () {
  after(releaseCurve);

  it("a proof bound to one worker fails for another (mempool copy after the claim changes hands)", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const stolen = await proveShard(env, job, 0, env.worker.address);
    await time.increase(WINDOW + 1);
    await env.core.connect(env.keeper).reclaimExpired(job.jobId, 0);
    await env.core.connect(env.worker2).claim(job.jobId, 0);
    await expect(submit(env, job, 0, env.worker2, stolen)).to.be.revertedWithCustomError(env.core, "InvalidProof");
    // While the victim holds the claim, the thief cannot even submit.
    await env.core.connect(env.worker).claim(job.jobId, 1);
    const p1 = await proveShard(env, job, 1, env.worker.address);
    await expect(submit(env, job, 1, env.worker2, p1)).to.be.revertedWithCustomError(env.core, "NotClaimant");
  });

  it("a proof replayed on another job with the same inputs fails", async function () {
    const env = await loadFixture(withWorkers);
    const a = await postJob(env);
    const b = await postJob(env); // same inputs, same root
    expect(b.tree.root).to.equal(a.tree.root);
    await env.core.connect(env.worker).claim(a.jobId, 0);
    await env.core.connect(env.worker).claim(b.jobId, 0);
    const p = await proveShard(env, a, 0, env.worker.address);
    await submit(env, a, 0, env.worker, p);
    await expect(submit(env, b, 0, env.worker, p)).to.be.revertedWithCustomError(env.core, "InvalidProof");
  });

  it("a proof replayed on another core deployment (same job id, shard, worker and inputs) fails", async function () {
    const env = await loadFixture(withWorkers);
    const other = await deployEnv(); // a second, independent deployment on the same chain
    await registerAndStake(other, other.worker);
    const a = await postJob(env);
    const b = await postJob(other);
    expect(b.jobId).to.equal(a.jobId);
    await env.core.connect(env.worker).claim(a.jobId, 0);
    await other.core.connect(other.worker).claim(b.jobId, 0);
    const p = await proveShard(env, a, 0, env.worker.address);
    await expect(submit(other, b, 0, other.worker, p)).to.be.revertedWithCustomError(other.core, "InvalidProof");
  });

  it("a proof for one shard fails on another shard of the same job", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await env.core.connect(env.worker).claim(job.jobId, 1);
    const p0 = await proveShard(env, job, 0, env.worker.address);
    await expect(
      env.core
        .connect(env.worker)
        .submitResult(job.jobId, 1, p0.inputCommitment, job.tree.proof(0), p0.outputCommitment, [], "x", p0.proof),
    ).to.be.revertedWithCustomError(env.core, "InvalidInputProof");
  });

  it("a reentrant worker contract cannot drain through withdraw or withdrawStake", async function () {
    const env = await loadFixture(withWorkers);
    const attacker = await (await ethers.getContractFactory("ReentrantWorker")).deploy(await env.core.getAddress());
    await attacker.register();
    await attacker.stake({ value: parseEther("1") });
    // Earn a pull balance as a keeper bounty.
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0xaa"));
    await time.increase(WINDOW + 1);
    await attacker.reclaim(job.jobId, 0);
    const bounty = await env.core.balanceOf(await attacker.getAddress());
    expect(bounty).to.equal((COLLATERAL * 1000n) / 10_000n);
    const before = await ethers.provider.getBalance(await env.core.getAddress());
    await attacker.setAttack(1);
    await expect(attacker.withdraw()).to.be.revertedWithCustomError(env.core, "TransferFailed");
    expect(await env.core.balanceOf(await attacker.getAddress())).to.equal(bounty);
    expect(await ethers.provider.getBalance(await env.core.getAddress())).to.equal(before);
    await attacker.requestUnstake(parseEther("1"));
    await time.increase(3600);
    await attacker.setAttack(2);
    await expect(attacker.withdrawStake()).to.be.revertedWithCustomError(env.core, "TransferFailed");
    expect((await env.core.getWorker(await attacker.getAddress())).unbonding).to.equal(parseEther("1"));
    // Without the attack, both work exactly once.
    await attacker.setAttack(0);
    await attacker.withdraw();
    await attacker.withdrawStake();
    expect(await ethers.provider.getBalance(await attacker.getAddress())).to.equal(bounty + parseEther("1"));
  });

  it("a claim on a cancelled job is refused", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.requester).cancelJob(job.jobId);
    await expect(env.core.connect(env.worker).claim(job.jobId, 0))
      .to.be.revertedWithCustomError(env.core, "JobIsCancelled")
      .withArgs(job.jobId);
  });

  it("no owner function moves users' funds", async function () {
    const env = await loadFixture(withWorkers);
    const names: string[] = [];
    env.core.interface.forEachFunction((f) => names.push(f.name));
    const ownerFns = ["setProtocolFee", "setTreasury", "setSlashSplit", "setReputationHook", "setHookGasLimit", "setEligibilityGate", "pause", "unpause", "transferOwnership", "acceptOwnership", "renounceOwnership"];
    for (const f of ownerFns) expect(names, f).to.include(f);
    // Every other state-changing function acts for msg.sender only: none takes a recipient or amount of someone else.
    const moving = names.filter((n) => /withdraw|transfer|sweep|rescue|drain/i.test(n));
    expect(moving.sort()).to.deep.equal(["transferOwnership", "withdraw", "withdrawStake"]);
    // Draining attempt: the owner cannot withdraw the escrow of others.
    await postJob(env);
    await expect(env.core.connect(env.owner).withdraw()).to.be.revertedWithCustomError(env.core, "NothingToWithdraw");
  });
});
