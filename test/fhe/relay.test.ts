import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployFheChain, deploySettlementGate } from "../../lib/fhe/deploy";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import {
  SETTLED,
  SLASHED,
  signEligibility,
  signJobRequester,
  signOutcome,
  submitEligibility,
  submitJobRequester,
  submitOutcome,
  type Outcome,
} from "../../lib/fhe/relay";
import { decryptOwnReputation } from "../../lib/fhe/reputation";
import { expectReputation, FULL_VALUE } from "./fixtures";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import type {
  ConfidentialReputation,
  PrivacyGateway,
  RelayedEligibilityGate,
  ReputationRelayReceiver,
  TestJobDirectory,
} from "../../typechain-types";
import { fheMockReady } from "../helpers/fhe-mock";

const JOB = 2001n;

/** Two deployments on one node: the FHE chain's (reputation, receiver, gateway) and the settlement chain's (core stand-in, relayed gate). */
interface TwoChains {
  owner: HardhatEthersSigner;
  relayers: HardhatEthersSigner[];
  outsider: HardhatEthersSigner;
  requester: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  core: TestJobDirectory;
  reputation: ConfidentialReputation;
  receiver: ReputationRelayReceiver;
  gateway: PrivacyGateway;
  gate: RelayedEligibilityGate;
  /** The core stand-in's address: what relayed eligibility names. */
  coreAddress: string;
}

async function deployTwoChains(): Promise<TwoChains> {
  const [owner, r1, r2, r3, outsider, requester, alice, bob, keeper] = await ethers.getSigners();
  const relayers = [r1, r2, r3];
  const quorum = { relayers: relayers.map((r) => r.address), threshold: 2 };
  const { chainId } = await ethers.provider.getNetwork();
  // settlement chain: the core (stand-in) exists first
  const core = await (await ethers.getContractFactory("TestJobDirectory")).deploy();
  // FHE chain, then the settlement chain's gate trusting its gateway
  const coreAddress = await core.getAddress();
  const fhe = await deployFheChain(owner, { chainId, core: coreAddress }, quorum);
  const { gate } = await deploySettlementGate(owner, { chainId, gateway: await fhe.gateway.getAddress() }, quorum);
  return { owner, relayers, outsider, requester, alice, bob, keeper, core, ...fhe, gate, coreAddress };
}

let eventCounter = 0n;
function outcome(kind: Outcome["kind"], worker: string, shardIndex: bigint): Outcome {
  eventCounter++;
  return {
    sourceTx: ethers.id(`settlement tx ${eventCounter}`),
    logIndex: eventCounter,
    kind,
    worker,
    jobId: JOB,
    shardIndex,
    requester: FULL_VALUE.requester as string,
    modelOwner: FULL_VALUE.modelOwner as string,
    protocolFee: FULL_VALUE.protocolFee as bigint,
    collateral: FULL_VALUE.collateral as bigint,
  };
}

