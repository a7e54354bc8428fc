import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { FhevmType } from "@fhevm/hardhat-plugin";
import { rateShard } from "../../lib/fhe/rating";
import { decryptOwnReputation } from "../../lib/fhe/reputation";
import { applyOutcomes, deployLocalFhe, FULL_VALUE, type LocalFhe, expectReputation } from "./fixtures";
import { fheMockReady } from "../helpers/fhe-mock";

describe("fhe: ConfidentialReputation", function () {
  let f: LocalFhe;

  beforeEach(async function () {
    await fheMockReady();
    f = await deployLocalFhe();
  });

  it("counts settlements and slashes and floors the score at zero", async function () {
    // 3 settled (30), 2 slashed (5, then 0 not -20), 4 settled (40)
    await applyOutcomes(f.reputation, f.directory, f.alice.address, 1000n, "SSSXXSSSS");
    await expectReputation(f.reputation, f.alice, 7n, 2n, 40n);
    // slashed first, from nothing: stays at 0, counters still move
    await applyOutcomes(f.reputation, f.directory, f.bob.address, 1000n, "XX");
    await expectReputation(f.reputation, f.bob, 0n, 2n, 0n);
  });

  it("reads an unknown worker as zeros without any decryption", async function () {
    await expectReputation(f.reputation, f.carol, 0n, 0n, 0n);
  });

  it("lets only the worker decrypt its values, even when another worker has the same history", async function () {
    await applyOutcomes(f.reputation, f.directory, f.alice.address, 1000n, "SS");
    await applyOutcomes(f.reputation, f.directory, f.bob.address, 1000n, "SS", 200n);
    const handle = await f.reputation.scoreOf(f.alice.address);
    // fhEVM handles are deterministic in their inputs: equal histories must still give distinct ciphertexts
    expect(handle).not.to.equal(await f.reputation.scoreOf(f.bob.address));
    expect(await f.reputation.successesOf(f.alice.address)).not.to.equal(await f.reputation.successesOf(f.bob.address));
    const contract = await f.reputation.getAddress();
    expect(await fhevm.userDecryptEuint(FhevmType.euint32, handle, contract, f.alice)).to.equal(20n);
    for (const other of [f.bob, f.owner, f.keeper]) {
      let error: unknown;
      try {
        await fhevm.userDecryptEuint(FhevmType.euint32, handle, contract, other);
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/not authorized/i);
    }
  });

  it("accepts outcomes only from the updater and rejects the zero worker", async function () {
    await expect(f.reputation.connect(f.alice).onSettled(f.alice.address, 1n, 0n, FULL_VALUE))
      .to.be.revertedWithCustomError(f.reputation, "NotUpdater")
      .withArgs(f.alice.address);
    await expect(f.reputation.connect(f.owner).onSlashed(f.alice.address, 1n, 0n, FULL_VALUE))
      .to.be.revertedWithCustomError(f.reputation, "NotUpdater")
      .withArgs(f.owner.address);
    await expect(f.directory.settle(f.reputation, ethers.ZeroAddress, 1n, 0n, FULL_VALUE)).to.be.revertedWithCustomError(
      f.reputation,
      "ZeroAddress"
    );
    await expect(f.directory.slash(f.reputation, ethers.ZeroAddress, 1n, 0n, FULL_VALUE)).to.be.revertedWithCustomError(
      f.reputation,
      "ZeroAddress"
    );
    expect(await f.reputation.scoreOf(f.alice.address)).to.equal(ethers.ZeroHash);
    expect(await f.reputation.scoreOf(ethers.ZeroAddress)).to.equal(ethers.ZeroHash);
  });

  it("ignores a settlement on a job whose model the worker owns (self-dealing), recording nothing", async function () {
    await expect(f.directory.settle(f.reputation, f.alice.address, 3n, 1n, { ...FULL_VALUE, modelOwner: f.alice.address }))
      .to.emit(f.reputation, "SelfDealingIgnored")
      .withArgs(f.alice.address, 3n, 1n)
      .and.not.to.emit(f.reputation, "ReputationUpdated");
    expect(await f.reputation.settlementOf(3n, 1n)).to.deep.equal([ethers.ZeroAddress, false, 0n]);
    expect(await f.reputation.scoreOf(f.alice.address)).to.equal(ethers.ZeroHash);
    expect(await f.reputation.successesOf(f.alice.address)).to.equal(ethers.ZeroHash);
  });

  it("caps a settlement's points at SETTLE_REWARD however large its protocol fee", async function () {
    const pointPrice = await f.reputation.pointPrice();
    const reward = await f.reputation.SETTLE_REWARD();
    const rich = { ...FULL_VALUE, protocolFee: pointPrice * (reward + 1n) * 100n };
    await expect(f.directory.settle(f.reputation, f.alice.address, 3n, 2n, rich))
      .to.emit(f.reputation, "ReputationUpdated")
      .withArgs(f.alice.address, 3n, 2n, true);
    expect(await f.reputation.settlementOf(3n, 2n)).to.deep.equal([f.alice.address, false, reward]);
    await expectReputation(f.reputation, f.alice, 1n, 0n, reward);
  });

  it("shares a score only with its one reader", async function () {
    await expect(f.reputation.connect(f.alice).shareScore(f.alice.address))
      .to.be.revertedWithCustomError(f.reputation, "NotReader")
      .withArgs(f.alice.address);
    expect(await f.reputation.isReader(await f.gateway.getAddress())).to.equal(true);
    expect(await f.reputation.isReader(f.alice.address)).to.equal(false);
  });
});

