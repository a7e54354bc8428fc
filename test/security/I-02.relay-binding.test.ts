import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployFheChain, deploySettlementGate } from "../../lib/fhe/deploy";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import {
  SETTLED,
  signEligibility,
  signJobRequester,
  signOutcome,
  submitEligibility,
  submitJobRequester,
  submitOutcome,
  type Outcome,
} from "../../lib/fhe/relay";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import type { GatedClaimProbe, PrivacyGateway, RelayedEligibilityGate, ReputationRelayReceiver } from "../../typechain-types";
import { FULL_VALUE } from "../fhe/fixtures";
import { fheMockReady } from "../helpers/fhe-mock";

const JOB = 7n;

/**
 * Two settlement cores (claim probes that ask the gate exactly as the core does) share one relayed gate; the FHE
 * chain's receiver relays core A. Deployed in an order that lets the probes name the gate before it exists.
 */
async function sharedGate() {
  const [owner, r1, r2, r3, requester, alice, keeper] = await ethers.getSigners();
  const relayers = [r1, r2, r3];
  const quorum = { relayers: relayers.map((r) => r.address), threshold: 2 };
  const { chainId } = await ethers.provider.getNetwork();
  const nonce = await owner.getNonce();
  const gateAt = ethers.getCreateAddress({ from: owner.address, nonce: nonce + 5 });
  const probe = await ethers.getContractFactory("GatedClaimProbe", owner);
  const coreA = (await probe.deploy(gateAt)) as unknown as GatedClaimProbe;
  const coreB = (await probe.deploy(gateAt)) as unknown as GatedClaimProbe;
  const fhe = await deployFheChain(owner, { chainId, core: await coreA.getAddress() }, quorum);
  const { gate } = await deploySettlementGate(owner, { chainId, gateway: await fhe.gateway.getAddress() }, quorum);
  expect(await gate.getAddress()).to.equal(gateAt);

  // core A's job JOB: its requester relayed, a minimum of 10, Alice settled one full-value shard and is eligible
  const sign = [r1, r3];
  await submitJobRequester(fhe.receiver, keeper, JOB, requester.address, await signJobRequester(sign, fhe.receiver, JOB, requester.address));
  const o: Outcome = {
    sourceTx: ethers.id("A settles"),
    logIndex: 0n,
    kind: SETTLED,
    worker: alice.address,
    jobId: JOB,
    shardIndex: 0n,
    requester: requester.address,
    modelOwner: owner.address,
    protocolFee: FULL_VALUE.protocolFee as bigint,
    collateral: 0n,
  };
  await submitOutcome(fhe.receiver, keeper, o, await signOutcome(sign, fhe.receiver, o));
  await setEncryptedMinScore(fhevm, fhe.gateway, requester, JOB, 10);
  await requestEligibility(fhe.gateway, alice, JOB);
  expect((await relayEligibilityDecryption(fhevm, fhe.gateway, keeper, JOB, alice.address)).eligible).to.equal(true);
  return { owner, relayers, sign, alice, keeper, coreA, coreB, gate, gateway: fhe.gateway, receiver: fhe.receiver };
}

