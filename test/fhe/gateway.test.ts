import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { FhevmType } from "@fhevm/hardhat-plugin";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import { relayPendingEligibility } from "../../lib/fhe/keeper";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import { applyOutcomes, deployLocalFhe, type LocalFhe } from "./fixtures";
import { fheMockReady, mockKmsDecryptionProof } from "../helpers/fhe-mock";

const JOB = 1001n;
const OTHER_JOB = 1002n;

describe("fhe: PrivacyGateway", function () {
  let f: LocalFhe;

  beforeEach(async function () {
    await fheMockReady();
    f = await deployLocalFhe();
    await (await f.directory.connect(f.requester).post(JOB)).wait();
    await (await f.directory.connect(f.requester).post(OTHER_JOB)).wait();
    await applyOutcomes(f.reputation, f.directory, f.alice.address, 7n, "SSSS"); // score 40
    await applyOutcomes(f.reputation, f.directory, f.bob.address, 7n, "S"); // score 10
  });

  it("admits a worker whose score reaches the minimum and turns away one below it", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 33);
    expect(await f.gateway.isGated(JOB)).to.equal(true);

    await requestEligibility(f.gateway, f.alice, JOB);
    await requestEligibility(f.gateway, f.bob, JOB);
    const a = await relayEligibilityDecryption(fhevm, f.gateway, f.keeper, JOB, f.alice.address);
    const b = await relayEligibilityDecryption(fhevm, f.gateway, f.keeper, JOB, f.bob.address);
    expect([a.eligible, b.eligible]).to.deep.equal([true, false]);
    expect(await f.gateway.isEligible(JOB, f.alice.address)).to.equal(true);
    expect(await f.gateway.isEligible(JOB, f.bob.address)).to.equal(false);

    await expect(f.probe.connect(f.alice).claim(JOB)).to.emit(f.probe, "Claimed").withArgs(JOB, f.alice.address);
    await expect(f.probe.connect(f.bob).claim(JOB))
      .to.be.revertedWithCustomError(f.probe, "NotEligible")
      .withArgs(JOB, f.bob.address);
    await expect(f.probe.connect(f.carol).claim(JOB))
      .to.be.revertedWithCustomError(f.probe, "NotEligible")
      .withArgs(JOB, f.carol.address);
  });

  it("rejects a claim before the eligibility result is submitted", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 5);
    await requestEligibility(f.gateway, f.alice, JOB);
    await expect(f.probe.connect(f.alice).claim(JOB)).to.be.revertedWithCustomError(f.probe, "NotEligible");
  });

  it("rejects a decryption proof replayed for another (job, worker)", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 33);
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, OTHER_JOB, 33);
    await requestEligibility(f.gateway, f.alice, JOB);
    await requestEligibility(f.gateway, f.bob, JOB);
    await requestEligibility(f.gateway, f.bob, OTHER_JOB);
    const aliceYes = await fhevm.publicDecrypt([await f.gateway.resultHandleOf(JOB, f.alice.address)]);
    const [clear, proof] = [aliceYes.abiEncodedClearValues, aliceYes.decryptionProof];

    const kms = fhevm.revertedWithCustomErrorArgs("KMSVerifier", "KMSInvalidSigner");
    await expect(f.gateway.submitEligibility(JOB, f.bob.address, clear, proof)).to.be.revertedWithCustomError(...kms);
    await expect(f.gateway.submitEligibility(OTHER_JOB, f.bob.address, clear, proof)).to.be.revertedWithCustomError(
      ...kms
    );
    // no pending request for Alice on the other job: nothing to replay against
    await expect(f.gateway.submitEligibility(OTHER_JOB, f.alice.address, clear, proof))
      .to.be.revertedWithCustomError(f.gateway, "NoPendingRequest")
      .withArgs(OTHER_JOB, f.alice.address);
    // neither replay changed anything
    expect(await f.gateway.isEligible(JOB, f.bob.address)).to.equal(false);
    expect(await f.gateway.isEligible(OTHER_JOB, f.bob.address)).to.equal(false);

    // the genuine pair is accepted once, then the request is closed
    await expect(f.gateway.submitEligibility(JOB, f.alice.address, clear, proof))
      .to.emit(f.gateway, "EligibilityResolved")
      .withArgs(JOB, f.alice.address, true);
    await expect(f.gateway.submitEligibility(JOB, f.alice.address, clear, proof)).to.be.revertedWithCustomError(
      f.gateway,
      "NoPendingRequest"
    );
  });

  it("rejects a forged cleartext for the right handle", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 33);
    await requestEligibility(f.gateway, f.bob, JOB);
    const bobNo = await fhevm.publicDecrypt([await f.gateway.resultHandleOf(JOB, f.bob.address)]);
    const forged = ethers.AbiCoder.defaultAbiCoder().encode(["bool"], [true]);
    expect(forged).not.to.equal(bobNo.abiEncodedClearValues);
    await expect(
      f.gateway.submitEligibility(JOB, f.bob.address, forged, bobNo.decryptionProof)
    ).to.be.revertedWithCustomError(...fhevm.revertedWithCustomErrorArgs("KMSVerifier", "KMSInvalidSigner"));
    await expect(
      f.gateway.submitEligibility(JOB, f.bob.address, forged + "00", bobNo.decryptionProof)
    ).to.be.revertedWithCustomError(f.gateway, "MalformedCleartext");
  });

  it("refuses a KMS-signed cleartext word above 1 for the boolean result (MalformedCleartext), the request left pending", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 33);
    await requestEligibility(f.gateway, f.bob, JOB);
    const handle = await f.gateway.resultHandleOf(JOB, f.bob.address);
    // A KMS that signed a non-boolean for an ebool (the mock's KMS key is public; a real KMS signs only 0 or 1).
    const two = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [2n]);
    const proof = await mockKmsDecryptionProof(await f.gateway.getAddress(), [handle], two);
    await expect(f.gateway.submitEligibility(JOB, f.bob.address, two, proof)).to.be.revertedWithCustomError(
      f.gateway,
      "MalformedCleartext"
    );
    expect(await f.gateway.isPending(JOB, f.bob.address)).to.equal(true);
    expect(await f.gateway.isEligible(JOB, f.bob.address)).to.equal(false);
    // the same signing path with the true cleartext (0) is accepted: the refusal was the word, not the signature
    const zero = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [0n]);
    const honest = await mockKmsDecryptionProof(await f.gateway.getAddress(), [handle], zero);
    await expect(f.gateway.submitEligibility(JOB, f.bob.address, zero, honest))
      .to.emit(f.gateway, "EligibilityResolved")
      .withArgs(JOB, f.bob.address, false);
  });

  it("re-evaluates a worker turned away once its score has grown", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 20);
    await requestEligibility(f.gateway, f.bob, JOB);
    expect((await relayEligibilityDecryption(fhevm, f.gateway, f.bob, JOB, f.bob.address)).eligible).to.equal(false);
    await applyOutcomes(f.reputation, f.directory, f.bob.address, 7n, "S", 200n); // 20
    await requestEligibility(f.gateway, f.bob, JOB);
    expect((await relayEligibilityDecryption(fhevm, f.gateway, f.bob, JOB, f.bob.address)).eligible).to.equal(true);
    await expect(f.gateway.connect(f.bob).requestEligibility(JOB))
      .to.be.revertedWithCustomError(f.gateway, "AlreadyEligible")
      .withArgs(JOB, f.bob.address);
  });

  it("treats a worker without any record as score zero", async function () {
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 1);
    await requestEligibility(f.gateway, f.carol, JOB);
    expect((await relayEligibilityDecryption(fhevm, f.gateway, f.keeper, JOB, f.carol.address)).eligible).to.equal(
      false
    );
  });

  it("lets only the job's requester set the minimum, once, and only it decrypt it", async function () {
    await expect(setEncryptedMinScore(fhevm, f.gateway, f.alice, JOB, 3))
      .to.be.revertedWithCustomError(f.gateway, "NotJobRequester")
      .withArgs(JOB, f.alice.address);
    await expect(setEncryptedMinScore(fhevm, f.gateway, f.requester, 999n, 3))
      .to.be.revertedWithCustomError(f.gateway, "UnknownJob")
      .withArgs(999n);
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 33);
    await expect(setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 1))
      .to.be.revertedWithCustomError(f.gateway, "MinScoreAlreadySet")
      .withArgs(JOB);

    const handle = await f.gateway.minScoreOf(JOB);
    const gw = await f.gateway.getAddress();
    expect(await fhevm.userDecryptEuint(FhevmType.euint32, handle, gw, f.requester)).to.equal(33n);
    let error: unknown;
    try {
      await fhevm.userDecryptEuint(FhevmType.euint32, handle, gw, f.alice);
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/not authorized/i);
  });

  it("names bad requests: ungated job, no pending request, bad minimum, gateway not the reader, score step 0", async function () {
    await expect(f.gateway.connect(f.alice).requestEligibility(JOB))
      .to.be.revertedWithCustomError(f.gateway, "JobNotGated")
      .withArgs(JOB);
    await expect(f.gateway.submitEligibility(JOB, f.alice.address, "0x", "0x"))
      .to.be.revertedWithCustomError(f.gateway, "NoPendingRequest")
      .withArgs(JOB, f.alice.address);
    await expect(setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, -1)).to.be.rejectedWith(
      /non-negative integer/
    );
    await expect(setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 2n ** 32n)).to.be.rejectedWith(
      /exceeds the euint32 maximum/
    );
    // a second gateway over the same reputation is not its reader (and, with step 10, refuses a minimum of 15 here)
    const other = await (await ethers.getContractFactory("PrivacyGateway")).deploy(f.reputation, f.directory, 10);
    await expect(setEncryptedMinScore(fhevm, other, f.requester, JOB, 15)).to.be.rejectedWith(
      /not a multiple of the gateway's score step 10/
    );
    await setEncryptedMinScore(fhevm, other, f.requester, JOB, 10);
    await expect(other.connect(f.alice).requestEligibility(JOB))
      .to.be.revertedWithCustomError(f.reputation, "NotReader")
      .withArgs(await other.getAddress());
    const factory = await ethers.getContractFactory("PrivacyGateway");
    await expect(factory.deploy(f.reputation, f.directory, 0)).to.be.revertedWithCustomError(factory, "ZeroScoreStep");
  });
});

