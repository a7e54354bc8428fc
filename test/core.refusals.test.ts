import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { randomBytes } from "node:crypto";
import { publicPoint } from "../lib/crypto/release";
import {
  claimKeyed,
  deployEnv,
  keyedRelease,
  keylessRelease,
  postJob,
  registerAndStake,
  WINDOW,
  type Env,
} from "./helpers/protocol";

/** secp256k1's group order n and field prime p (OblivionCore's SECP_N and SECP_P). */
const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const G = publicPoint(1n);

async function withWorkers(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  return env;
}

const dataKeys = () => Array.from({ length: 4 }, () => new Uint8Array(randomBytes(32)));

/** The owner-set parameters, to show a refused call changed none of them. */
async function ownerState(env: Env) {
  const c = env.core;
  return [
    await c.treasury(),
    await c.slashRequesterBps(),
    await c.slashBountyBps(),
    await c.hookGasLimit(),
    await c.eligibilityGate(),
    await c.reputationHook(),
    await c.paused(),
  ];
}

describe("OblivionCore: refusals", function () {
  it("every owner setter and unpause refuse any other account with OwnableUnauthorizedAccount, changing nothing", async function () {
    const env = await loadFixture(withWorkers);
    const gate = await (await ethers.getContractFactory("MockEligibilityGate")).deploy();
    await env.core.connect(env.owner).pause();
    const before = await ownerState(env);
    const c = env.core.connect(env.keeper);
    const calls = {
      setTreasury: () => c.setTreasury(env.keeper.address),
      setSlashSplit: () => c.setSlashSplit(8000, 2000),
      setHookGasLimit: () => c.setHookGasLimit(100_000),
      setEligibilityGate: async () => c.setEligibilityGate(await gate.getAddress()),
      unpause: () => c.unpause(),
    };
    for (const [name, call] of Object.entries(calls)) {
      await expect(call(), name).to.be.revertedWithCustomError(c, "OwnableUnauthorizedAccount").withArgs(env.keeper.address);
    }
    expect(await ownerState(env)).to.deep.equal(before);
    // the same calls from the owner go through (the refusals were about the caller, not the values)
    await expect(env.core.connect(env.owner).unpause()).to.emit(env.core, "Unpaused");
    await expect(env.core.connect(env.owner).setEligibilityGate(await gate.getAddress())).to.emit(env.core, "EligibilityGateSet");
  });

  it("claimWithKey is paused like claim: EnforcedPause, the shard stays open; after unpause it claims", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env, { dataKeys: dataKeys() });
    await env.core.connect(env.owner).pause();
    await expect(env.core.connect(env.worker).claimWithKey(job.jobId, 0, G.x, G.y)).to.be.revertedWithCustomError(
      env.core,
      "EnforcedPause",
    );
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(0n); // Open
    expect((await env.core.getWorker(env.worker.address)).locked).to.equal(0n);
    await env.core.connect(env.owner).unpause();
    const tx = await env.core.connect(env.worker).claimWithKey(job.jobId, 0, G.x, G.y);
    await expect(tx)
      .to.emit(env.core, "ShardClaimed")
      .withArgs(job.jobId, 0, env.worker.address, (await time.latest()) + WINDOW, 1n, G.x, G.y);
  });

  it("claimWithKey refuses a one-time key with a coordinate at or above p with InvalidCurvePoint", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env, { dataKeys: dataKeys() });
    const c = env.core.connect(env.worker);
    for (const [x, y] of [
      [SECP_P, G.y],
      [G.x, SECP_P],
    ]) {
      await expect(c.claimWithKey(job.jobId, 0, x, y)).to.be.revertedWithCustomError(c, "InvalidCurvePoint").withArgs(x, y);
    }
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(0n);
  });

  it("a keyless release carrying a key hash or a masked key is refused with UnexpectedKey, the claim untouched", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const before = await env.core.getShard(job.jobId, 0);
    const r = await keylessRelease(env.core, job.jobId, 0);
    const req = env.core.connect(env.requester);
    for (const over of [{ keyHash: ethers.id("key") }, { maskedKey: ethers.id("mask") }]) {
      await expect(req.releaseShardKey(job.jobId, 0, { ...r, ...over }), Object.keys(over)[0]).to.be.revertedWithCustomError(
        env.core,
        "UnexpectedKey",
      );
    }
    expect(await env.core.getShard(job.jobId, 0)).to.deep.equal(before); // not released, deadline unchanged
    await expect(req.releaseShardKey(job.jobId, 0, r)).to.emit(env.core, "ShardKeyReleased");
  });

  it("only the claimant leaves its claim: NotClaimant for anyone else, the claim and its lock kept", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 1);
    const before = await env.core.getShard(job.jobId, 1);
    await expect(env.core.connect(env.worker2).leaveClaim(job.jobId, 1))
      .to.be.revertedWithCustomError(env.core, "NotClaimant")
      .withArgs(env.worker2.address, env.worker.address);
    expect(await env.core.getShard(job.jobId, 1)).to.deep.equal(before);
    expect((await env.core.getJob(job.jobId)).openClaims).to.equal(1n);
    expect((await env.core.getWorker(env.worker.address)).locked).to.equal(job.params.collateral);
  });

  it("proveBadRelease needs a keyed claim with a released key: ShardNotClaimed, then NoKeyedRelease for each missing part", async function () {
    const env = await loadFixture(withWorkers);
    const keys = dataKeys();
    const job = await postJob(env, { dataKeys: keys });
    const c = env.core.connect(env.worker);
    const prove = (i: number, t: bigint, keyHash: string) => c.proveBadRelease(job.jobId, i, t, keyHash, G.x, G.y, ethers.ZeroHash);
    const someKey = ethers.id("key");
    // an open shard
    await expect(prove(0, 1n, someKey)).to.be.revertedWithCustomError(c, "ShardNotClaimed").withArgs(job.jobId, 0);
    // a keyless claim, released
    await c.claim(job.jobId, 0);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0));
    await expect(prove(0, 1n, someKey)).to.be.revertedWithCustomError(c, "NoKeyedRelease").withArgs(job.jobId, 0);
    // a keyed claim, not released yet
    const t = await claimKeyed(env, job, 1, env.worker);
    await expect(prove(1, t, someKey)).to.be.revertedWithCustomError(c, "NoKeyedRelease").withArgs(job.jobId, 1);
    // a keyed claim, released, but the worker names no key hash
    const r = await keyedRelease(env, job, 1, keys[1]);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 1, r);
    await expect(c.proveBadRelease(job.jobId, 1, t, ethers.ZeroHash, r.ephemeralX, r.ephemeralY, r.maskedKey))
      .to.be.revertedWithCustomError(c, "NoKeyedRelease")
      .withArgs(job.jobId, 1);
    // nothing was forfeited: both claims stand, released
    for (const i of [0, 1]) {
      const s = await env.core.getShard(job.jobId, i);
      expect([s.status, s.worker, s.keyReleased], `shard ${i}`).to.deep.equal([1n, env.worker.address, true]);
    }
    expect((await env.core.getJob(job.jobId)).forfeitedShards).to.equal(0n);
    expect(await env.core.balanceOf(env.worker.address)).to.equal(0n);
  });

  it("a keyed release's ephemeral point must be usable: x = 0, x >= n and a point off the curve are InvalidCurvePoint", async function () {
    const env = await loadFixture(withWorkers);
    const keys = dataKeys();
    const job = await postJob(env, { dataKeys: keys });
    await claimKeyed(env, job, 2, env.worker);
    const r = await keyedRelease(env, job, 2, keys[2]);
    const before = await env.core.getShard(job.jobId, 2);
    const req = env.core.connect(env.requester);
    const y = BigInt(r.ephemeralY);
    for (const [x, yy] of [
      [0n, y],
      [SECP_N, y],
      [SECP_P - 1n, y],
      [BigInt(r.ephemeralX), y + 1n],
    ]) {
      await expect(req.releaseShardKey(job.jobId, 2, { ...r, ephemeralX: x, ephemeralY: yy }))
        .to.be.revertedWithCustomError(env.core, "InvalidCurvePoint")
        .withArgs(x, yy);
    }
    expect(await env.core.getShard(job.jobId, 2)).to.deep.equal(before);
    await expect(req.releaseShardKey(job.jobId, 2, r)).to.emit(env.core, "ShardKeyReleased");
  });

  it("replayHook with the hook removed is refused with NoReputationHook and the call stays pending", async function () {
    const env = await loadFixture(withWorkers);
    const hook = await (await ethers.getContractFactory("MockReputationHook")).deploy();
    const o = env.core.connect(env.owner);
    await o.setReputationHook(await hook.getAddress());
    await hook.setMode(1); // revert
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0));
    await time.increase(WINDOW + 1);
    await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 0)).to.emit(env.core, "ReputationHookFailed");
    const worker = env.worker.address;
    expect(await env.core.hookPending(worker, job.jobId, 0, false)).to.equal(true);

    await o.setReputationHook(ethers.ZeroAddress);
    await expect(env.core.connect(env.keeper).replayHook(worker, job.jobId, 0, false)).to.be.revertedWithCustomError(
      env.core,
      "NoReputationHook",
    );
    expect(await env.core.hookPending(worker, job.jobId, 0, false)).to.equal(true);
    // a hook set again (and working) takes the replay
    await o.setReputationHook(await hook.getAddress());
    await hook.setMode(0);
    await expect(env.core.connect(env.keeper).replayHook(worker, job.jobId, 0, false))
      .to.emit(env.core, "ReputationHookReplayed")
      .withArgs(worker, job.jobId, 0, false, env.keeper.address);
    expect(await hook.slashedCalls()).to.equal(1n);
  });
});
