import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployFheChain, deploySettlementGate, wireCore } from "../../lib/fhe/deploy";
import { requestEligibility } from "../../lib/fhe/eligibility";
import { relayPendingEligibility } from "../../lib/fhe/keeper";
import { signEligibility, submitEligibility } from "../../lib/fhe/relay";
import { collectOutcomes, ensureJobRequester, relayNewOutcomes, verifyOutcome } from "../../lib/fhe/sources";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployEnv, postJob, proveShard, registerAndStake, submit, WINDOW, type Env, keylessRelease } from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";
import { expectReputation } from "./fixtures";
import { fheMockReady } from "../helpers/fhe-mock";

/**
 * Split layout with the real core: the settlement deployment (core + relayed gate, no reputation hook) and the FHE
 * deployment (reputation, relay receiver, gateway) side by side on one node, connected only by relayer signatures.
 */
describe("fhe with OblivionCore (two chains, relayed)", function () {
  let env: Env;
  let relayers: HardhatEthersSigner[];
  let fhe: Awaited<ReturnType<typeof deployFheChain>>;
  let gate: Awaited<ReturnType<typeof deploySettlementGate>>["gate"];

  before(async function () {
    await fheMockReady();
    env = await deployEnv();
    relayers = env.others.slice(0, 3);
    const quorum = { relayers: relayers.map((r) => r.address), threshold: 2 };
    const { chainId } = await ethers.provider.getNetwork();
    fhe = await deployFheChain(env.owner, { chainId, core: await env.core.getAddress() }, quorum);
    ({ gate } = await deploySettlementGate(env.owner, { chainId, gateway: await fhe.gateway.getAddress() }, quorum));
    expect(await wireCore(env.owner, await env.core.getAddress(), await gate.getAddress())).to.equal(true);
    expect(await env.core.reputationHook()).to.equal(ethers.ZeroAddress);
    await registerAndStake(env, env.worker);
    await registerAndStake(env, env.worker2);
  });
  after(releaseCurve);

  it("relays the core's settlements and slashes once each, after checking them on the settlement chain", async function () {
    const from = await ethers.provider.getBlockNumber();
    const job = await postJob(env, { shards: 4 });
    for (let i = 0; i < 3; i++) {
      await (await env.core.connect(env.worker).claim(job.jobId, i)).wait();
      await (await submit(env, job, i, env.worker, await proveShard(env, job, i, env.worker.address))).wait();
    }
    await (await env.core.connect(env.worker2).claim(job.jobId, 3)).wait();
    // Released keys make an expired claim a slash (without a release it would only be voided).
    await (await env.core.connect(env.requester).releaseShardKey(job.jobId, 3, await keylessRelease(env.core, job.jobId, 3, "0x01"))).wait();
    await time.increase(WINDOW + 1);
    await (await env.core.connect(env.keeper).reclaimExpired(job.jobId, 3)).wait();

    const outcomes = await collectOutcomes(env.core, from);
    expect(outcomes.map((o) => [o.kind, o.worker, o.shardIndex])).to.deep.equal([
      [1, env.worker.address, 0n],
      [1, env.worker.address, 1n],
      [1, env.worker.address, 2n],
      [2, env.worker2.address, 3n],
    ]);
    await expect(
      verifyOutcome(env.core, fhe.receiver, { ...outcomes[0], worker: env.worker2.address })
    ).to.be.rejectedWith(/is not this outcome/);
    await expect(
      verifyOutcome(env.core, fhe.receiver, { ...outcomes[0], logIndex: outcomes[0].logIndex + 50n })
    ).to.be.rejectedWith(/is not this outcome/);

    const applied = await relayNewOutcomes(env.core, fhe.receiver, [relayers[0], relayers[1]], env.keeper, from);
    expect(applied).to.have.length(4);
    expect(await relayNewOutcomes(env.core, fhe.receiver, [relayers[0], relayers[1]], env.keeper, from)).to.deep.equal(
      []
    );
    expect(await fhe.receiver.jobRequester(job.jobId)).to.equal(env.requester.address);
    await expectReputation(fhe.reputation, env.worker, 3n, 0n, 30n);
    await expectReputation(fhe.reputation, env.worker2, 0n, 1n, 0n);
  });

  it("admits a claim on a gated job only after a relayed positive eligibility", async function () {
    const job = await postJob(env, { shards: 2, salt: 1, over: { gated: true } });
    const core = await env.core.getAddress();
    await ensureJobRequester(env.core, fhe.receiver, [relayers[1], relayers[2]], env.keeper, job.jobId);
    await setEncryptedMinScore(fhevm, fhe.gateway, env.requester, job.jobId, 20);

    await expect(env.core.connect(env.worker).claim(job.jobId, 0))
      .to.be.revertedWithCustomError(env.core, "NotEligible")
      .withArgs(job.jobId, env.worker.address);
    const from = await ethers.provider.getBlockNumber();
    await requestEligibility(fhe.gateway, env.worker, job.jobId);
    await requestEligibility(fhe.gateway, env.worker2, job.jobId);
    const relayed = await relayPendingEligibility(fhevm, fhe.gateway, env.keeper, from);
    expect(relayed.map((r) => r.eligible)).to.deep.equal([true, false]);

    await expect(
      signEligibility([relayers[0], relayers[2]], gate, fhe.gateway, core, job.jobId, env.worker2.address)
    ).to.be.rejectedWith(/no verified eligibility/);
    const signed = await signEligibility([relayers[0], relayers[2]], gate, fhe.gateway, core, job.jobId, env.worker.address);
    await submitEligibility(gate, env.keeper, signed);

    await expect(env.core.connect(env.worker2).claim(job.jobId, 0)).to.be.revertedWithCustomError(
      env.core,
      "NotEligible"
    );
    await expect(env.core.connect(env.worker).claim(job.jobId, 0)).to.emit(env.core, "ShardClaimed");
  });
});