describe("fhe: keeper relays pending eligibility requests", function () {
  it("relays each pending (job, worker) once and skips resolved ones", async function () {
    const f = await deployLocalFhe();
    const from = await ethers.provider.getBlockNumber();
    await (await f.directory.connect(f.requester).post(JOB)).wait();
    await (await f.directory.connect(f.requester).post(OTHER_JOB)).wait();
    await applyOutcomes(f.reputation, f.directory, f.alice.address, 7n, "SSSS"); // 40
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, 33);
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, OTHER_JOB, 50);
    await requestEligibility(f.gateway, f.alice, JOB);
    await requestEligibility(f.gateway, f.alice, OTHER_JOB);
    await requestEligibility(f.gateway, f.bob, JOB);
    await relayEligibilityDecryption(fhevm, f.gateway, f.bob, JOB, f.bob.address); // Bob relayed himself
    await requestEligibility(f.gateway, f.alice, OTHER_JOB); // a second request replaces the first
    expect(await f.gateway.isPending(JOB, f.alice.address)).to.equal(true);
    expect(await f.gateway.isPending(JOB, f.bob.address)).to.equal(false);

    const relayed = await relayPendingEligibility(fhevm, f.gateway, f.keeper, from);
    expect(relayed.map((r) => [r.jobId, r.worker, r.eligible])).to.deep.equal([
      [JOB, f.alice.address, true],
      [OTHER_JOB, f.alice.address, false],
    ]);
    expect(await relayPendingEligibility(fhevm, f.gateway, f.keeper, from)).to.deep.equal([]);
    expect(await f.gateway.isPending(OTHER_JOB, f.alice.address)).to.equal(false);
  });
});
