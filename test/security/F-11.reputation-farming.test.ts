import { expect } from "chai";
import { fhevm } from "hardhat";
import { parseEther } from "ethers";
import { DEFAULT_REPUTATION_PARAMS, deployLocalFhe, wireCore } from "../../lib/fhe/deploy";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import { rateShard } from "../../lib/fhe/rating";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import type { ConfidentialReputation, PrivacyGateway } from "../../typechain-types";
import { expectReputation } from "../fhe/fixtures";
import { buildFixture } from "../helpers/fixtureCircuit";
import {
  deployEnv,
  deployVettedFixtureVerifier,
  FEE_PER_INFERENCE,
  PRICE,
  PUBLIC_BATCH,
  postJob,
  proveShard,
  registerAndStake,
  submit,
  versionSpec,
  type Env,
  type PostedJob,
} from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";
import { fheMockReady } from "../helpers/fhe-mock";

describe("security F-11: reputation reflects value burnt, and self-dealing earns none", function () {
  let env: Env;
  let reputation: ConfidentialReputation;
  let gateway: PrivacyGateway;
  let farmModel: bigint;

  before(async function () {
    await fheMockReady();
    env = await deployEnv();
    const core = await env.core.getAddress();
    ({ reputation, gateway } = await deployLocalFhe(env.owner, core));
    await wireCore(env.owner, core, await gateway.getAddress(), await reputation.getAddress());
    // mallory (worker2) is a worker with her own zero-fee model on a vetted verifier
    await registerAndStake(env, env.worker2);
    const verifier = await deployVettedFixtureVerifier(env.registry, env.worker2, "fixture_public");
    const { circuitHash } = await buildFixture("fixture_public");
    await env.registry
      .connect(env.worker2)
      .registerModel("farm", 0n, versionSpec(await verifier.getAddress(), circuitHash, { batchSize: PUBLIC_BATCH }));
    farmModel = await env.registry.modelCount();
  });
  after(releaseCurve);

  async function settleAll(job: PostedJob, shards: number) {
    const txs = [];
    for (let i = 0; i < shards; i++) {
      await env.core.connect(env.worker2).claim(job.jobId, i);
      txs.push(await submit(env, job, i, env.worker2, await proveShard(env, job, i, env.worker2.address)));
    }
    return txs;
  }

  it("F-11 the worker as requester on its own zero-fee model at 1 wei and zero collateral earns no score", async function () {
    const job = await postJob(env, {
      shards: 3,
      requester: env.worker2,
      over: { modelId: farmModel, pricePerShard: 1n, collateral: 0n },
    });
    for (const [i, tx] of (await settleAll(job, 3)).entries()) {
      await expect(tx).to.emit(reputation, "SelfDealingIgnored").withArgs(env.worker2.address, job.jobId, i);
      await expect(tx).not.to.emit(reputation, "ReputationUpdated");
    }
    await expect(rateShard(fhevm, reputation, env.worker2, job.jobId, 0n, 5))
      .to.be.revertedWithCustomError(reputation, "NotRateable")
      .withArgs(job.jobId, 0n);
    await expectReputation(reputation, env.worker2, 0n, 0n, 0n);
  });

  it("F-11 a stranger's (or sybil's) 1-wei job burns no fee and earns no points, and is not rateable", async function () {
    const sybil = env.others[0];
    const job = await postJob(env, { shards: 3, salt: 1, requester: sybil, over: { pricePerShard: 1n, collateral: 0n } });
    await settleAll(job, 3);
    await expect(rateShard(fhevm, reputation, sybil, job.jobId, 0n, 5)).to.be.revertedWithCustomError(
      reputation,
      "NotRateable",
    );
    expect((await reputation.settlementOf(job.jobId, 0n)).points).to.equal(0n);
    await expectReputation(reputation, env.worker2, 3n, 0n, 0n);

    // the victim's gate at 30 turns the farmer away
    const victim = await postJob(env, { shards: 1, salt: 2, over: { gated: true } });
    await setEncryptedMinScore(fhevm, gateway, env.requester, victim.jobId, 30);
    await requestEligibility(gateway, env.worker2, victim.jobId);
    const r = await relayEligibilityDecryption(fhevm, gateway, env.keeper, victim.jobId, env.worker2.address);
    expect(r.eligible).to.equal(false);
    await expect(env.core.connect(env.worker2).claim(victim.jobId, 0)).to.be.revertedWithCustomError(env.core, "NotEligible");
  });

  it("F-11 honest path, and what farming costs: score 30 takes two full-value shards, whose fees nobody gets back", async function () {
    const sybil = env.others[1];
    const [treasury0, owner0] = await Promise.all([
      env.core.balanceOf(env.treasury.address),
      env.core.balanceOf(env.modelOwner.address),
    ]);
    const job = await postJob(env, { shards: 2, salt: 3, requester: sybil });
    await settleAll(job, 2);
    for (const i of [0n, 1n]) {
      expect((await reputation.settlementOf(job.jobId, i)).points).to.equal(10n);
      await rateShard(fhevm, reputation, sybil, job.jobId, i, 5);
    }
    await expectReputation(reputation, env.worker2, 5n, 0n, 30n);
    // what left the farmer's two addresses for good: the protocol fee (to the treasury) and the owner fee (to a
    // model owner it does not control; its own model would have earned no points)
    const protocolFee = (PRICE * 250n) / 10_000n;
    expect(protocolFee).to.equal(DEFAULT_REPUTATION_PARAMS.pointPrice * 10n); // the price of the full 10 points
    const ownerFee = FEE_PER_INFERENCE * BigInt(PUBLIC_BATCH);
    expect((await env.core.balanceOf(env.treasury.address)) - treasury0).to.equal(2n * protocolFee);
    expect((await env.core.balanceOf(env.modelOwner.address)) - owner0).to.equal(2n * ownerFee);
    expect(2n * protocolFee).to.equal(parseEther("0.0005"));
  });
});
