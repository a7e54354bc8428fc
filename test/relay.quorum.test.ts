import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { relayDomain, signByQuorum, signJobRequester, signOutcome, SETTLED, SLASHED, type Outcome } from "../lib/fhe/relay";

/** Unit tests of the relay contracts' own checks (quorum, owner setters, replay guards), against a recording hook. */
async function relays() {
  const [owner, r1, r2, r3, stranger, worker, core] = await ethers.getSigners();
  const hook = await (await ethers.getContractFactory("MockReputationHook")).deploy();
  const relayers = [r1, r2, r3];
  const addrs = relayers.map((r) => r.address);
  const receiver = await (await ethers.getContractFactory("ReputationRelayReceiver")).deploy(31337, core.address, await hook.getAddress(), owner.address, addrs, 2);
  const gate = await (await ethers.getContractFactory("RelayedEligibilityGate")).deploy(777, stranger.address, owner.address, addrs, 2);
  return { owner, r1, r2, r3, stranger, worker, core, hook, receiver, gate, relayers };
}

const outcome = (over: Partial<Outcome> = {}, worker = "0x" + "77".repeat(20)): Outcome => ({
  sourceTx: ethers.id("tx"), logIndex: 3n, kind: SETTLED, worker, jobId: 5n, shardIndex: 1n,
  requester: "0x" + "88".repeat(20), modelOwner: "0x" + "99".repeat(20), protocolFee: 1000n, collateral: 2000n, ...over,
});

const ELIGIBILITY = {
  Eligibility: [
    { name: "fheChainId", type: "uint256" }, { name: "sourceGateway", type: "address" }, { name: "core", type: "address" },
    { name: "jobId", type: "uint256" }, { name: "worker", type: "address" }, { name: "expiry", type: "uint64" }, { name: "epoch", type: "uint256" },
  ],
};