describe("security I-02: relayed messages are bound to the core, expire, and die with the relayer set", function () {
  let s: {
    owner: HardhatEthersSigner;
    relayers: HardhatEthersSigner[];
    sign: HardhatEthersSigner[];
    alice: HardhatEthersSigner;
    keeper: HardhatEthersSigner;
    coreA: GatedClaimProbe;
    coreB: GatedClaimProbe;
    gate: RelayedEligibilityGate;
    gateway: PrivacyGateway;
    receiver: ReputationRelayReceiver;
  };
  let a: string;
  let b: string;

  beforeEach(async function () {
    await fheMockReady();
    s = await sharedGate();
    [a, b] = [await s.coreA.getAddress(), await s.coreB.getAddress()];
  });

  it("I-02 an eligibility for core A's job admits the worker on core A only, not on core B's equal job id", async function () {
    const e = await signEligibility(s.sign, s.gate, s.gateway, a, JOB, s.alice.address);
    await expect(s.gate.connect(s.keeper).relayEligibility(e.core, JOB, s.alice.address, e.expiry, e.signatures))
      .to.emit(s.gate, "EligibilityRelayed")
      .withArgs(a, JOB, s.alice.address);
    await expect(s.coreA.connect(s.alice).claim(JOB)).to.emit(s.coreA, "Claimed").withArgs(JOB, s.alice.address);
    // the attack: core B has a job with the same id; the relayed answer does not carry over
    await expect(s.coreB.connect(s.alice).claim(JOB)).to.be.revertedWithCustomError(s.coreB, "NotEligible");
    // resubmitting the same signatures for core B fails (the digest names the core) ...
    await expect(s.gate.relayEligibility(b, JOB, s.alice.address, e.expiry, e.signatures)).to.be.revertedWithCustomError(s.gate, "NotRelayer");
    // ... and honest relayers refuse to vouch for a core the FHE side does not relay
    await expect(signEligibility(s.sign, s.gate, s.gateway, b, JOB, s.alice.address)).to.be.rejectedWith(/relays core/);
    expect(await s.gate.isEligibleFor(b, JOB, s.alice.address)).to.equal(false);
  });

  it("I-02 a signed eligibility is refused after its expiry", async function () {
    const e = await signEligibility(s.sign, s.gate, s.gateway, a, JOB, s.alice.address, 60);
    await time.increase(61);
    await expect(submitEligibility(s.gate, s.keeper, e)).to.be.revertedWithCustomError(s.gate, "EligibilityExpired").withArgs(e.expiry);
    await expect(s.coreA.connect(s.alice).claim(JOB)).to.be.revertedWithCustomError(s.coreA, "NotEligible");
    // the honest path: relayers sign again, fresh
    await submitEligibility(s.gate, s.keeper, await signEligibility(s.sign, s.gate, s.gateway, a, JOB, s.alice.address));
    await expect(s.coreA.connect(s.alice).claim(JOB)).to.emit(s.coreA, "Claimed");
  });

  it("I-02 a relayer removed and re-added cannot revive the partial signature it gave before", async function () {
    const [r1, r2] = s.relayers;
    const expiry = BigInt((await time.latest()) + 3600);
    const old = await signEligibility([r1], s.gate, s.gateway, a, JOB, s.alice.address, 0, expiry);
    const epoch = await s.gate.epoch();
    await expect(s.gate.connect(s.owner).setRelayer(r1.address, false)).to.emit(s.gate, "EpochBumped").withArgs(epoch + 1n);
    await s.gate.connect(s.owner).setRelayer(r1.address, true);
    const fresh2 = await signEligibility([r2], s.gate, s.gateway, a, JOB, s.alice.address, 0, expiry);
    const sorted = [
      { who: BigInt(r1.address), sig: old.signatures[0] },
      { who: BigInt(r2.address), sig: fresh2.signatures[0] },
    ].sort((x, y) => (x.who < y.who ? -1 : 1));
    await expect(s.gate.relayEligibility(a, JOB, s.alice.address, expiry, sorted.map((x) => x.sig))).to.be.revertedWithCustomError(
      s.gate,
      "NotRelayer",
    );
    // the same holds on the FHE side: an outcome signed before the set changed no longer verifies
    const o: Outcome = { ...(await outcomeFor(s.alice.address)), sourceTx: ethers.id("later") };
    const before = await signOutcome(s.sign, s.receiver, o);
    await s.receiver.connect(s.owner).setThreshold(2);
    await expect(s.receiver.relayOutcome(o, before)).to.be.revertedWithCustomError(s.receiver, "NotRelayer");
    // honest path: both sign at the current epoch
    const both = await signEligibility([r1, r2], s.gate, s.gateway, a, JOB, s.alice.address, 0, expiry);
    await submitEligibility(s.gate, s.keeper, both);
    expect(await s.gate.isEligibleFor(a, JOB, s.alice.address)).to.equal(true);
    await submitOutcome(s.receiver, s.keeper, o, await signOutcome(s.sign, s.receiver, o));
  });

  async function outcomeFor(worker: string): Promise<Outcome> {
    return {
      sourceTx: ethers.id("x"),
      logIndex: 1n,
      kind: SETTLED,
      worker,
      jobId: JOB,
      shardIndex: 1n,
      requester: await s.receiver.jobRequester(JOB),
      modelOwner: s.owner.address,
      protocolFee: 0n,
      collateral: 0n,
    };
  }
});
