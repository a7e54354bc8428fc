/** What the worker needs from the proving stack for one shard; bound to lib/zk's prover in worker/prover-compute.ts. */
export interface ComputeResult {
  /** Float model outputs, one vector per inference (the answer the requester gets). */
  outputs: number[][];
  /** The circuit's quantized outputs, which outputCommitment binds. */
  quantizedOutputs: bigint[][];
  outputCommitment: bigint;
  inputCommitment: bigint;
  /** The proof's output cipher words (layout 2): the quantized outputs under the shard's salt, for submitResult. */
  cipher: bigint[];
  /** Proof bytes in the model verifier's encoding (0x hex). */
  proof: string;
  inferMs: number;
  proveMs: number;
}

/** A model version as the worker measured it: its input shape and what one shard costs on this machine. */
export interface ModelProfile {
  /** Inferences per shard (the circuit's batch). */
  batch: number;
  /** Values per inference (bytes the requester commits). */
  inputSize: number;
  /** Witness of one shard without the proof (the inspection's dry run), measured at calibration. */
  witnessMs: number;
  /** Inference, witness and proof of one shard, measured by a calibration proof when the model was loaded. */
  proveMs: number;
}

export interface ShardCompute {
  /** Loads the model version and measures it with a calibration proof (once; later calls return the profile). */
  prepare(modelId: bigint, version: bigint): Promise<ModelProfile>;
  /** Dry run for inspection: computes the witness of `inputs` for `binding` and the shard's output salt (lib/zk/commitment.ts
   *  outputSalt) without proving; throws naming why not. */
  witness(modelId: bigint, version: bigint, inputs: number[][], binding: bigint, salt: bigint): Promise<void>;
  /** Runs the model on the batch and proves it for `binding` and the shard's output salt. */
  run(modelId: bigint, version: bigint, inputs: number[][], binding: bigint, salt: bigint): Promise<ComputeResult>;
  close(): Promise<void>;
}
