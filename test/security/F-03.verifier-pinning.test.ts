import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { buildFixture } from "../helpers/fixtureCircuit";
import {
  COLLATERAL,
  deployEnv,
  deployFixtureVerifier,
  jobParams,
  postJob,
  proveShard,
  registerAndStake,
  submit,
  versionSpec,
  WINDOW,
  type Env,
  keylessRelease,
} from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";
import { testWorker } from "../helpers/worker";
import { verifyingKeyOf, type SnarkjsVkey } from "../../lib/zk/vk-verifier";
import type { SwitchableVerifier } from "../../typechain-types";

/** The protocol plus a model whose owner (modelOwner) controls its verifier: accept-all or reject-all at will. */
async function withSwitchableModel(): Promise<Env & { switchable: SwitchableVerifier; rogueModel: bigint }> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  const switchable = await (await ethers.getContractFactory("SwitchableVerifier", env.modelOwner)).deploy();
  const { circuitHash } = await buildFixture("fixture_public");
  await env.registry
    .connect(env.modelOwner)
    .registerModel("rogue", 0n, versionSpec(await switchable.getAddress(), circuitHash, { batchSize: 4 }));
  return { ...env, switchable, rogueModel: await env.registry.modelCount() };
}

describe("security F-03: what a posted job verifies against cannot change", function () {
  after(releaseCurve);

  it("F-03 a verifier the registry did not deploy is flagged unvetted and no job is posted on it without opt-in", async function () {
    const env = await loadFixture(withSwitchableModel);
    const v = await env.registry.getVersion(env.rogueModel, 1);
    expect(v.vetted).to.equal(false);
    expect(v.verifierCodeHash).to.equal(ethers.keccak256(await ethers.provider.getCode(await env.switchable.getAddress())));
    // the snarkjs export behind the adapter is just as unvetted: the registry cannot see what it accepts
    const adapter = await deployFixtureVerifier(env.modelOwner, "fixture_public");
    expect(await env.registry.isVettedVerifier(await adapter.getAddress())).to.equal(false);
    const tx = env.registry.connect(env.modelOwner).publishVersion(env.rogueModel, versionSpec(await adapter.getAddress(), ethers.ZeroHash));
    await expect(tx).to.emit(env.registry, "UnvettedVerifier").withArgs(env.rogueModel, 2, await adapter.getAddress(), ethers.keccak256(await ethers.provider.getCode(await adapter.getAddress())));

    // the attack: the owner's worker would settle garbage for the requester's escrow; the post itself is refused
    const { params } = await jobParams(env, { over: { modelId: env.rogueModel } });
    const before = await ethers.provider.getBalance(env.requester.address);
    await expect(env.core.connect(env.requester).postJob(params, { value: await env.core.jobEscrowFor(params) }))
      .to.be.revertedWithCustomError(env.core, "UnvettedVerifierNotAccepted")
      .withArgs(env.rogueModel, 1, await env.switchable.getAddress());
    expect(await env.core.jobCount()).to.equal(0n);
    expect(before - (await ethers.provider.getBalance(env.requester.address))).to.be.lessThan(ethers.parseEther("0.001")); // gas only
  });

  it("F-03 an opted-in job on a verifier flipped to reject-all voids the honest worker's claim instead of slashing it", async function () {
    const env = await loadFixture(withSwitchableModel);
    const job = await postJob(env, { over: { modelId: env.rogueModel, acceptUnvettedVerifier: true } });
    const stored = await env.core.getJob(job.jobId);
    expect([stored.unvettedVerifier, stored.verifierCodeHash]).to.deep.equal([
      true,
      (await env.registry.getVersion(env.rogueModel, 1)).verifierCodeHash,
    ]);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0x01"));
    await env.switchable.connect(env.modelOwner).setAcceptAll(false);
    const p = await proveShard(env, job, 0, env.worker.address); // a valid proof, refused by the flipped verifier
    await expect(submit(env, job, 0, env.worker, p)).to.be.revertedWithCustomError(env.core, "InvalidProof");
    await time.increase(WINDOW + 1);
    const stake = (await env.core.getWorker(env.worker.address)).stake;
    await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 0))
      .to.emit(env.core, "ClaimVoided")
      .withArgs(job.jobId, 0, env.worker.address, env.keeper.address);
    const w = await env.core.getWorker(env.worker.address);
    expect([w.stake, w.locked]).to.deep.equal([stake, 0n]); // the honest worker lost nothing
    expect(await env.core.balanceOf(env.keeper.address)).to.equal(0n);
    expect(await env.core.balanceOf(env.modelOwner.address)).to.equal(0n);
  });

  it("F-03 a verifier whose code changes after post (metamorphic redeploy) is refused at post and at submission", async function () {
    const env = await loadFixture(withSwitchableModel);
    const vetted = await env.verifiers.fixture_public.getAddress();
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const pinned = (await env.core.getJob(job.jobId)).verifierCodeHash;
    // Cancun keeps code for good; a chain without EIP-6780 lets SELFDESTRUCT + CREATE2 swap it: simulate the swap.
    const accept = await ethers.provider.getCode(await env.switchable.getAddress());
    await network.provider.send("hardhat_setCode", [vetted, accept]);
    const p = await proveShard(env, job, 0, env.worker.address);
    await expect(submit(env, job, 0, env.worker, { ...p, proof: "0x" }))
      .to.be.revertedWithCustomError(env.core, "VerifierCodeChanged")
      .withArgs(vetted, pinned, ethers.keccak256(accept));
    const { params } = await jobParams(env, { salt: 3 });
    await expect(env.core.connect(env.requester).postJob(params, { value: await env.core.jobEscrowFor(params) }))
      .to.be.revertedWithCustomError(env.core, "VerifierCodeChanged");
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(1n); // nothing settled for garbage
  });

  it("F-03 honest path: a registry-deployed verifier is vetted, settles a real proof, and nobody can vet a verifier", async function () {
    const env = await loadFixture(withSwitchableModel);
    const address = await env.verifiers.fixture_public.getAddress();
    expect(await env.registry.isVettedVerifier(address)).to.equal(true);
    expect((await env.registry.getVersion(env.models.fixture_public, 1)).vetted).to.equal(true);
    const job = await postJob(env);
    expect((await env.core.getJob(job.jobId)).unvettedVerifier).to.equal(false);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const p = await proveShard(env, job, 0, env.worker.address);
    expect(await env.verifiers.fixture_public.verifyProof("0x", p.signals)).to.equal(false); // zero-byte proof
    await expect(submit(env, job, 0, env.worker, p)).to.emit(env.core, "ShardSettled");

    // the registry has no owner and no function that vets an address it did not deploy
    const fns = Object.values(env.registry.interface.fragments).flatMap((f) => (f.type === "function" ? [(f as unknown as { name: string }).name] : []));
    expect(fns.filter((n) => /owner|vet|allow|set(Verifier|Vetted)/i.test(n) && n !== "isVettedVerifier")).to.deep.equal([]);
    // a key that is not on the curve, or a signal count the key does not have, is refused
    const key = verifyingKeyOf((await buildFixture("fixture_public")).vkey as SnarkjsVkey);
    await expect(env.registry.deployGroth16Verifier({ ...key, alpha: [1n, 1n] }))
      .to.be.revertedWithCustomError(env.verifiers.fixture_public, "InvalidKeyPoint")
      .withArgs(0);
    await expect(
      env.registry.connect(env.modelOwner).publishVersion(env.models.fixture_public, versionSpec(address, ethers.ZeroHash, { numPublicSignals: 4, modelCommitment: 7n })),
    )
      .to.be.revertedWithCustomError(env.registry, "VerifierSignalMismatch")
      .withArgs(3, 4);
  });

  it("F-03 the reference worker leaves unvetted jobs alone unless configured to take them", async function () {
    const env = await loadFixture(withSwitchableModel);
    const job = await postJob(env, { shards: 1, over: { modelId: env.rogueModel, acceptUnvettedVerifier: true } });
    const cautious = testWorker(env, env.worker);
    await cautious.worker.tick();
    expect(cautious.worker.stats.claimed).to.equal(0);
    const bold = testWorker(env, env.worker2, undefined, { acceptUnvettedVerifiers: true });
    await bold.worker.tick();
    expect(bold.worker.stats.claimed).to.equal(1);
    expect((await env.core.getShard(job.jobId, 0)).worker).to.equal(env.worker2.address);
    expect((await env.core.getWorker(env.worker2.address)).locked).to.equal(COLLATERAL);
  });
});
