import { FhevmType } from "@fhevm/hardhat-plugin";
import type { Signer } from "ethers";
import type { ConfidentialReputation } from "../../typechain-types";
import { ZERO_HANDLE, type Fhevm } from "./types";

/** A worker's reputation in clear, as only that worker can see it. */
export interface ReputationStats {
  successes: bigint;
  failures: bigint;
  score: bigint;
}

/**
 * Decrypts the caller's own successes, failures and score (user decryption: the ACL allows only the worker and the
 * contract). A worker with no recorded outcome has zero handles and reads as all zeros without a decryption.
 */
export async function decryptOwnReputation(
  fhevm: Fhevm,
  reputation: ConfidentialReputation,
  worker: Signer
): Promise<ReputationStats> {
  const address = await worker.getAddress();
  const contract = await reputation.getAddress();
  const read = async (handle: string): Promise<bigint> =>
    handle === ZERO_HANDLE ? 0n : fhevm.userDecryptEuint(FhevmType.euint32, handle, contract, worker);
  const [s, f, sc] = await Promise.all([
    reputation.successesOf(address),
    reputation.failuresOf(address),
    reputation.scoreOf(address),
  ]);
  return { successes: await read(s), failures: await read(f), score: await read(sc) };
}
