/**
 * Registering an ONNX model: build the artifacts (circuit, setup, verification key), have the registry deploy a vetted
 * Groth16VkVerifier from the verification key, upload the artifacts to the content store, and register the model
 * version in the ModelRegistry (dev setups flagged devSetup=true).
 */
import fs from "node:fs";
import type { Signer } from "ethers";
import type { ModelRegistry } from "../../typechain-types";
import type { ContentStore } from "../storage";
import type { Logger } from "../util/log";
import { uploadArtifacts, type ArtifactCids } from "./bundle";
import { buildModelArtifacts, modelTag, type BuildOptions, type ModelArtifacts } from "./model";
import { deployVettedVerifier, type SnarkjsVkey } from "./vk-verifier";

export const PROOF_SYSTEM_GROTH16 = 1;

export interface RegisterRequest extends BuildOptions {
  onnx: Uint8Array;
  name: string;
  feePerInference: bigint;
}

export interface Registered {
  modelId: bigint;
  version: number;
  /** The vetted Groth16VkVerifier the registry deployed for this version. */
  verifier: string;
  verifierBytes: number;
  artifacts: ModelArtifacts;
  cids: ArtifactCids;
}

/** Has the registry deploy the vetted verifier for the model's verification key; returns it and its code size. */
export async function deployModelVerifier(art: ModelArtifacts, registry: ModelRegistry, signer: Signer) {
  const vkey = JSON.parse(fs.readFileSync(art.files.vkey, "utf8")) as SnarkjsVkey;
  const verifier = await deployVettedVerifier(registry, signer, vkey);
  const code = await signer.provider!.getCode(verifier);
  return { verifier, verifierBytes: (code.length - 2) / 2 };
}

export async function registerOnnxModel(req: RegisterRequest, registry: ModelRegistry, signer: Signer, store: ContentStore): Promise<Registered> {
  if (req.unboundWeights) throw new Error("a model with unbound private weights cannot be registered");
  const art = await buildModelArtifacts(req.onnx, req);
  const tag = modelTag(art);
  const v = await deployModelVerifier(art, registry, signer);
  req.log?.info(`${tag}: vetted verifier deployed by the registry`, { verifier: v.verifier, bytes: v.verifierBytes });
  const cids = await uploadArtifacts(art, store);
  req.log?.info(`${tag}: artifacts stored`, { store: store.kind, ...cids });
  const tx = await registry.connect(signer).registerModel(req.name, req.feePerInference, {
    ...cids,
    circuitHash: art.circuitHash,
    verifier: v.verifier,
    proofSystem: PROOF_SYSTEM_GROTH16,
    layoutVersion: 1,
    batchSize: art.batch,
    numPublicSignals: art.publicSignals,
    devSetup: art.dev,
    modelCommitment: art.modelCommitment ? BigInt(art.modelCommitment) : 0n,
  });
  const receipt = await tx.wait();
  let modelId: bigint | null = null;
  for (const log of receipt?.logs ?? []) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "ModelRegistered") modelId = parsed.args.modelId as bigint;
  }
  if (modelId === null) throw new Error(`registerModel ${tx.hash} emitted no ModelRegistered event`);
  req.log?.info(`${tag}: registered`, { modelId, version: 1 });
  return { modelId, version: 1, verifier: v.verifier, verifierBytes: v.verifierBytes, artifacts: art, cids };
}
