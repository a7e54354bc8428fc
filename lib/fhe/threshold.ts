import type { Signer } from "ethers";
import type { PrivacyGateway } from "../../typechain-types";
import { parseScore, type Fhevm } from "./types";

/**
 * The job's requester encrypts `minScore` locally (bound to the gateway and to itself) and sets it as the job's
 * encrypted minimum. The clear number never leaves this process: calldata carries only the ciphertext handle and the
 * input proof. The gateway rounds every minimum down to a multiple of its `scoreStep` (coarse thresholds, so answers
 * reveal only which step a score is in); a minimum that is not a multiple is refused here rather than silently lowered.
 * Returns the transaction hash.
 */
export async function setEncryptedMinScore(
  fhevm: Fhevm,
  gateway: PrivacyGateway,
  requester: Signer,
  jobId: bigint,
  minScore: bigint | number | string
): Promise<string> {
  const value = parseScore(minScore, "minimum score");
  const step = await gateway.scoreStep();
  if (BigInt(value) % step !== 0n) {
    throw new Error(`minimum score ${value} is not a multiple of the gateway's score step ${step} (thresholds are coarse)`);
  }
  const gatewayAddress = await gateway.getAddress();
  const encrypted = await fhevm
    .createEncryptedInput(gatewayAddress, await requester.getAddress())
    .add32(value)
    .encrypt();
  const tx = await gateway.connect(requester).setMinScore(jobId, encrypted.handles[0], encrypted.inputProof);
  await tx.wait();
  return tx.hash;
}
