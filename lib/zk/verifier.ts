/**
 * Verifier export: the snarkjs Groth16 Solidity verifier for a zkey, compiled with solc-js (the npm `solc`, no
 * download) and deployed, asserting the EIP-170 limit. Also the TEAM.md proof encoding.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AbiCoder, Contract, ContractFactory, type Signer } from "ethers";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");
/** solc-js loads a 9 MB compiler: only when a verifier is compiled, not for every Hardhat start. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const solc = () => require("solc");

export const EIP170_LIMIT = 24_576;

export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
}

export interface CompiledVerifier {
  source: string;
  abi: unknown[];
  bytecode: string;
}

const templatePath = () => path.join(path.dirname(require.resolve("snarkjs")), "..", "templates", "verifier_groth16.sol.ejs");

/** The snarkjs-exported Solidity verifier for `zkeyPath`. */
export async function exportVerifierSource(zkeyPath: string): Promise<string> {
  return snarkjs.zKey.exportSolidityVerifier(zkeyPath, { groth16: fs.readFileSync(templatePath(), "utf8") });
}

/** Compiles a verifier source with solc-js (optimizer 200 runs), cached under `cacheDir` by source hash. */
export function compileVerifier(source: string, cacheDir = path.join(".cache", "verifiers")): CompiledVerifier {
  const key = crypto.createHash("sha256").update(source).digest("hex");
  const file = path.join(cacheDir, `${key}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as CompiledVerifier;
  const input = {
    language: "Solidity",
    sources: { "Groth16Verifier.sol": { content: source } },
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } } },
  };
  const out = JSON.parse(solc().compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length) throw new Error(`verifier compilation failed: ${errors.map((e: { formattedMessage: string }) => e.formattedMessage).join("\n")}`);
  const c = out.contracts["Groth16Verifier.sol"].Groth16Verifier;
  const deployedSize = c.evm.deployedBytecode.object.length / 2;
  if (deployedSize >= EIP170_LIMIT) throw new Error(`verifier runtime bytecode is ${deployedSize} bytes, over the EIP-170 limit of ${EIP170_LIMIT}`);
  const res: CompiledVerifier = { source, abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(res));
  return res;
}

/** Deploys a compiled verifier and checks the deployed code size against EIP-170. */
export async function deployVerifier(v: CompiledVerifier, signer: Signer): Promise<{ address: string; codeSize: number; contract: Contract }> {
  const c = await new ContractFactory(v.abi as never, v.bytecode, signer).deploy();
  await c.waitForDeployment();
  const address = await c.getAddress();
  const code = await signer.provider!.getCode(address);
  const codeSize = (code.length - 2) / 2;
  if (codeSize === 0) throw new Error(`verifier deployment at ${address} left no code`);
  if (codeSize >= EIP170_LIMIT) throw new Error(`deployed verifier is ${codeSize} bytes, over the EIP-170 limit`);
  return { address, codeSize, contract: new Contract(address, v.abi as never, signer) };
}

/** Proof as the snarkjs calldata arrays (b swapped for the precompile). */
export function proofArrays(p: Groth16Proof): { a: [bigint, bigint]; b: [[bigint, bigint], [bigint, bigint]]; c: [bigint, bigint] } {
  const n = BigInt;
  return {
    a: [n(p.pi_a[0]), n(p.pi_a[1])],
    b: [[n(p.pi_b[0][1]), n(p.pi_b[0][0])], [n(p.pi_b[1][1]), n(p.pi_b[1][0])]],
    c: [n(p.pi_c[0]), n(p.pi_c[1])],
  };
}

/** TEAM.md proof bytes: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c). */
export function encodeProof(p: Groth16Proof): string {
  const { a, b, c } = proofArrays(p);
  return AbiCoder.defaultAbiCoder().encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], [a, b, c]);
}

/** Decodes TEAM.md proof bytes back into calldata arrays. */
export function decodeProof(bytes: string): ReturnType<typeof proofArrays> {
  const [a, b, c] = AbiCoder.defaultAbiCoder().decode(["uint256[2]", "uint256[2][2]", "uint256[2]"], bytes);
  return { a: [a[0], a[1]], b: [[b[0][0], b[0][1]], [b[1][0], b[1][1]]], c: [c[0], c[1]] };
}
