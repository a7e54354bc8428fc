import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { randomBytes } from "node:crypto";
import { parseEther } from "ethers";
import { maskDataKey, publicPoint, unmaskDataKey } from "../../lib/crypto/release";
import { wrapKey, generateWorkerKeyPair } from "../../lib/crypto";
import { encodeRelease } from "../../lib/requester/shard";
import {
  claimContext,
  claimKeyed,
  deployEnv,
  keyedRelease,
  keylessRelease,
  postJob,
  proveShard,
  registerAndStake,
  submit,
  COLLATERAL,
  PRICE,
  WINDOW,
  type Env,
} from "../helpers/protocol";

const keys = () => Array.from({ length: 4 }, () => new Uint8Array(randomBytes(32)));

async function withWorkers(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  return env;
}

/** Balance + stake of each account, to show nobody honest lost value. */
async function holdings(env: Env, who: string[]): Promise<bigint[]> {
  return Promise.all(who.map(async (a) => (await env.core.balanceOf(a)) + (await env.core.getWorker(a)).stake));
}

describe("security F-01: a requester cannot take a worker's collateral with a bad key release", function () {
  it("F-01 a key masked to a stranger is proven bad on-chain: claim forfeited without slash, worker paid, requester earns nothing", async function () {
    const env = await loadFixture(withWorkers);
    const dataKeys = keys();
    const job = await postJob(env, { dataKeys });
    const t = await claimKeyed(env, job, 0, env.worker);
    // The attack: a well-formed release of the right key, masked to a stranger's key instead of the claim's.
    const stranger = publicPoint(12345n);
    const ctx = await claimContext(env, job.jobId, 0, 1n);
    const bad = maskDataKey(dataKeys[0], stranger, ctx);
    const honest = await keyedRelease(env, job, 0, dataKeys[0]);
    const release = { ...honest, ephemeralX: bad.ephemeral.x, ephemeralY: bad.ephemeral.y, maskedKey: bad.maskedKey };
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, release);
    const before = await holdings(env, [env.worker.address, env.requester.address]);

    // The worker opens it with its one-time secret: the key does not hash to the commitment.
    const opened = unmaskDataKey({ ephemeral: bad.ephemeral, maskedKey: bad.maskedKey, keyHash: String(honest.keyHash) }, t, ctx);
    expect(opened.matches).to.equal(false);
    await expect(
      env.core.connect(env.worker).proveBadRelease(job.jobId, 0, t, honest.keyHash, bad.ephemeral.x, bad.ephemeral.y, bad.maskedKey),
    )
      .to.emit(env.core, "BadReleaseProven")
      .withArgs(job.jobId, 0, env.worker.address, PRICE, (await env.core.getJob(job.jobId)).ownerFeePerShard);
    const after = await holdings(env, [env.worker.address, env.requester.address]);
    expect(after[0] - before[0]).to.equal(PRICE); // worker: stake intact, paid the shard's price
    const w = await env.core.getWorker(env.worker.address);
    expect(w.locked).to.equal(0n);
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(3n); // Forfeited
    expect((await env.core.getJob(job.jobId)).forfeitedShards).to.equal(1n);
    // The requester's keeper waits out the window: there is nothing to reclaim or slash.
    await time.increase(WINDOW + 1);
    await expect(env.core.connect(env.requester).reclaimExpired(job.jobId, 0)).to.be.revertedWithCustomError(env.core, "ShardNotClaimed");
    // The requester got back only the owner fee of the shard it sabotaged (it paid price + fee).
    expect(after[1] - before[1]).to.equal((await env.core.getJob(job.jobId)).ownerFeePerShard);
  });

  it("F-01 a wrong data key (right mask) is proven bad too", async function () {
    const env = await loadFixture(withWorkers);
    const dataKeys = keys();
    const job = await postJob(env, { dataKeys });
    const t = await claimKeyed(env, job, 1, env.worker);
    const r = await keyedRelease(env, job, 1, new Uint8Array(randomBytes(32)));
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 1, r);
    await expect(env.core.connect(env.worker).proveBadRelease(job.jobId, 1, t, r.keyHash, r.ephemeralX, r.ephemeralY, r.maskedKey)).to.emit(
      env.core,
      "BadReleaseProven",
    );
  });

  it("F-01 honest path: a correct release cannot be disproved, forged proofs revert, and the worker settles with a real proof", async function () {
    const env = await loadFixture(withWorkers);
    const dataKeys = keys();
    const job = await postJob(env, { dataKeys });
    const t = await claimKeyed(env, job, 2, env.worker);
    const r = await keyedRelease(env, job, 2, dataKeys[2]);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 2, r);
    const c = env.core.connect(env.worker);
    await expect(c.proveBadRelease(job.jobId, 2, t, r.keyHash, r.ephemeralX, r.ephemeralY, r.maskedKey)).to.be.revertedWithCustomError(
      env.core,
      "ReleaseIsCorrect",
    );
    // Another secret, or fields other than those released, do not match the stored digest.
    await expect(c.proveBadRelease(job.jobId, 2, t + 1n, r.keyHash, r.ephemeralX, r.ephemeralY, r.maskedKey)).to.be.revertedWithCustomError(
      env.core,
      "ReleaseMismatch",
    );
    const flipped = "0x" + (BigInt(String(r.maskedKey)) ^ 1n).toString(16).padStart(64, "0");
    await expect(c.proveBadRelease(job.jobId, 2, t, r.keyHash, r.ephemeralX, r.ephemeralY, flipped)).to.be.revertedWithCustomError(
      env.core,
      "ReleaseMismatch",
    );
    await expect(
      env.core.connect(env.worker2).proveBadRelease(job.jobId, 2, t, r.keyHash, r.ephemeralX, r.ephemeralY, r.maskedKey),
    ).to.be.revertedWithCustomError(env.core, "NotClaimant");
    const ctx = await claimContext(env, job.jobId, 2, 1n);
    const opened = unmaskDataKey({ ephemeral: { x: BigInt(r.ephemeralX), y: BigInt(r.ephemeralY) }, maskedKey: String(r.maskedKey), keyHash: String(r.keyHash) }, t, ctx);
    expect(opened.matches).to.equal(true);
    expect(Buffer.from(opened.dataKey).equals(Buffer.from(dataKeys[2]))).to.equal(true);
    const p = await proveShard(env, job, 2, env.worker.address);
    await expect(submit(env, job, 2, env.worker, p)).to.emit(env.core, "ShardSettled");
  });

  it("F-01 a release must prove the committed key hash and a usable ephemeral point", async function () {
    const env = await loadFixture(withWorkers);
    const dataKeys = keys();
    const job = await postJob(env, { dataKeys });
    await claimKeyed(env, job, 0, env.worker);
    const r = await keyedRelease(env, job, 0, dataKeys[0]);
    const req = env.core.connect(env.requester);
    await expect(req.releaseShardKey(job.jobId, 0, { ...r, keyHash: ethers.keccak256("0x01") })).to.be.revertedWithCustomError(env.core, "InvalidKeyProof");
    await expect(req.releaseShardKey(job.jobId, 0, { ...r, keyProof: job.tree.keyProof(1) })).to.be.revertedWithCustomError(env.core, "InvalidKeyProof");
    await expect(req.releaseShardKey(job.jobId, 0, { ...r, ephemeralY: BigInt(r.ephemeralY) + 1n })).to.be.revertedWithCustomError(env.core, "InvalidCurvePoint");
    await expect(env.core.connect(env.worker2).claimWithKey(job.jobId, 1, 1n, 1n)).to.be.revertedWithCustomError(env.core, "InvalidCurvePoint");
  });

  it("F-01 a keyless release wrapped to a stranger (the reported attack): the worker leaves within the inspection window, no slash, no gain", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const stranger = generateWorkerKeyPair();
    const payload = encodeRelease({ packageCid: "bafypkg", wrappedKey: wrapKey(new Uint8Array(32).fill(9), stranger.publicKey) });
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, payload));
    const before = await holdings(env, [env.worker.address, env.requester.address]);
    // Inside the window (claimWindow / 4 after the release) the worker leaves.
    await time.increase(WINDOW / 4 - 5);
    await expect(env.core.connect(env.worker).leaveClaim(job.jobId, 0))
      .to.emit(env.core, "ClaimLeft")
      .withArgs(job.jobId, 0, env.worker.address, true);
    await time.increase(WINDOW);
    await expect(env.core.connect(env.requester).reclaimExpired(job.jobId, 0)).to.be.revertedWithCustomError(env.core, "ShardNotClaimed");
    expect(await holdings(env, [env.worker.address, env.requester.address])).to.deep.equal(before);
    expect((await env.core.getWorker(env.worker.address)).locked).to.equal(0n);
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(0n); // open for others
  });

  it("F-01 a requester that never releases cannot hold the stake: the worker leaves at once; only a kept claim is slashed", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await expect(env.core.connect(env.worker).leaveClaim(job.jobId, 0)).to.emit(env.core, "ClaimLeft").withArgs(job.jobId, 0, env.worker.address, false);
    expect((await env.core.getWorker(env.worker.address)).locked).to.equal(0n);
    // Left before any release, it learned nothing: it may claim the shard again (a requester back after a restart).
    await expect(env.core.connect(env.worker).claim(job.jobId, 0)).to.emit(env.core, "ShardClaimed");
    // Left after a release (inside the inspection window), it has read the data: it may not claim that shard again.
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0));
    await expect(env.core.connect(env.worker).leaveClaim(job.jobId, 0)).to.emit(env.core, "ClaimLeft").withArgs(job.jobId, 0, env.worker.address, true);
    await expect(env.core.connect(env.worker).claim(job.jobId, 0)).to.be.revertedWithCustomError(env.core, "AlreadyClaimedBefore");
    // After the inspection window the worker accepted the work: leaving reverts and an expiry is slashed.
    await env.core.connect(env.worker2).claim(job.jobId, 1);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 1, await keylessRelease(env.core, job.jobId, 1));
    await time.increase(WINDOW / 4 + 1);
    await expect(env.core.connect(env.worker2).leaveClaim(job.jobId, 1)).to.be.revertedWithCustomError(env.core, "InspectionOver");
    await time.increase(WINDOW);
    await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 1)).to.emit(env.core, "ClaimSlashed");
    expect((await env.core.getWorker(env.worker2.address)).stake).to.equal(parseEther("1") - COLLATERAL);
  });
});
