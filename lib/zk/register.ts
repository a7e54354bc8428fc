/**
 * Registering an ONNX model: build the artifacts (circuit, setup, verification key), have the registry deploy a vetted
 * Groth16VkVerifier from the verification key, upload the artifacts to the content store, and register the model
 * version in the ModelRegistry (dev setups flagged devSetup=true).
 */
import fs from "node:fs";
import type { ContractTransactionReceipt, Signer } from "ethers";
import type { ModelRegistry } from "../../typechain-types";
import type { ContentStore } from "../storage";
import type { Logger } from "../util/log";
import { uploadArtifacts, type ArtifactCids } from "./bundle";
import { buildModelArtifacts, modelTag, type BuildOptions, type ModelArtifacts } from "./model";
import { deployVettedVerifier, type SnarkjsVkey } from "./vk-verifier";

export const PROOF_SYSTEM_GROTH16 = 1;

/** An ONNX graph and how to build its circuit. */
export interface BuildRequest extends BuildOptions {
  onnx: Uint8Array;
}

export interface RegisterRequest extends BuildRequest {
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

/** Builds the artifacts, has the registry deploy the vetted verifier, stores the artifacts: a version's spec. */
async function prepareVersion(req: BuildRequest, registry: ModelRegistry, signer: Signer, store: ContentStore) {
  if (req.unboundWeights) throw new Error("a model with unbound private weights cannot be registered");
  // a ptau's key before any contribution has δ = 1: anyone could forge with it; --ptau opens a ceremony instead
  if (req.ptau) throw new Error("a model with a ptau is set up by a ceremony (lib/zk/ceremony-chain.ts registerCeremonyModel)");
  const art = await buildModelArtifacts(req.onnx, req);
  const tag = modelTag(art);
  const v = await deployModelVerifier(art, registry, signer);
  req.log?.info(`${tag}: vetted verifier deployed by the registry`, { verifier: v.verifier, bytes: v.verifierBytes });
  const cids = await uploadArtifacts(art, store);
  req.log?.info(`${tag}: artifacts stored`, { store: store.kind, ...cids });
  const spec = {
    ...cids,
    circuitHash: art.circuitHash,
    verifier: v.verifier,
    proofSystem: PROOF_SYSTEM_GROTH16,
    layoutVersion: art.layoutVersion,
    batchSize: art.batch,
    numPublicSignals: art.publicSignals,
    devSetup: art.dev,
    modelCommitment: art.modelCommitment ? BigInt(art.modelCommitment) : 0n,
  };
  return { art, tag, v, cids, spec };
}

/** The one event `name` of a receipt, parsed by the registry's interface. */
function eventOf(registry: ModelRegistry, receipt: ContractTransactionReceipt | null, name: string) {
  for (const log of receipt?.logs ?? []) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`transaction ${receipt?.hash} emitted no ${name} event`);
}

export async function registerOnnxModel(req: RegisterRequest, registry: ModelRegistry, signer: Signer, store: ContentStore): Promise<Registered> {
  const { art, tag, v, cids, spec } = await prepareVersion(req, registry, signer, store);
  const tx = await registry.connect(signer).registerModel(req.name, req.feePerInference, spec);
  const modelId = eventOf(registry, await tx.wait(), "ModelRegistered").args.modelId as bigint;
  req.log?.info(`${tag}: registered`, { modelId, version: 1 });
  return { modelId, version: 1, verifier: v.verifier, verifierBytes: v.verifierBytes, artifacts: art, cids };
}

/**
 * Publishes a new version of `modelId` from an ONNX graph (the signer must own the active model: see
 * lib/chain/owner.ts checkCanPublish, which the task calls before the build). Posted jobs keep their version.
 */
export async function publishOnnxVersion(req: BuildRequest & { modelId: bigint }, registry: ModelRegistry, signer: Signer, store: ContentStore): Promise<Registered> {
  const { art, tag, v, cids, spec } = await prepareVersion(req, registry, signer, store);
  const tx = await registry.connect(signer).publishVersion(req.modelId, spec);
  const version = Number(eventOf(registry, await tx.wait(), "VersionPublished").args.version);
  req.log?.info(`${tag}: published`, { modelId: req.modelId, version });
  return { modelId: req.modelId, version, verifier: v.verifier, verifierBytes: v.verifierBytes, artifacts: art, cids };
}
