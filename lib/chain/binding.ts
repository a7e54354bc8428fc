/** The proof binding of the public-signal layouts, computed exactly as OblivionCore.bindingOf does. */
import { AbiCoder, keccak256 } from "ethers";

/** BN254 scalar field order r. */
export const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export interface BindingContext {
  chainId: bigint;
  core: string;
  jobId: bigint;
  shardIndex: bigint;
  worker: string;
}

/** uint256(keccak256(abi.encode(chainid, core, jobId, shardIndex, worker))) mod r. */
export function computeBinding(c: BindingContext): bigint {
  const enc = AbiCoder.defaultAbiCoder().encode(
    ["uint256", "address", "uint256", "uint256", "address"],
    [c.chainId, c.core, c.jobId, c.shardIndex, c.worker],
  );
  return BigInt(keccak256(enc)) % FIELD_ORDER;
}

/** The public signals the core builds (IProofVerifier layout 2; layout 1 has no cipher):
 *  [outputCommitment, inputCommitment, (modelCommitment), cipher..., binding]. */
export function settlementSignals(output: bigint, input: bigint, binding: bigint, modelCommitment = 0n, cipher: readonly bigint[] = []): bigint[] {
  return [output, input, ...(modelCommitment === 0n ? [] : [modelCommitment]), ...cipher, binding];
}
