import { FhevmType } from "@fhevm/hardhat-plugin";
import type { Signer } from "ethers";
import type { ConfidentialReputation } from "../../typechain-types";
import { ZERO_HANDLE, type Fhevm } from "./types";

/** A worker's reputation in clear, as only that worker can see it. */
export interface ReputationStats {
  successes: bigint;
  failures: bigint;
  score: bigint;
  /** False when the reputation holds nothing for the account (no shard of it ever settled or slashed). */
  recorded: boolean;
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
  const recorded = [s, f, sc].some((h) => h !== ZERO_HANDLE);
  return { successes: await read(s), failures: await read(f), score: await read(sc), recorded };
}

/** The line `reputation:show` prints: a score only for an account with recorded outcomes. */
export function describeReputation(address: string, s: ReputationStats, registeredWorker?: boolean): string {
  if (s.recorded) return `${address}: ${s.successes} settled, ${s.failures} slashed, score ${s.score}`;
  if (registeredWorker === false) return `${address}: not a worker (not registered on the core, no settlement or slash recorded): no reputation`;
  return `${address}: no shard settled or slashed yet: no reputation recorded${registeredWorker ? " (a registered worker)" : ""}`;
}
