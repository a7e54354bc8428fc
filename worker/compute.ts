/** What the worker needs from the proving stack for one shard; bound to lib/zk's prover in worker/prover-compute.ts. */
export interface ComputeResult {
  /** Float model outputs, one vector per inference (the answer the requester gets). */
  outputs: number[][];
  /** The circuit's quantized outputs, which outputCommitment binds. */
  quantizedOutputs: bigint[][];
  outputCommitment: bigint;
  inputCommitment: bigint;
  /** Proof bytes in the model verifier's encoding (0x hex). */
  proof: string;
  inferMs: number;
  proveMs: number;
}

export interface ShardCompute {
  /** Runs the model on the batch and proves it for `binding`. */
  run(modelId: bigint, version: bigint, inputs: number[][], binding: bigint): Promise<ComputeResult>;
  close(): Promise<void>;
}
