import type { Signer } from "ethers";
import type { PrivacyGateway } from "../../typechain-types";
import { ZERO_HANDLE, type Fhevm } from "./types";

/**
 * The worker asks the gateway whether its encrypted score reaches the job's encrypted minimum. Returns the handle of
 * the publicly decryptable encrypted boolean.
 */
export async function requestEligibility(gateway: PrivacyGateway, worker: Signer, jobId: bigint): Promise<string> {
  const tx = await gateway.connect(worker).requestEligibility(jobId);
  await tx.wait();
  return gateway.resultHandleOf(jobId, await worker.getAddress());
}

/** What a relayed eligibility decryption produced. */
export interface RelayedEligibility {
  eligible: boolean;
  handle: string;
  txHash: string;
}

/**
 * Keeper duty (or the worker itself): publicly decrypts the pending eligibility boolean of (jobId, worker) and submits
 * it with its KMS decryption proof, which the gateway checks against exactly that handle.
 */
export async function relayEligibilityDecryption(
  fhevm: Fhevm,
  gateway: PrivacyGateway,
  submitter: Signer,
  jobId: bigint,
  worker: string
): Promise<RelayedEligibility> {
  const handle = await gateway.resultHandleOf(jobId, worker);
  if (handle === ZERO_HANDLE) throw new Error(`no eligibility request for job ${jobId} and worker ${worker}`);
  const decrypted = await fhevm.publicDecrypt([handle]);
  const tx = await gateway
    .connect(submitter)
    .submitEligibility(jobId, worker, decrypted.abiEncodedClearValues, decrypted.decryptionProof);
  await tx.wait();
  return { eligible: await gateway.isEligible(jobId, worker), handle, txHash: tx.hash };
}
