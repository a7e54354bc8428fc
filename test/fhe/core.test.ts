import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployLocalFhe, wireCore } from "../../lib/fhe/deploy";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import { relayPendingEligibility } from "../../lib/fhe/keeper";
import { rateShard } from "../../lib/fhe/rating";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import type { ConfidentialReputation, PrivacyGateway } from "../../typechain-types";
import { deployEnv, postJob, proveShard, registerAndStake, submit, WINDOW, type Env, keylessRelease } from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";
import { expectReputation } from "./fixtures";
import { fheMockReady } from "../helpers/fhe-mock";

/** The core wired to the FHE contracts on one chain, as on a local node: hook = reputation, gate = gateway. */
describe("fhe with OblivionCore (one chain)", function () {
  let env: Env;
  let reputation: ConfidentialReputation;
  let gateway: PrivacyGateway;

  before(async function () {
    await fheMockReady();
    env = await deployEnv();
    const core = await env.core.getAddress();
    ({ reputation, gateway } = await deployLocalFhe(env.owner, core));
    expect(await wireCore(env.worker, core, await gateway.getAddress(), await reputation.getAddress())).to.equal(false);
    expect(await wireCore(env.owner, core, await gateway.getAddress(), await reputation.getAddress())).to.equal(true);
    expect([await env.core.reputationHook(), await env.core.eligibilityGate()]).to.deep.equal([
      await reputation.getAddress(),
      await gateway.getAddress(),
    ]);
    await registerAndStake(env, env.worker);
    await registerAndStake(env, env.worker2);
  });
  after(releaseCurve);

  it("feeds settlements and slashes into the encrypted reputation, and the requester's ratings", async function () {
    const job = await postJob(env, { shards: 4 });
    for (let i = 0; i < 3; i++) {
      await (await env.core.connect(env.worker).claim(job.jobId, i)).wait();
      const tx = await submit(env, job, i, env.worker, await proveShard(env, job, i, env.worker.address));
      await expect(tx).to.emit(reputation, "ReputationUpdated").withArgs(env.worker.address, job.jobId, i, true);
      await expect(tx).not.to.emit(env.core, "ReputationHookFailed");
    }
    await (await env.core.connect(env.worker2).claim(job.jobId, 3)).wait();
    // Released keys make an expired claim a slash (without a release it would only be voided).
    await (await env.core.connect(env.requester).releaseShardKey(job.jobId, 3, await keylessRelease(env.core, job.jobId, 3, "0x01"))).wait();
    await time.increase(WINDOW + 1);
    const slash = await env.core.connect(env.keeper).reclaimExpired(job.jobId, 3);
    await expect(slash).to.emit(reputation, "ReputationUpdated").withArgs(env.worker2.address, job.jobId, 3, false);
    await expect(slash).not.to.emit(env.core, "ReputationHookFailed");

    await rateShard(fhevm, reputation, env.requester, job.jobId, 0n, 5);
    await expectReputation(reputation, env.worker, 3n, 0n, 35n);
    await expectReputation(reputation, env.worker2, 0n, 1n, 0n);
  });

  it("turns away a claim on a gated job until a verified eligibility, and a low-score worker for good", async function () {
    const job = await postJob(env, { shards: 2, salt: 1, over: { gated: true } });
    await setEncryptedMinScore(fhevm, gateway, env.requester, job.jobId, 30);

    for (const w of [env.worker, env.worker2]) {
      await expect(env.core.connect(w).claim(job.jobId, 0))
        .to.be.revertedWithCustomError(env.core, "NotEligible")
        .withArgs(job.jobId, w.address);
    }
    const from = await ethers.provider.getBlockNumber();
    await requestEligibility(gateway, env.worker, job.jobId);
    await requestEligibility(gateway, env.worker2, job.jobId);
    const relayed = await relayPendingEligibility(fhevm, gateway, env.keeper, from);
    expect(relayed.map((r) => [r.worker, r.eligible])).to.deep.equal([
      [env.worker.address, true],
      [env.worker2.address, false],
    ]);

    await expect(env.core.connect(env.worker2).claim(job.jobId, 0))
      .to.be.revertedWithCustomError(env.core, "NotEligible")
      .withArgs(job.jobId, env.worker2.address);
    await expect(env.core.connect(env.worker).claim(job.jobId, 0)).to.emit(env.core, "ShardClaimed");
  });

  it("keeps settling when the hook runs out of its gas cap", async function () {
    await (await env.core.connect(env.owner).setHookGasLimit(50_000)).wait();
    const job = await postJob(env, { shards: 1, salt: 2 });
    await (await env.core.connect(env.worker).claim(job.jobId, 0)).wait();
    const tx = submit(env, job, 0, env.worker, await proveShard(env, job, 0, env.worker.address));
    await expect(tx).to.emit(env.core, "ShardSettled");
    await expect(tx).to.emit(env.core, "ReputationHookFailed");
    await (await env.core.connect(env.owner).setHookGasLimit(500_000)).wait();
    await expectReputation(reputation, env.worker, 3n, 0n, 35n);
  });
});