describe("relay contracts: quorum, owner setters and replay guards", function () {
  it("the receiver applies a settled and a slashed outcome once each, with a quorum in ascending order", async function () {
    const { receiver, hook, relayers, r1, stranger } = await loadFixture(relays);
    const o = outcome();
    const sigs = await signOutcome(relayers.slice(0, 2), receiver, o);
    await expect(receiver.connect(stranger).relayOutcome(o, sigs)).to.emit(receiver, "OutcomeApplied");
    expect(await hook.settledCalls()).to.equal(1n);
    await expect(receiver.relayOutcome(o, sigs)).to.be.revertedWithCustomError(receiver, "OutcomeAlreadyApplied");
    const s = outcome({ kind: SLASHED, logIndex: 4n });
    await receiver.relayOutcome(s, await signOutcome(relayers, receiver, s));
    expect(await hook.slashedCalls()).to.equal(1n);
    // refusals: kind, worker, quorum size, order, signer
    const bad = { ...outcome({ logIndex: 9n }), kind: 3 } as unknown as Outcome;
    await expect(receiver.relayOutcome(bad, sigs)).to.be.revertedWithCustomError(receiver, "InvalidKind").withArgs(3);
    const zero = outcome({ logIndex: 9n }, ethers.ZeroAddress);
    await expect(receiver.relayOutcome(zero, sigs)).to.be.revertedWithCustomError(receiver, "ZeroAddress");
    const fresh = outcome({ logIndex: 10n });
    const two = await signOutcome(relayers.slice(0, 2), receiver, fresh);
    await expect(receiver.relayOutcome(fresh, two.slice(0, 1))).to.be.revertedWithCustomError(receiver, "QuorumNotReached").withArgs(1, 2);
    await expect(receiver.relayOutcome(fresh, [two[1], two[0]])).to.be.revertedWithCustomError(receiver, "SignersNotAscending");
    await expect(receiver.relayOutcome(fresh, [two[0], two[0]])).to.be.revertedWithCustomError(receiver, "SignersNotAscending");
    const withStranger = await signOutcome([r1, stranger], receiver, fresh);
    await expect(receiver.relayOutcome(fresh, withStranger)).to.be.revertedWithCustomError(receiver, "NotRelayer");
  });

  it("the receiver records a job's requester once; zero and repeats are refused", async function () {
    const { receiver, relayers } = await loadFixture(relays);
    const req = "0x" + "aa".repeat(20);
    await expect(receiver.relayJobRequester(7n, req, await signJobRequester(relayers, receiver, 7n, req))).to.emit(receiver, "JobRegistered");
    expect(await receiver.jobRequester(7n)).to.equal(ethers.getAddress(req));
    await expect(receiver.relayJobRequester(7n, req, [])).to.be.revertedWithCustomError(receiver, "JobAlreadyRegistered").withArgs(7n);
    await expect(receiver.relayJobRequester(8n, ethers.ZeroAddress, [])).to.be.revertedWithCustomError(receiver, "ZeroAddress");
  });

  it("owner setters: relayers and threshold change the epoch, and keep the quorum reachable", async function () {
    const { receiver, owner, r1, r3, stranger, relayers } = await loadFixture(relays);
    const epoch = await receiver.epoch();
    const o = outcome({ logIndex: 20n });
    const old = await signOutcome(relayers, receiver, o);
    await expect(receiver.connect(stranger).setThreshold(1)).to.be.revertedWithCustomError(receiver, "OwnableUnauthorizedAccount");
    await expect(receiver.connect(owner).setThreshold(0)).to.be.revertedWithCustomError(receiver, "InvalidThreshold").withArgs(0, 3);
    await expect(receiver.connect(owner).setThreshold(4)).to.be.revertedWithCustomError(receiver, "InvalidThreshold").withArgs(4, 3);
    await expect(receiver.connect(owner).setThreshold(3)).to.emit(receiver, "ThresholdSet").withArgs(3);
    await expect(receiver.connect(owner).setRelayer(r3.address, false)).to.be.revertedWithCustomError(receiver, "InvalidThreshold").withArgs(3, 2);
    await expect(receiver.connect(owner).setRelayer(r1.address, true)).to.be.revertedWithCustomError(receiver, "RelayerUnchanged");
    await expect(receiver.connect(owner).setRelayer(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(receiver, "RelayerUnchanged");
    await expect(receiver.connect(owner).setRelayer(stranger.address, true)).to.emit(receiver, "RelayerSet").withArgs(stranger.address, true);
    await receiver.connect(owner).setRelayer(r3.address, false);
    expect(await receiver.relayerCount()).to.equal(3n);
    expect(await receiver.epoch()).to.equal(epoch + 3n);
    // signatures over the old epoch no longer verify; the new set's do
    await expect(receiver.relayOutcome(o, old)).to.be.revertedWithCustomError(receiver, "NotRelayer");
    await expect(receiver.relayOutcome(o, await signOutcome([relayers[0], relayers[1], stranger], receiver, o))).to.emit(receiver, "OutcomeApplied");
    await expect(
      ethers.deployContract("ReputationRelayReceiver", [1, owner.address, owner.address, owner.address, [r1.address], 2]),
    ).to.be.revertedWithCustomError(receiver, "InvalidThreshold");
  });

  it("the eligibility gate admits a signed, unexpired worker for its core only, once", async function () {
    const { gate, relayers, worker, core, stranger } = await loadFixture(relays);
    const expiry = BigInt(await time.latest()) + 600n;
    const value = { fheChainId: 777n, sourceGateway: stranger.address, core: core.address, jobId: 9n, worker: worker.address, expiry, epoch: await gate.epoch() };
    const sigs = await signByQuorum(relayers.slice(1), await relayDomain(gate), ELIGIBILITY, value);
    await expect(gate.relayEligibility(core.address, 9n, worker.address, expiry, sigs)).to.emit(gate, "EligibilityRelayed").withArgs(core.address, 9n, worker.address);
    expect(await gate.isEligibleFor(core.address, 9n, worker.address)).to.equal(true);
    expect(await gate.connect(core).isEligible(9n, worker.address)).to.equal(true);
    expect(await gate.connect(stranger).isEligible(9n, worker.address)).to.equal(false);
    await expect(gate.relayEligibility(core.address, 9n, worker.address, expiry, sigs)).to.be.revertedWithCustomError(gate, "AlreadyEligible").withArgs(9n, worker.address);
    await time.increaseTo(expiry + 1n);
    await expect(gate.relayEligibility(core.address, 10n, worker.address, expiry, sigs)).to.be.revertedWithCustomError(gate, "EligibilityExpired").withArgs(expiry);
  });
});
