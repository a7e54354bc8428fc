/**
 * Vetted verifiers: the ModelRegistry deploys a Groth16VkVerifier from a circuit's verification key
 * (`deployGroth16Verifier`), and only those make a model version vetted (see IModelRegistry). This module turns a
 * snarkjs verification key into the contract's key struct (EIP-197 order) and deploys it through the registry.
 */
import type { Signer } from "ethers";
import type { ModelRegistry } from "../../typechain-types";
import type { Groth16VkVerifier } from "../../typechain-types/contracts/verifiers/Groth16VkVerifier";

/** The fields of a snarkjs Groth16 verification key (vkey.json) the verifier needs. */
export interface SnarkjsVkey {
  protocol?: string;
  curve?: string;
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
}

/** Groth16VkVerifier.MAX_SIGNALS. */
export const VETTED_MAX_SIGNALS = 20;

/** G2 point in the pairing precompile's order: x.c1, x.c0, y.c1, y.c0 (as the snarkjs Solidity template). */
function g2(p: string[][]): [bigint, bigint, bigint, bigint] {
  return [BigInt(p[0][1]), BigInt(p[0][0]), BigInt(p[1][1]), BigInt(p[1][0])];
}

/** The Groth16VkVerifier key for a snarkjs vkey; throws a one-line error on another protocol or curve. */
export function verifyingKeyOf(vkey: SnarkjsVkey): Groth16VkVerifier.VerifyingKeyStruct {
  if (vkey.protocol !== undefined && vkey.protocol !== "groth16") throw new Error(`verification key is ${vkey.protocol}, not groth16`);
  if (vkey.curve !== undefined && vkey.curve !== "bn128") throw new Error(`verification key is on ${vkey.curve}, not bn128`);
  if (vkey.IC.length !== vkey.nPublic + 1) throw new Error(`verification key has ${vkey.IC.length} IC points for ${vkey.nPublic} public signals`);
  if (vkey.nPublic > VETTED_MAX_SIGNALS) {
    throw new Error(`verification key has ${vkey.nPublic} public signals, a vetted verifier takes at most ${VETTED_MAX_SIGNALS} (layout 2 carries one per output word: use a smaller batch)`);
  }
  return {
    alpha: [BigInt(vkey.vk_alpha_1[0]), BigInt(vkey.vk_alpha_1[1])],
    beta: g2(vkey.vk_beta_2),
    gamma: g2(vkey.vk_gamma_2),
    delta: g2(vkey.vk_delta_2),
    ic: vkey.IC.flatMap((p) => [BigInt(p[0]), BigInt(p[1])]),
  };
}

/** Has the registry deploy a vetted verifier for `vkey`; returns its address (from Groth16VerifierDeployed). */
export async function deployVettedVerifier(registry: ModelRegistry, signer: Signer, vkey: SnarkjsVkey): Promise<string> {
  const tx = await registry.connect(signer).deployGroth16Verifier(verifyingKeyOf(vkey));
  const receipt = await tx.wait();
  for (const log of receipt?.logs ?? []) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "Groth16VerifierDeployed") return parsed.args.verifier as string;
  }
  throw new Error(`deployGroth16Verifier ${tx.hash} emitted no Groth16VerifierDeployed event`);
}
