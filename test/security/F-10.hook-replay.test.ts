import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { PassThrough } from "node:stream";
import { HookReplayDuty } from "../../keepers/hook-replay";
import { deployLocalFhe, wireCore } from "../../lib/fhe/deploy";
import { replayPendingHooks } from "../../lib/fhe/hook-replay";
import { createLogger } from "../../lib/util/log";
import type { ConfidentialReputation, HcuBurner } from "../../typechain-types";
import { expectReputation } from "../fhe/fixtures";
import {
  COLLATERAL,
  deployEnv,
  PRICE,
  postJob,
  proveShard,
  registerAndStake,
  submit,
  WINDOW,
  type Env,
  type PostedJob,
  keylessRelease,
} from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";
import { fheMockReady } from "../helpers/fhe-mock";

/** HCU spent by each HcuBurner round: a trivial euint64 (32) and a scalar euint64 multiplication (365,000). */
const HCU_PER_ROUND = 365_032;
/** Rounds that leave less of the 20,000,000 HCU budget than onSlashed needs (329,032; 449,032 for a first outcome). */
const ROUNDS = 54; // 19,711,728 spent, 288,272 left

describe("security F-10: a failed reputation hook call can be replayed by anyone", function () {
  let env: Env;
  let reputation: ConfidentialReputation;
  let burner: HcuBurner;

  before(async function () {
    await fheMockReady();
    env = await deployEnv();
    const core = await env.core.getAddress();
    let gateway;
    ({ reputation, gateway } = await deployLocalFhe(env.owner, core));
    await wireCore(env.owner, core, await gateway.getAddress(), await reputation.getAddress());
    await registerAndStake(env, env.worker);
    await registerAndStake(env, env.worker2);
    burner = await (await ethers.getContractFactory("HcuBurner", env.keeper)).deploy();
  });
  after(releaseCurve);

  /** worker settles shard 0 (score 10), then claims shard 1 and lets it expire with the key released. */
  async function settledThenStalled(salt: number): Promise<PostedJob> {
    const job = await postJob(env, { shards: 2, salt });
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await submit(env, job, 0, env.worker, await proveShard(env, job, 0, env.worker.address));
    await env.core.connect(env.worker).claim(job.jobId, 1);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 1, await keylessRelease(env.core, job.jobId, 1, "0x01"));
    await time.increase(WINDOW + 1);
    return job;
  }

  it("F-10 a slash reclaimed after burning the HCU budget leaves the penalty pending, and anyone's replay applies it", async function () {
    const job = await settledThenStalled(0);
    await expectReputation(reputation, env.worker, 1n, 0n, 10n);
    const treasury = await env.core.balanceOf(env.treasury.address);
    const tx = await burner.burnAndReclaim(await env.core.getAddress(), job.jobId, 1, ROUNDS);
    const rc = (await tx.wait())!;
    expect(fhevm.computeTransactionHCU(rc).globalHCU).to.equal(ROUNDS * HCU_PER_ROUND);
    // the attack: the slash lands but the hook fails inside the core's try/catch ...
    await expect(tx).to.emit(env.core, "ClaimSlashed");
    await expect(tx).to.emit(env.core, "ReputationHookFailed");
    await expect(tx).not.to.emit(reputation, "ReputationUpdated");
    expect(await env.core.hookPending(env.worker.address, job.jobId, 1, false)).to.equal(true);
    await expectReputation(reputation, env.worker, 1n, 0n, 10n);
    // ... the slash split is paid as always (the attacker earned only the bounty, nobody honest lost anything) ...
    expect(await env.core.balanceOf(await burner.getAddress())).to.equal((COLLATERAL * 1000n) / 10_000n);
    expect((await env.core.balanceOf(env.treasury.address)) - treasury).to.equal((COLLATERAL * 4000n) / 10_000n);

    // ... and anyone (here the other worker) replays it in a fresh transaction with a fresh HCU budget
    await expect(env.core.connect(env.worker2).replayHook(env.worker.address, job.jobId, 1, false))
      .to.emit(env.core, "ReputationHookReplayed")
      .withArgs(env.worker.address, job.jobId, 1, false, env.worker2.address)
      .and.to.emit(reputation, "ReputationUpdated")
      .withArgs(env.worker.address, job.jobId, 1, false);
    await expectReputation(reputation, env.worker, 1n, 1n, 0n);
    expect(await env.core.hookPending(env.worker.address, job.jobId, 1, false)).to.equal(false);
    await expect(env.core.replayHook(env.worker.address, job.jobId, 1, false))
      .to.be.revertedWithCustomError(env.core, "HookCallNotPending")
      .withArgs(env.worker.address, job.jobId, 1, false);
  });

  it("F-10 a replay that fails again reverts and stays pending; the replayed call carries the job's terms", async function () {
    const job = await postJob(env, { shards: 1, salt: 1 });
    const hook = await (await ethers.getContractFactory("MockReputationHook")).deploy();
    await env.core.connect(env.owner).setReputationHook(await hook.getAddress());
    await hook.setMode(1); // revert
    await env.core.connect(env.worker2).claim(job.jobId, 0);
    const p = await proveShard(env, job, 0, env.worker2.address);
    await expect(submit(env, job, 0, env.worker2, p)).to.emit(env.core, "ReputationHookFailed");
    expect(await env.core.hookPending(env.worker2.address, job.jobId, 0, true)).to.equal(true);
    await expect(env.core.replayHook(env.worker2.address, job.jobId, 0, true)).to.be.revertedWith("hook says no");
    const again = await replayPendingHooks(env.core, env.keeper, 0);
    expect(again.map((r) => [r.worker, r.jobId, r.shardIndex, r.settled, r.txHash])).to.deep.equal([
      [env.worker2.address, job.jobId, 0n, true, undefined],
    ]);
    expect(again[0].error).to.match(/hook says no/);
    expect(await env.core.hookPending(env.worker2.address, job.jobId, 0, true)).to.equal(true);
    await hook.setMode(0);
    // the keeper's duty replays it on its next pass
    const duty = new HookReplayDuty(env.core, env.keeper, createLogger({ source: "test", json: true, out: new PassThrough() }));
    expect(await duty.run()).to.equal(1);
    expect(await duty.run()).to.equal(0);
    expect(await hook.settledCalls()).to.equal(1);
    expect([await hook.lastWorker(), await hook.lastJobId(), await hook.lastShardIndex()]).to.deep.equal([
      env.worker2.address,
      job.jobId,
      0n,
    ]);
    expect(await hook.lastValue()).to.deep.equal([env.requester.address, env.modelOwner.address, (PRICE * 250n) / 10_000n, COLLATERAL]);
    // a call that never failed cannot be "replayed" (no double counting)
    await expect(env.core.replayHook(env.worker2.address, job.jobId, 0, true)).to.be.revertedWithCustomError(
      env.core,
      "HookCallNotPending",
    );
    await env.core.connect(env.owner).setReputationHook(await reputation.getAddress());
  });

  it("F-10 honest path: a plain reclaim updates the reputation at once and leaves nothing pending", async function () {
    const job = await settledThenStalled(2);
    await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 1))
      .to.emit(reputation, "ReputationUpdated")
      .withArgs(env.worker.address, job.jobId, 1, false)
      .and.not.to.emit(env.core, "ReputationHookFailed");
    expect(await env.core.hookPending(env.worker.address, job.jobId, 1, false)).to.equal(false);
    await expectReputation(reputation, env.worker, 2n, 2n, 0n); // 10, -25 -> 0 (replayed), +10, -25 -> 0
  });
});
