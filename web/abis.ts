/**
 * Writes web/src/generated/abis.ts from the Hardhat artifacts (`npm run build` makes them): one `as const` ABI per
 * contract the dashboard calls, so viem and wagmi type every read, write and event. Run by the Vite build (see
 * vite.config.ts); nothing is copied by hand.
 */
import fs from "node:fs";
import path from "node:path";

/** Artifact path under artifacts/contracts and the exported name. */
export const WEB_CONTRACTS: [string, string][] = [
  ["OblivionCore.sol/OblivionCore.json", "coreAbi"],
  ["ModelRegistry.sol/ModelRegistry.json", "registryAbi"],
  ["InferenceAudit.sol/InferenceAudit.json", "auditAbi"],
  ["training/TrainingJobs.sol/TrainingJobs.json", "trainingAbi"],
  ["reputation/ConfidentialReputation.sol/ConfidentialReputation.json", "reputationAbi"],
  ["reputation/PrivacyGateway.sol/PrivacyGateway.json", "gatewayAbi"],
  ["verifiers/Groth16VerifierAdapter.sol/Groth16VerifierAdapter.json", "adapterAbi"],
  ["verifiers/Groth16VkVerifier.sol/Groth16VkVerifier.json", "vkVerifierAbi"],
];

export function writeWebAbis(root: string): string {
  const out = path.join(root, "web", "src", "generated", "abis.ts");
  const lines = ["// Generated from artifacts/ by web/abis.ts at build: do not edit.", ""];
  const names: string[] = [];
  for (const [rel, name] of WEB_CONTRACTS) {
    const file = path.join(root, "artifacts", "contracts", rel);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (hardhat compile) before building the dashboard`);
    const { abi, contractName } = JSON.parse(fs.readFileSync(file, "utf8")) as { abi: unknown; contractName: string };
    lines.push(`export const ${name} = ${JSON.stringify(abi)} as const;`, "");
    names.push(`  ["${contractName}", ${name}],`);
  }
  lines.push("/** Every ABI with its contract name, for decoding custom errors. */", "export const ALL_ABIS = [", ...names, "] as const;", "");
  const text = lines.join("\n");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) fs.writeFileSync(out, text);
  return out;
}
