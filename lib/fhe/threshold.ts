import type { Signer } from "ethers";
import type { PrivacyGateway } from "../../typechain-types";
import { parseScore, type Fhevm } from "./types";

/**
 * The job's requester encrypts `minScore` locally (bound to the gateway and to itself) and sets it as the job's
 * encrypted minimum. The clear number never leaves this process: calldata carries only the ciphertext handle and the
 * input proof. Returns the transaction hash.
 */
export async function setEncryptedMinScore(
  fhevm: Fhevm,
  gateway: PrivacyGateway,
  requester: Signer,
  jobId: bigint,
  minScore: bigint | number | string
): Promise<string> {
  const value = parseScore(minScore, "minimum score");
  const gatewayAddress = await gateway.getAddress();
  const encrypted = await fhevm
    .createEncryptedInput(gatewayAddress, await requester.getAddress())
    .add32(value)
    .encrypt();
  const tx = await gateway.connect(requester).setMinScore(jobId, encrypted.handles[0], encrypted.inputProof);
  await tx.wait();
  return tx.hash;
}
