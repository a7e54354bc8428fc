import type { Signer } from "ethers";
import type { ConfidentialReputation } from "../../typechain-types";
import type { Fhevm } from "./types";

/** Ratings a requester may give a settled shard (the contract clamps anything above to the maximum). */
export const MAX_RATING = 5;

/**
 * The job's requester encrypts its rating (0..5) of a settled shard locally and adds it to the worker's encrypted
 * score. The rating never appears in clear anywhere; it is what keeps the score from being a public function of public
 * settlement events. Returns the transaction hash.
 */
export async function rateShard(
  fhevm: Fhevm,
  reputation: ConfidentialReputation,
  requester: Signer,
  jobId: bigint,
  shardIndex: bigint,
  rating: number
): Promise<string> {
  if (!Number.isInteger(rating) || rating < 0 || rating > MAX_RATING) {
    throw new Error(`rating must be an integer from 0 to ${MAX_RATING}, got ${rating}`);
  }
  const encrypted = await fhevm
    .createEncryptedInput(await reputation.getAddress(), await requester.getAddress())
    .add8(rating)
    .encrypt();
  const tx = await reputation.connect(requester).rate(jobId, shardIndex, encrypted.handles[0], encrypted.inputProof);
  await tx.wait();
  return tx.hash;
}
