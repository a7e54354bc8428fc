/**
 * Registering an ONNX model: build the artifacts (circuit, setup, verifier), deploy the snarkjs verifier behind
 * the core's Groth16VerifierAdapter, upload the artifacts to the content store, and register the model version
 * in the ModelRegistry (dev setups flagged devSetup=true).
 */
import fs from "node:fs";
import type { Signer } from "ethers";
import type { ModelRegistry } from "../../typechain-types";
import { Groth16VerifierAdapter__factory } from "../../typechain-types";
import type { ContentStore } from "../storage";
import type { Logger } from "../util/log";
import { uploadArtifacts, type ArtifactCids } from "./bundle";
import { buildModelArtifacts, modelTag, type BuildOptions, type ModelArtifacts } from "./model";
import { compileVerifier, deployVerifier } from "./verifier";

export const PROOF_SYSTEM_GROTH16 = 1;

export interface RegisterRequest extends BuildOptions {
  onnx: Uint8Array;
  name: string;
  feePerInference: bigint;
}

export interface Registered {
  modelId: bigint;
  version: number;
  adapter: string;
  groth16Verifier: string;
  verifierBytes: number;
  artifacts: ModelArtifacts;
  cids: ArtifactCids;
}

/** Deploys the exported verifier and the adapter over it; returns both addresses. */
export async function deployModelVerifier(art: ModelArtifacts, signer: Signer) {
  const raw = await deployVerifier(compileVerifier(fs.readFileSync(art.files.verifier, "utf8")), signer);
  const adapter = await new Groth16VerifierAdapter__factory(signer).deploy(raw.address, art.publicSignals);
  await adapter.waitForDeployment();
  return { adapter, groth16Verifier: raw.address, verifierBytes: raw.codeSize };
}

export async function registerOnnxModel(req: RegisterRequest, registry: ModelRegistry, signer: Signer, store: ContentStore): Promise<Registered> {
  if (req.unboundWeights) throw new Error("a model with unbound private weights cannot be registered");
  const art = await buildModelArtifacts(req.onnx, req);
  const tag = modelTag(art);
  const v = await deployModelVerifier(art, signer);
  const adapter = await v.adapter.getAddress();
  req.log?.info(`${tag}: verifier deployed`, { adapter, groth16Verifier: v.groth16Verifier, bytes: v.verifierBytes });
  const cids = await uploadArtifacts(art, store);
  req.log?.info(`${tag}: artifacts stored`, { store: store.kind, ...cids });
  const tx = await registry.connect(signer).registerModel(req.name, req.feePerInference, {
    ...cids,
    circuitHash: art.circuitHash,
    verifier: adapter,
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
  return { modelId, version: 1, adapter, groth16Verifier: v.groth16Verifier, verifierBytes: v.verifierBytes, artifacts: art, cids };
}
