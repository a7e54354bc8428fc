import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import { rateShard } from "../../lib/fhe/rating";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import { applyOutcomes, deployLocalFhe, FULL_VALUE, type LocalFhe, expectReputation } from "./fixtures";
import { fheMockReady } from "../helpers/fhe-mock";

const JOB = 1000n;
const MIN_SCORE = 33n;
const RATING = 4;
const coder = ethers.AbiCoder.defaultAbiCoder();

/** 32-byte words of `hex` starting at byte `from` (ABI data is word-aligned after the selector). */
function words(hex: string, from = 0): bigint[] {
  const body = hex.slice(2 + 2 * from);
  const out: bigint[] = [];
  for (let i = 0; i + 64 <= body.length; i += 64) out.push(BigInt("0x" + body.slice(i, i + 64)));
  return out;
}

/** Every slot where our contracts may keep something about these workers and jobs (base, mappings, nested mappings). */
function candidateSlots(workers: string[], jobs: bigint[]): bigint[] {
  const slots: bigint[] = [];
  const at = (types: string[], values: unknown[]) => BigInt(ethers.keccak256(coder.encode(types, values)));
  for (let p = 0n; p < 16n; p++) {
    slots.push(p);
    for (const w of workers) for (let o = 0n; o < 4n; o++) slots.push(at(["address", "uint256"], [w, p]) + o);
    for (const j of jobs) {
      const inner = at(["uint256", "uint256"], [j, p]);
      slots.push(inner);
      for (const w of workers) for (let o = 0n; o < 2n; o++) slots.push(at(["address", "uint256"], [w, inner]) + o);
    }
  }
  return slots;
}

describe("fhe: no clear value in storage, events or calldata", function () {
  let f: LocalFhe;

  before(async function () {
    await fheMockReady();
  });

  it("keeps scores, counters and thresholds out of our contracts' storage, logs and calldata", async function () {
    f = await deployLocalFhe();
    await (await f.directory.connect(f.requester).post(JOB)).wait();
    const first = await ethers.provider.getBlockNumber();

    await applyOutcomes(f.reputation, f.directory, f.alice.address, JOB, "SSSXXSSSS"); // 7 / 2 / 40
    await applyOutcomes(f.reputation, f.directory, f.bob.address, JOB, "SSXS", 200n); // 3 / 1 / 10
    // the core stand-in (the updater) settles one more shard for Alice and her requester rates it 4
    await (await f.directory.settle(f.reputation, f.alice, JOB, 300n, FULL_VALUE)).wait(); // 8 / 2 / 50
    await rateShard(fhevm, f.reputation, f.requester, JOB, 300n, RATING); // score 54
    await setEncryptedMinScore(fhevm, f.gateway, f.requester, JOB, MIN_SCORE);
    for (const w of [f.alice, f.bob]) {
      await requestEligibility(f.gateway, w, JOB);
      await relayEligibilityDecryption(fhevm, f.gateway, f.keeper, JOB, w.address);
    }
    const last = await ethers.provider.getBlockNumber();

    // the values really are these (so the scan below looks for the right numbers)
    await expectReputation(f.reputation, f.alice, 8n, 2n, 54n);
    await expectReputation(f.reputation, f.bob, 3n, 1n, 10n);
    const secrets = new Set([8n, 2n, 54n, 3n, 10n, MIN_SCORE, BigInt(RATING)]); // not 1: every `true` in a log

    const ours = new Set([await f.reputation.getAddress(), await f.gateway.getAddress()].map((a) => a.toLowerCase()));
    // outcomes reach the reputation through its updater (the core stand-in): scan that calldata too
    const called = new Set([...ours, (await f.directory.getAddress()).toLowerCase()]);
    let logsSeen = 0;
    let callsSeen = 0;
    let jobIdWords = 0; // control: the public job id must be found by the same word scan
    for (let b = first + 1; b <= last; b++) {
      const block = (await ethers.provider.getBlock(b, true))!;
      for (const tx of block.prefetchedTransactions) {
        if (tx.to && called.has(tx.to.toLowerCase())) {
          callsSeen++;
          for (const w of words(tx.data, 4))
            expect(secrets.has(w), `calldata of ${tx.hash} holds ${w}`).to.equal(false);
        }
        const receipt = (await ethers.provider.getTransactionReceipt(tx.hash))!;
        for (const log of receipt.logs.filter((l) => ours.has(l.address.toLowerCase()))) {
          logsSeen++;
          for (const w of [...log.topics.map((t) => BigInt(t)), ...words(log.data)]) {
            if (w === JOB) jobIdWords++;
            expect(secrets.has(w), `log of ${tx.hash} holds ${w}`).to.equal(false);
          }
        }
      }
    }
    expect(callsSeen).to.equal(13 + 1 + 1 + 1 + 4); // outcomes, one more settlement, rate, setMinScore, requests + submits
    // 14 ReputationUpdated + 1 Rated + 1 MinScoreSet + 2 EligibilityRequested + 2 EligibilityResolved name the job;
    // the 2 PublicDecryptionVerified logs (emitted by FHE.checkSignatures) carry the handle and the public boolean only
    expect([jobIdWords, logsSeen]).to.deep.equal([20, 22]);

    const workers = [f.alice.address, f.bob.address];
    const expectedHandles = new Set<bigint>();
    for (const w of workers) {
      for (const h of [
        await f.reputation.successesOf(w),
        await f.reputation.failuresOf(w),
        await f.reputation.scoreOf(w),
      ]) {
        expectedHandles.add(BigInt(h));
      }
      expectedHandles.add(BigInt(await f.gateway.resultHandleOf(JOB, w)));
    }
    expectedHandles.add(BigInt(await f.gateway.minScoreOf(JOB)));
    const found = new Set<bigint>();
    for (const contract of ours) {
      for (const slot of candidateSlots(workers, [JOB])) {
        const value = BigInt(await ethers.provider.getStorage(contract, slot));
        expect(secrets.has(value), `slot ${slot} of ${contract} holds ${value}`).to.equal(false);
        if (expectedHandles.has(value)) found.add(value);
      }
    }
    // the scan reached every stored ciphertext handle (9 distinct handles), so it covered the records
    expect(found.size).to.equal(expectedHandles.size);
    expect(expectedHandles.size).to.equal(9);
  });
});
