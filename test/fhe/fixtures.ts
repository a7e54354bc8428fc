import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { decryptOwnReputation } from "../../lib/fhe/reputation";
import { getCreateAddress, parseEther, ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DEFAULT_REPUTATION_PARAMS } from "../../lib/fhe/deploy";
import type { IReputationHook } from "../../typechain-types/contracts/reputation/ConfidentialReputation";
import type { ConfidentialReputation, GatedClaimProbe, PrivacyGateway, TestJobDirectory } from "../../typechain-types";

/**
 * The value of a settlement a stranger's job pays for at the test defaults (price 0.01 ETH, fee 2.5 %): protocol fee
 * 0.00025 ETH, the full SETTLE_REWARD at the default point price. Requester and model owner are nobody's.
 */
export const FULL_VALUE: IReputationHook.OutcomeValueStruct = {
  requester: ZeroAddress,
  modelOwner: ZeroAddress,
  protocolFee: parseEther("0.00025"),
  collateral: parseEther("0.05"),
};

/**
 * One-chain wiring as on a local node: the directory (core stand-in) is the reputation's immutable updater and the
 * gateway's directory; the gateway is the reputation's immutable reader.
 */
export interface LocalFhe {
  owner: HardhatEthersSigner;
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

/** The fixture; `scoreStep` 1 keeps thresholds exact (the gateway logic tests), deployments default to 10. */
export async function deployLocalFhe(scoreStep = 1): Promise<LocalFhe> {
  const [owner, , requester, alice, bob, carol, keeper] = await ethers.getSigners();
  const directory = await (await ethers.getContractFactory("TestJobDirectory")).deploy();
  // The reader is immutable: predict the gateway's address (the deployer's next creation after the reputation).
  const nonce = await owner.getNonce();
  const gatewayAt = getCreateAddress({ from: owner.address, nonce: nonce + 1 });
  const { pointPrice } = DEFAULT_REPUTATION_PARAMS;
  const reputation = await (
    await ethers.getContractFactory("ConfidentialReputation")
  ).deploy(await directory.getAddress(), gatewayAt, pointPrice);
  const gateway = await (
    await ethers.getContractFactory("PrivacyGateway")
  ).deploy(await reputation.getAddress(), await directory.getAddress(), scoreStep);
  expect(await gateway.getAddress()).to.equal(gatewayAt);
  const probe = await (await ethers.getContractFactory("GatedClaimProbe")).deploy(await gateway.getAddress());
  return { owner, requester, alice, bob, carol, keeper, directory, reputation, gateway, probe };
}

/**
 * Applies a sequence of outcomes ("S" settled, "X" slashed) for `worker` through the updater (the directory), one shard
 * index each from `firstShard`, each worth `value`.
 */
export async function applyOutcomes(
  reputation: ConfidentialReputation,
  updater: TestJobDirectory,
  worker: string,
  jobId: bigint,
  pattern: string,
  firstShard = 100n,
  value: IReputationHook.OutcomeValueStruct = FULL_VALUE
) {
  const receipts = [];
  let shard = firstShard;
  for (const c of pattern) {
    const tx =
      c === "S"
        ? await updater.settle(reputation, worker, jobId, shard, value)
        : await updater.slash(reputation, worker, jobId, shard, value);
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
  const read = await decryptOwnReputation(fhevm, reputation, worker);
  expect({ successes: read.successes, failures: read.failures, score: read.score }).to.deep.equal({ successes, failures, score });
  // Any outcome written makes the record non-empty (all-zero handles read as zeros without a decryption).
  if (successes !== 0n || failures !== 0n) expect(read.recorded, "an account with outcomes reads as recorded").to.equal(true);
}
