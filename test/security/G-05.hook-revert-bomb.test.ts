import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { RevertBombHook } from "../../typechain-types";
import {
  deployEnv,
  keylessRelease,
  postJob,
  proveShard,
  registerAndStake,
  submit,
  WINDOW,
  type Env,
  type PostedJob,
} from "../helpers/protocol";

/** G-05's bomb: 900 kB of revert data, which the hook can afford at the owner's maximum hook gas (2,000,000). */
const BOMB = 900_000;
const MAX_HOOK_GAS = 2_000_000;
/** What a revert-bomb may cost settlement or slashing above a hook that reverts after burning all its gas. */
const SLACK = 10_000n;
/**
 * The gas a hook pays inside its own call to hold `bytes` of memory (the EVM's memory cost: 3 per word plus
 * words² / 512). The bomb pays this for its 900 kB out of the hook gas the owner set; what the core pays beyond the
 * hook's own gas is the copy, which G-05 bounds.
 */
function memoryGas(bytes: number): bigint {
  const w = BigInt(Math.ceil(bytes / 32));
  return 3n * w + (w * w) / 512n;
}
/** Instrumented contracts (npm run coverage) cost several times the gas: absolute gas bounds hold for the real build. */
const UNDER_COVERAGE = process.env.SOLIDITY_COVERAGE === "true";

async function withBombHook(): Promise<Env & { hook: RevertBombHook; job: PostedJob }> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  const hook = await (await ethers.getContractFactory("RevertBombHook", env.owner)).deploy();
  await env.core.connect(env.owner).setReputationHook(await hook.getAddress());
  await env.core.connect(env.owner).setHookGasLimit(MAX_HOOK_GAS);
  const job = await postJob(env, { shards: 8 });
  return { ...env, hook, job };
}

/** Settles shard `i` with a real proof; returns the settlement's gasUsed. */
async function settle(env: Env, job: PostedJob, i: number): Promise<bigint> {
  await env.core.connect(env.worker).claim(job.jobId, i);
  const tx = await submit(env, job, i, env.worker, await proveShard(env, job, i, env.worker.address), "bafyout");
  return (await tx.wait())!.gasUsed;
}

/** Lets worker2's released claim on shard `i` expire and slashes it; returns the reclaim's gasUsed. */
async function slash(env: Env, job: PostedJob, i: number): Promise<bigint> {
  await env.core.connect(env.worker2).claim(job.jobId, i);
  await env.core.connect(env.requester).releaseShardKey(job.jobId, i, await keylessRelease(env.core, job.jobId, i));
  await time.increase(WINDOW + 1);
  const tx = await env.core.connect(env.keeper).reclaimExpired(job.jobId, i);
  await expect(tx).to.emit(env.core, "ClaimSlashed");
  return (await (await tx).wait())!.gasUsed;
}

describe("security G-05: a revert-bomb reputation hook cannot price settlement out of a block", function () {
  it("G-05 a 900 kB revert at the maximum hook gas costs settlement and slashing at most 10k gas more than a hook that burns all its gas, and than a 4-byte revert beyond the memory the bomb pays inside its own gas", async function () {
    const env = await loadFixture(withBombHook);
    const { hook, job } = env;

    // the honest comparison: a hook that fails after using all of its gas (what the owner can always make it do)
    await hook.set(0, true);
    const burnSettle = await settle(env, job, 0);
    const burnSlash = await slash(env, job, 1);

    // a plain reverting hook (a 4-byte error), at the same kind of position as the bomb (a later record of the job)
    await hook.set(4, false);
    const plainSettle = await settle(env, job, 2);
    const plainSlash = await slash(env, job, 3);

    // the attack: the hook reverts with 900 kB, which a try/catch used to copy and log whole (15.7M gas)
    await hook.set(BOMB, false);
    await env.core.connect(env.worker).claim(job.jobId, 4);
    const p = await proveShard(env, job, 4, env.worker.address);
    const tx = submit(env, job, 4, env.worker, p);
    await expect(tx)
      .to.emit(env.core, "ReputationHookFailed")
      .withArgs(env.worker.address, job.jobId, 4, true, "0xdeadbeef", BOMB);
    const bombSettle = (await (await tx).wait())!.gasUsed;
    const bombSlash = await slash(env, job, 5);

    expect(bombSettle).to.be.at.most(burnSettle + SLACK);
    expect(bombSlash).to.be.at.most(burnSlash + SLACK);
    // against the plain reverting hook: no more than the memory the bomb paid for inside its own (capped) gas, plus
    // 10k; a core that copied the revert would pay that memory a second time, outside the cap
    const own = memoryGas(BOMB) - memoryGas(32);
    expect(bombSettle - plainSettle - own, `settlement: bomb ${bombSettle}, plain ${plainSettle}, hook's memory ${own}`).to.be.at.most(SLACK);
    expect(bombSlash - plainSlash - own, `slash: bomb ${bombSlash}, plain ${plainSlash}, hook's memory ${own}`).to.be.at.most(SLACK);
    // both fit a block with room to spare, and the failed calls are pending for replay
    if (!UNDER_COVERAGE) expect(bombSettle).to.be.below(3_000_000n);
    expect(await env.core.hookPending(env.worker.address, job.jobId, 4, true)).to.equal(true);
    expect(await env.core.hookPending(env.worker2.address, job.jobId, 5, false)).to.equal(true);
    expect(await env.core.balanceOf(env.worker.address)).to.be.greaterThan(0n);
  });

  it("G-05 honest path: a hook reverting with a short error settles and is recorded with its selector and length", async function () {
    const env = await loadFixture(withBombHook);
    await env.hook.set(4, false);
    await env.core.connect(env.worker).claim(env.job.jobId, 4);
    const p = await proveShard(env, env.job, 4, env.worker.address);
    await expect(submit(env, env.job, 4, env.worker, p))
      .to.emit(env.core, "ShardSettled")
      .and.to.emit(env.core, "ReputationHookFailed")
      .withArgs(env.worker.address, env.job.jobId, 4, true, "0xdeadbeef", 4);
    // fewer than 4 bytes of revert data: no selector, the length kept
    await env.hook.set(2, false);
    await env.core.connect(env.worker).claim(env.job.jobId, 5);
    const q = await proveShard(env, env.job, 5, env.worker.address);
    await expect(submit(env, env.job, 5, env.worker, q))
      .to.emit(env.core, "ReputationHookFailed")
      .withArgs(env.worker.address, env.job.jobId, 5, true, "0x00000000", 2);
  });
});
