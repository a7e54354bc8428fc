/**
 * Proving for a registered model version: fetch its artifacts by the registry's CIDs, prove a batch bound to
 * (chain, core, job, shard, worker), and check the proof against the version's on-chain verifier with a static call.
 */
import type { Signer } from "ethers";
import type { ModelRegistry, OblivionCore } from "../../typechain-types";
import { IProofVerifier__factory } from "../../typechain-types";
import { computeBinding } from "../chain/binding";
import type { ContentStore } from "../storage";
import type { Logger } from "../util/log";
import { fetchArtifacts } from "./bundle";
import { proveBatch, type ProveResult } from "./prover";
import { checkInputRange } from "./quantize";
import type { ModelArtifacts } from "./model";

export interface RegisteredProof extends ProveResult {
  artifacts: ModelArtifacts;
  version: number;
  verifier: string;
  binding: bigint;
  onChainValid: boolean;
  /** Input values clamped to the calibration range (only with `clamp`; otherwise such inputs are refused). */
  clamped: number;
}

export interface ProveAt {
  version?: number;
  jobId?: bigint;
  shardIndex?: bigint;
  /** Clamp inputs outside the calibration range instead of refusing them. */
  clamp?: boolean;
  /** Prove even when the quantized argmax differs from the float model's (the owner's check of a near tie). */
  allowDisagreement?: boolean;
}

export async function proveRegistered(
  c: { registry: ModelRegistry; core: OblivionCore; signer: Signer; store: ContentStore; log?: Logger },
  modelId: bigint,
  inputs: number[][],
  at: ProveAt = {},
): Promise<RegisteredProof> {
  const model = await c.registry.getModel(modelId);
  const version = at.version ?? Number(model.versionCount);
  const v = await c.registry.getVersion(modelId, version);
  const art = await fetchArtifacts({ onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid }, v.circuitHash, c.store);
  if (inputs.length !== art.batch) throw new Error(`model ${modelId} v${version} proves batches of ${art.batch} inputs; the file has ${inputs.length}`);
  inputs.forEach((x, i) => {
    if (x.length !== art.quant.inputSize) throw new Error(`input ${i} has ${x.length} values, the model takes ${art.quant.inputSize}`);
  });
  const clamped = checkInputRange(art.quant, inputs, at.clamp ?? false);
  const binding = computeBinding({
    chainId: (await c.signer.provider!.getNetwork()).chainId,
    core: await c.core.getAddress(),
    jobId: at.jobId ?? 0n,
    shardIndex: at.shardIndex ?? 0n,
    worker: await c.signer.getAddress(),
  });
  const res = await proveBatch(art, inputs, binding, { log: c.log, requireArgmaxAgreement: !at.allowDisagreement });
  const onChainValid = await IProofVerifier__factory.connect(v.verifier, c.signer).verifyProof(res.proofBytes, res.publicSignals);
  return { ...res, artifacts: art, version, verifier: v.verifier, binding, onChainValid, clamped };
}
