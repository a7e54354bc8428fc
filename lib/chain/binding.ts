/** The proof binding of public-signal layout v1, computed exactly as OblivionCore.bindingOf does. */
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

/** Layout v1 public signals: [outputCommitment, inputCommitment, (modelCommitment), binding]. */
export function layoutV1Signals(output: bigint, input: bigint, binding: bigint, modelCommitment = 0n): bigint[] {
  return modelCommitment === 0n ? [output, input, binding] : [output, input, modelCommitment, binding];
}