describe("fhe: two-chain relay", function () {
  let c: TwoChains;
  let quorum: HardhatEthersSigner[];

  beforeEach(async function () {
    await fheMockReady();
    c = await deployTwoChains();
    quorum = [c.relayers[0], c.relayers[2]];
  });

  async function relay(o: Outcome) {
    return submitOutcome(c.receiver, c.keeper, o, await signOutcome(quorum, c.receiver, o));
  }

  it("carries outcomes to the FHE chain and a positive eligibility back to the settlement gate", async function () {
    await (await c.core.connect(c.requester).post(JOB)).wait();
    const requester = await c.core.jobRequester(JOB);
    await submitJobRequester(
      c.receiver,
      c.keeper,
      JOB,
      requester,
      await signJobRequester(quorum, c.receiver, JOB, requester)
    );
    expect(await c.receiver.jobRequester(JOB)).to.equal(c.requester.address);

    for (let s = 0n; s < 4n; s++) await relay(outcome(SETTLED, c.alice.address, s));
    await relay(outcome(SETTLED, c.bob.address, 4n));
    await relay(outcome(SLASHED, c.bob.address, 5n));
    await expectReputation(c.reputation, c.alice, 4n, 0n, 40n);
    await expectReputation(c.reputation, c.bob, 1n, 1n, 0n);

    await setEncryptedMinScore(fhevm, c.gateway, c.requester, JOB, 30);
    for (const w of [c.alice, c.bob]) {
      await requestEligibility(c.gateway, w, JOB);
      await relayEligibilityDecryption(fhevm, c.gateway, c.keeper, JOB, w.address);
    }
    await expect(signEligibility(quorum, c.gate, c.gateway, c.coreAddress, JOB, c.bob.address)).to.be.rejectedWith(
      /no verified eligibility/
    );
    const e = await signEligibility(quorum, c.gate, c.gateway, c.coreAddress, JOB, c.alice.address);
    await expect(c.gate.connect(c.keeper).relayEligibility(e.core, JOB, c.alice.address, e.expiry, e.signatures))
      .to.emit(c.gate, "EligibilityRelayed")
      .withArgs(c.coreAddress, JOB, c.alice.address);
    await expect(submitEligibility(c.gate, c.keeper, e))
      .to.be.revertedWithCustomError(c.gate, "AlreadyEligible")
      .withArgs(JOB, c.alice.address);

    // the core asks as itself (msg.sender): admitted for it, for no one else
    expect(await c.gate.isEligibleFor(c.coreAddress, JOB, c.alice.address)).to.equal(true);
    expect(await c.gate.isEligibleFor(c.coreAddress, JOB, c.bob.address)).to.equal(false);
    expect(await c.gate.isEligible(JOB, c.alice.address)).to.equal(false); // asked by an EOA, not the core
  });

  it("rejects forged, short, duplicated, altered and replayed outcomes", async function () {
    const o = outcome(SETTLED, c.alice.address, 0n);
    await expect(c.receiver.relayOutcome(o, await signOutcome([c.relayers[0], c.outsider], c.receiver, o)))
      .to.be.revertedWithCustomError(c.receiver, "NotRelayer")
      .withArgs(c.outsider.address);
    await expect(c.receiver.relayOutcome(o, await signOutcome([c.relayers[1]], c.receiver, o)))
      .to.be.revertedWithCustomError(c.receiver, "QuorumNotReached")
      .withArgs(1n, 2n);
    const one = (await signOutcome([c.relayers[1]], c.receiver, o))[0];
    await expect(c.receiver.relayOutcome(o, [one, one]))
      .to.be.revertedWithCustomError(c.receiver, "SignersNotAscending")
      .withArgs(c.relayers[1].address);
    const sigs = await signOutcome(quorum, c.receiver, o);
    await expect(c.receiver.relayOutcome({ ...o, worker: c.bob.address }, sigs)).to.be.revertedWithCustomError(
      c.receiver,
      "NotRelayer"
    );
    await expect(c.receiver.relayOutcome({ ...o, kind: SLASHED }, sigs)).to.be.revertedWithCustomError(
      c.receiver,
      "NotRelayer"
    );
    expect(await c.reputation.scoreOf(c.alice.address)).to.equal(ethers.ZeroHash);

    const eventId = ethers.keccak256(
      ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [o.sourceTx, o.logIndex])
    );
    await expect(c.receiver.relayOutcome(o, sigs))
      .to.emit(c.receiver, "OutcomeApplied")
      .withArgs(eventId, c.alice.address, JOB, 0n, SETTLED);
    await expect(c.receiver.relayOutcome(o, sigs))
      .to.be.revertedWithCustomError(c.receiver, "OutcomeAlreadyApplied")
      .withArgs(eventId);
    // same event re-signed as something else is still the same event
    const twin = { ...o, shardIndex: 9n };
    await expect(c.receiver.relayOutcome(twin, await signOutcome(quorum, c.receiver, twin)))
      .to.be.revertedWithCustomError(c.receiver, "OutcomeAlreadyApplied")
      .withArgs(eventId);
    expect(await c.receiver.applied(eventId)).to.equal(true);
    expect((await decryptOwnReputation(fhevm, c.reputation, c.alice)).successes).to.equal(1n);
  });

  it("binds signatures to one deployment: another receiver or gate rejects them", async function () {
    const { chainId } = await ethers.provider.getNetwork();
    const relayerAddresses = c.relayers.map((r) => r.address);
    const otherReceiver = await (
      await ethers.getContractFactory("ReputationRelayReceiver")
    ).deploy(chainId, await c.core.getAddress(), await c.reputation.getAddress(), c.owner, relayerAddresses, 2);
    const o = outcome(SETTLED, c.alice.address, 0n);
    await expect(otherReceiver.relayOutcome(o, await signOutcome(quorum, c.receiver, o))).to.be.revertedWithCustomError(
      otherReceiver,
      "NotRelayer"
    );
    // a receiver for another source core or chain computes another digest
    const otherSource = await (
      await ethers.getContractFactory("ReputationRelayReceiver")
    ).deploy(chainId + 1n, await c.core.getAddress(), await c.reputation.getAddress(), c.owner, relayerAddresses, 2);
    await expect(otherSource.relayOutcome(o, await signOutcome(quorum, c.receiver, o))).to.be.revertedWithCustomError(
      otherSource,
      "NotRelayer"
    );

    // eligibility for a gate trusting another gateway
    await (await c.core.connect(c.requester).post(JOB)).wait();
    await submitJobRequester(
      c.receiver,
      c.keeper,
      JOB,
      c.requester.address,
      await signJobRequester(quorum, c.receiver, JOB, c.requester.address)
    );
    await relay(outcome(SETTLED, c.alice.address, 1n));
    await setEncryptedMinScore(fhevm, c.gateway, c.requester, JOB, 10);
    await requestEligibility(c.gateway, c.alice, JOB);
    await relayEligibilityDecryption(fhevm, c.gateway, c.keeper, JOB, c.alice.address);
    const otherGate = await (
      await ethers.getContractFactory("RelayedEligibilityGate")
    ).deploy(chainId, c.outsider.address, c.owner, relayerAddresses, 2);
    await expect(signEligibility(quorum, otherGate, c.gateway, c.coreAddress, JOB, c.alice.address)).to.be.rejectedWith(
      /gate trusts gateway/
    );
    const e = await signEligibility(quorum, c.gate, c.gateway, c.coreAddress, JOB, c.alice.address);
    const sigs = e.signatures;
    await expect(otherGate.relayEligibility(e.core, JOB, c.alice.address, e.expiry, sigs)).to.be.revertedWithCustomError(
      otherGate,
      "NotRelayer"
    );
    await expect(c.gate.relayEligibility(e.core, JOB + 1n, c.alice.address, e.expiry, sigs)).to.be.revertedWithCustomError(
      c.gate,
      "NotRelayer"
    );
    await expect(c.gate.relayEligibility(e.core, JOB, c.bob.address, e.expiry, sigs)).to.be.revertedWithCustomError(
      c.gate,
      "NotRelayer"
    );
    expect(await otherGate.isEligibleFor(e.core, JOB, c.alice.address)).to.equal(false);
  });

  it("names bad relayed input and guards the relayer set", async function () {
    const o = outcome(SETTLED, c.alice.address, 0n);
    await expect(c.receiver.relayOutcome({ ...o, kind: 3 as Outcome["kind"] }, []))
      .to.be.revertedWithCustomError(c.receiver, "InvalidKind")
      .withArgs(3);
    await expect(c.receiver.relayOutcome({ ...o, worker: ethers.ZeroAddress }, [])).to.be.revertedWithCustomError(
      c.receiver,
      "ZeroAddress"
    );
    await expect(c.receiver.relayJobRequester(JOB, ethers.ZeroAddress, [])).to.be.revertedWithCustomError(
      c.receiver,
      "ZeroAddress"
    );
    const sigs = await signJobRequester(quorum, c.receiver, JOB, c.requester.address);
    await submitJobRequester(c.receiver, c.keeper, JOB, c.requester.address, sigs);
    await expect(c.receiver.relayJobRequester(JOB, c.requester.address, sigs))
      .to.be.revertedWithCustomError(c.receiver, "JobAlreadyRegistered")
      .withArgs(JOB);

    await expect(c.gate.connect(c.outsider).setRelayer(c.outsider.address, true))
      .to.be.revertedWithCustomError(c.gate, "OwnableUnauthorizedAccount")
      .withArgs(c.outsider.address);
    await expect(c.gate.setThreshold(0)).to.be.revertedWithCustomError(c.gate, "InvalidThreshold").withArgs(0, 3);
    await expect(c.gate.setThreshold(4)).to.be.revertedWithCustomError(c.gate, "InvalidThreshold").withArgs(4, 3);
    await expect(c.gate.setRelayer(c.relayers[0].address, true))
      .to.be.revertedWithCustomError(c.gate, "RelayerUnchanged")
      .withArgs(c.relayers[0].address);
    await expect(c.gate.setThreshold(3)).to.emit(c.gate, "ThresholdSet").withArgs(3);
    await expect(c.gate.setRelayer(c.relayers[0].address, false))
      .to.be.revertedWithCustomError(c.gate, "InvalidThreshold")
      .withArgs(3, 2);
    await expect(c.gate.setRelayer(c.outsider.address, true))
      .to.emit(c.gate, "RelayerSet")
      .withArgs(c.outsider.address, true);
    await expect(c.gate.setRelayer(c.relayers[0].address, false)).to.emit(c.gate, "RelayerSet");
    expect([await c.gate.relayerCount(), await c.gate.threshold()]).to.deep.equal([3n, 3n]);
  });
});
