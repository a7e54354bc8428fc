import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { decryptOwnReputation } from "../../lib/fhe/reputation";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ConfidentialReputation, GatedClaimProbe, PrivacyGateway, TestJobDirectory } from "../../typechain-types";

/** One-chain wiring as on a local node: directory (core stand-in) -> reputation (updater) -> gateway (reader). */
export interface LocalFhe {
  owner: HardhatEthersSigner;
  updater: HardhatEthersSigner;
  requester: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  directory: TestJobDirectory;
  reputation: ConfidentialReputation;
  gateway: PrivacyGateway;
  probe: GatedClaimProbe;
}

export async function deployLocalFhe(): Promise<LocalFhe> {
  const [owner, updater, requester, alice, bob, carol, keeper] = await ethers.getSigners();
  const directory = await (await ethers.getContractFactory("TestJobDirectory")).deploy();
  const reputation = await (
    await ethers.getContractFactory("ConfidentialReputation")
  ).deploy(owner.address, updater.address);
  const gateway = await (
    await ethers.getContractFactory("PrivacyGateway")
  ).deploy(await reputation.getAddress(), await directory.getAddress());
  await (await reputation.setReader(await gateway.getAddress(), true)).wait();
  const probe = await (await ethers.getContractFactory("GatedClaimProbe")).deploy(await gateway.getAddress());
  return { owner, updater, requester, alice, bob, carol, keeper, directory, reputation, gateway, probe };
}

/** Applies a sequence of outcomes ("S" settled, "X" slashed) for `worker`, one shard index each from `firstShard`. */
export async function applyOutcomes(
  reputation: ConfidentialReputation,
  updater: HardhatEthersSigner,
  worker: string,
  jobId: bigint,
  pattern: string,
  firstShard = 100n
) {
  const receipts = [];
  let shard = firstShard;
  for (const c of pattern) {
    const tx =
      c === "S"
        ? await reputation.connect(updater).onSettled(worker, jobId, shard)
        : await reputation.connect(updater).onSlashed(worker, jobId, shard);
    receipts.push((await tx.wait())!);
    shard++;
  }
  return receipts;
}

/** Asserts what `worker` decrypts from its own record. */
export async function expectReputation(
  reputation: ConfidentialReputation,
  worker: HardhatEthersSigner,
  successes: bigint,
  failures: bigint,
  score: bigint
) {
  expect(await decryptOwnReputation(fhevm, reputation, worker)).to.deep.equal({ successes, failures, score });
}