describe("fhe: encrypted ratings", function () {
  it("adds the requester's encrypted rating of a settled shard to the score, once, clamped to the maximum", async function () {
    const { directory: core, reputation, requester, alice, carol: other } = await deployLocalFhe();
    await (await core.connect(requester).post(5n)).wait();
    await (await core.settle(reputation, alice, 5n, 0n, FULL_VALUE)).wait();
    await (await core.settle(reputation, alice, 5n, 1n, FULL_VALUE)).wait();
    expect(await reputation.settlementOf(5n, 0n)).to.deep.equal([alice.address, false, 10n]);

    await rateShard(fhevm, reputation, requester, 5n, 0n, 4);
    const [rated] = await reputation.queryFilter(reputation.filters.Rated());
    expect([rated.args.jobId, rated.args.shardIndex, rated.args.worker]).to.deep.equal([5n, 0n, alice.address]);
    expect((await decryptOwnReputation(fhevm, reputation, alice)).score).to.equal(24n);
    await expect(rateShard(fhevm, reputation, requester, 5n, 0n, 4))
      .to.be.revertedWithCustomError(reputation, "NotRateable")
      .withArgs(5n, 0n);

    // a requester bypassing the client with an out-of-range rating gets the maximum, not more
    const big = await fhevm
      .createEncryptedInput(await reputation.getAddress(), requester.address)
      .add8(200)
      .encrypt();
    await (await reputation.connect(requester).rate(5n, 1n, big.handles[0], big.inputProof)).wait();
    await expectReputation(reputation, alice, 2n, 0n, 29n);

    await (await core.settle(reputation, alice, 5n, 2n, FULL_VALUE)).wait();
    await expect(rateShard(fhevm, reputation, other, 5n, 2n, 1))
      .to.be.revertedWithCustomError(reputation, "NotJobRequester")
      .withArgs(5n, other.address);
    await expect(rateShard(fhevm, reputation, requester, 5n, 9n, 1))
      .to.be.revertedWithCustomError(reputation, "NotRateable")
      .withArgs(5n, 9n);
    await expect(rateShard(fhevm, reputation, requester, 5n, 2n, 6)).to.be.rejectedWith(/integer from 0 to 5/);
    // the requester cannot read the score it contributed to
    let error: unknown;
    try {
      await fhevm.userDecryptEuint(
        FhevmType.euint32,
        await reputation.scoreOf(alice.address),
        await reputation.getAddress(),
        requester
      );
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/not authorized/i);
  });
});
