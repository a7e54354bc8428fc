import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { FhevmType } from "@fhevm/hardhat-plugin";
import { DEFAULT_REPUTATION_PARAMS, deployFheChain } from "../../lib/fhe/deploy";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import { applyOutcomes, deployLocalFhe, expectReputation, FULL_VALUE, type LocalFhe } from "../fhe/fixtures";
import { fheMockReady } from "../helpers/fhe-mock";

const JOB = 14n;

describe("security F-14: the reputation's owner cannot read or set any value (there is none)", function () {
  let f: LocalFhe;

  beforeEach(async function () {
    await fheMockReady();
    f = await deployLocalFhe(10);
    await (await f.directory.connect(f.requester).post(JOB)).wait();
    await applyOutcomes(f.reputation, f.directory, f.alice.address, JOB, "SSS"); // 30
  });

  it("F-14 the deployer cannot make itself a reader or an updater: no such function, roles fixed at deployment", async function () {
    const names = f.reputation.interface.fragments.flatMap((x) =>
      x.type === "function" ? [(x as unknown as { name: string }).name] : [],
    );
    for (const gone of ["setReader", "setUpdater", "owner", "transferOwnership", "acceptOwnership", "renounceOwnership"]) {
      expect(names, gone).not.to.include(gone);
    }
    // the old owner-only selectors now hit no function at all
    const old = new ethers.Interface(["function setReader(address,bool)", "function setUpdater(address)"]);
    await expect(f.owner.sendTransaction({ to: f.reputation, data: old.encodeFunctionData("setReader", [f.owner.address, true]) })).to.be.reverted;
    await expect(f.owner.sendTransaction({ to: f.reputation, data: old.encodeFunctionData("setUpdater", [f.owner.address]) })).to.be.reverted;
    expect([await f.reputation.updater(), await f.reputation.reader()]).to.deep.equal([
      await f.directory.getAddress(),
      await f.gateway.getAddress(),
    ]);
    expect(await f.reputation.pointPrice()).to.equal(DEFAULT_REPUTATION_PARAMS.pointPrice);
    // ... and the construction refuses missing roles
    const factory = await ethers.getContractFactory("ConfidentialReputation");
    await expect(factory.deploy(ethers.ZeroAddress, f.gateway, 1n)).to.be.revertedWithCustomError(factory, "ZeroAddress");
    await expect(factory.deploy(f.directory, ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(factory, "ZeroAddress");
    await expect(factory.deploy(f.directory, f.gateway, 0n)).to.be.revertedWithCustomError(factory, "ZeroPointPrice");
  });

  it("F-14 a contract trying a reader's transient right to make a score public is refused; the score stays private", async function () {
    const leaker = await (await ethers.getContractFactory("ScoreLeaker", f.owner)).deploy();
    await expect(leaker.leak(f.reputation, f.alice.address))
      .to.be.revertedWithCustomError(f.reputation, "NotReader")
      .withArgs(await leaker.getAddress());
    const handle = await f.reputation.scoreOf(f.alice.address);
    let publicly: unknown;
    try {
      await fhevm.publicDecrypt([handle]);
    } catch (e) {
      publicly = e;
    }
    expect(String(publicly)).to.match(/not allowed for public decryption|not authorized|publicly decryptable/i);
    let byOwner: unknown;
    try {
      await fhevm.userDecryptEuint(FhevmType.euint32, handle, await f.reputation.getAddress(), f.owner);
    } catch (e) {
      byOwner = e;
    }
    expect(String(byOwner)).to.match(/not authorized/i);
  });

  it("F-14 the deployer cannot zero a score: only the immutable updater reports outcomes", async function () {
    await expect(f.reputation.connect(f.owner).onSlashed(f.alice.address, JOB, 99n, FULL_VALUE))
      .to.be.revertedWithCustomError(f.reputation, "NotUpdater")
      .withArgs(f.owner.address);
    await expectReputation(f.reputation, f.alice, 3n, 0n, 30n);
  });

  it("F-14 honest path: the updater reports, the one reader compares; the split layout fixes the relay receiver", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 30);
    await requestEligibility(f.gateway, f.alice, JOB);
    expect((await relayEligibilityDecryption(fhevm, f.gateway, f.keeper, JOB, f.alice.address)).eligible).to.equal(true);
    await applyOutcomes(f.reputation, f.directory, f.alice.address, JOB, "X", 200n);
    await expectReputation(f.reputation, f.alice, 3n, 1n, 5n);

    const { chainId } = await ethers.provider.getNetwork();
    const split = await deployFheChain(f.owner, { chainId, core: await f.directory.getAddress() }, { relayers: [f.keeper.address], threshold: 1 });
    expect([await split.reputation.updater(), await split.reputation.reader()]).to.deep.equal([
      await split.receiver.getAddress(),
      await split.gateway.getAddress(),
    ]);
  });
});
