/**
 * Puts a built model on the market: deploys its snarkjs verifier behind the core's Groth16 adapter, uploads its
 * artifacts to storage and registers the version (a new model, or a new version of one the signer owns).
 */
import fs from "node:fs";
import type { Signer } from "ethers";
import { Groth16VerifierAdapter__factory, type ModelRegistry } from "../../typechain-types";
import type { IModelRegistry } from "../../typechain-types/contracts/ModelRegistry";
import type { ContentStore } from "../storage";
import type { ModelArtifacts } from "./model";
import { publishArtifacts, type PublishedCids } from "./publish";
import { compileVerifier, deployVerifier } from "./verifier";

export const PROOF_SYSTEM_GROTH16 = 1;
export const LAYOUT_V1 = 1;

export interface RegisterOptions {
  signer: Signer;
  registry: ModelRegistry;
  store: ContentStore;
  art: ModelArtifacts;
  name: string;
  feePerInference: bigint;
  /** Publish as a new version of this model instead of registering a new one. */
  modelId?: bigint;
}

export interface Registered {
  modelId: bigint;
  version: bigint;
  /** The snarkjs verifier and the IProofVerifier adapter in front of it (the address the registry holds). */
  groth16Verifier: string;
  adapter: string;
  verifierCodeSize: number;
  cids: PublishedCids;
  dev: boolean;
}

export async function registerModelVersion(o: RegisterOptions): Promise<Registered> {
  const { art } = o;
  if (!o.name.trim()) throw new Error("model name must not be empty");
  const compiled = compileVerifier(fs.readFileSync(art.files.verifier, "utf8"));
  const v = await deployVerifier(compiled, o.signer);
  const adapter = await new Groth16VerifierAdapter__factory(o.signer).deploy(v.address, art.publicSignals);
  await adapter.waitForDeployment();
  const cids = await publishArtifacts(o.store, art);
  const spec: IModelRegistry.VersionSpecStruct = {
    ...cids,
    circuitHash: art.circuitHash,
    verifier: await adapter.getAddress(),
    proofSystem: PROOF_SYSTEM_GROTH16,
    layoutVersion: LAYOUT_V1,
    batchSize: art.batch,
    numPublicSignals: art.publicSignals,
    devSetup: art.dev,
    modelCommitment: art.modelCommitment ?? 0n,
  };
  const registry = o.registry.connect(o.signer);
  const tx = o.modelId === undefined ? await registry.registerModel(o.name, o.feePerInference, spec) : await registry.publishVersion(o.modelId, spec);
  const rc = await tx.wait();
  const ev = rc!.logs.map((l) => registry.interface.parseLog(l)).find((p) => p?.name === "VersionPublished");
  if (!ev) throw new Error("registration succeeded but emitted no VersionPublished event");
  return {
    modelId: ev.args.modelId as bigint,
    version: BigInt(ev.args.version),
    groth16Verifier: v.address,
    adapter: spec.verifier as string,
    verifierCodeSize: v.codeSize,
    cids,
    dev: art.dev,
  };
}
