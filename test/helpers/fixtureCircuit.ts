/**
 * The test fixture circuits (test/fixtures/circuits), built with circom2 + snarkjs on first use and cached under
 * .cache/fixtures/<name>-<hash>/ (the hash covers the circuit source and tool versions). Gives real Groth16 proofs in
 * public-signal layout v1 for a (jobId, shardIndex, worker) binding, and deploys the exported verifier.
 * Development setup only: one deterministic contribution.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AbiCoder } from "ethers";
import snarkjs, { type Groth16Proof } from "./snarkjs";

const REPO = path.resolve(__dirname, "..", "..");
const CACHE = path.join(REPO, ".cache");
const CIRCUITS = path.join(REPO, "test", "fixtures", "circuits");
const PTAU_POWER = 10;

export type FixtureName = "fixture_public" | "fixture_private";
/** Every fixture circuit: the two model fixtures and `fixture_wide` (20 public inputs, the verifier's most). */
export type CircuitName = FixtureName | "fixture_wide";

export interface FixtureArtifacts {
  name: CircuitName;
  dir: string;
  wasm: string;
  zkey: string;
  vkey: unknown;
  /** sha256 of the circuit source and tool versions: the cache key, also used as the registry's circuit hash. */
  circuitHash: string;
  signalCount: number;
  verifier: { abi: unknown[]; bytecode: string };
}

function toolVersions(): string {
  const v = (p: string) => JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", p, "package.json"), "utf8")).version;
  return `circom2@${v("circom2")} snarkjs@${v("snarkjs")} circomlib@${v("circomlib")} solc@${v("solc")}`;
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Powers of tau 2^10, prepared for phase 2; built once, shared by both fixtures. */
async function ptau(): Promise<string> {
  const dir = path.join(CACHE, "ptau");
  const final = path.join(dir, `pot${PTAU_POWER}_final.ptau`);
  if (fs.existsSync(final)) return final;
  fs.mkdirSync(dir, { recursive: true });
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  const p0 = path.join(dir, `pot${PTAU_POWER}_0.${process.pid}.ptau`);
  const p1 = path.join(dir, `pot${PTAU_POWER}_1.${process.pid}.ptau`);
  const tmp = `${final}.${process.pid}.tmp`;
  await snarkjs.powersOfTau.newAccumulator(curve, PTAU_POWER, p0);
  await snarkjs.powersOfTau.contribute(p0, p1, "v-oblivion test fixture", "fixture entropy: development only");
  await snarkjs.powersOfTau.preparePhase2(p1, tmp);
  fs.renameSync(tmp, final);
  fs.rmSync(p0);
  fs.rmSync(p1);
  return final;
}

/** Compiles the circuit with circom2 (run from the folder that really holds node_modules, for includes). */
function compileCircuit(source: string, outDir: string): void {
  const nodeModules = fs.realpathSync(path.join(REPO, "node_modules"));
  execFileSync(
    process.execPath,
    [path.join(nodeModules, "circom2", "cli.js"), source, "--r1cs", "--wasm", "--O2", "-o", outDir, "-l", "node_modules"],
    { cwd: path.dirname(nodeModules), stdio: "pipe" },
  );
}

/** Compiles the exported Solidity verifier with the bundled solc (it is generated, so Hardhat never sees it). */
function compileVerifier(source: string): { abi: unknown[]; bytecode: string } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: { "Verifier.sol": { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length) throw new Error(`verifier compile failed: ${errors.map((e: { message: string }) => e.message).join("; ")}`);
  const c = out.contracts["Verifier.sol"].Groth16Verifier;
  return { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
}

const memo = new Map<CircuitName, Promise<FixtureArtifacts>>();

/** Builds (or loads from .cache) the fixture's wasm, zkey, verification key and compiled verifier. */
export function buildFixture(name: CircuitName): Promise<FixtureArtifacts> {
  let p = memo.get(name);
  if (!p) {
    p = build(name);
    memo.set(name, p);
  }
  return p;
}

async function build(name: CircuitName): Promise<FixtureArtifacts> {
  const source = path.join(CIRCUITS, `${name}.circom`);
  const circuitHash = createHash("sha256").update(fs.readFileSync(source)).update(toolVersions()).digest("hex");
  const dir = path.join(CACHE, "fixtures", `${name}-${circuitHash.slice(0, 16)}`);
  const done = path.join(dir, "artifacts.json");
  const wasm = path.join(dir, `${name}_js`, `${name}.wasm`);
  const zkey = path.join(dir, `${name}.zkey`);
  if (!fs.existsSync(done)) {
    fs.mkdirSync(dir, { recursive: true });
    compileCircuit(source, dir);
    const pot = await ptau();
    const z0 = path.join(dir, `${name}_0.zkey`);
    await snarkjs.zKey.newZKey(path.join(dir, `${name}.r1cs`), pot, z0);
    await snarkjs.zKey.contribute(z0, zkey, "v-oblivion fixture", `fixture ${name}: development only`);
    fs.rmSync(z0);
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
    const template = fs.readFileSync(path.join(REPO, "node_modules", "snarkjs", "templates", "verifier_groth16.sol.ejs"), "utf8");
    const sol = await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template });
    fs.writeFileSync(path.join(dir, "Groth16Verifier.sol"), sol);
    const verifier = compileVerifier(sol);
    const signalCount = (vkey as { nPublic: number }).nPublic;
    writeAtomic(done, JSON.stringify({ vkey, verifier, signalCount }));
  }
  const { vkey, verifier, signalCount } = JSON.parse(fs.readFileSync(done, "utf8"));
  return { name, dir, wasm, zkey, vkey, circuitHash: "0x" + circuitHash, signalCount, verifier };
}

export interface ShardProof {
  /** abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), snarkjs calldata order. */
  proof: string;
  /** Public signals in layout v1. */
  signals: bigint[];
  outputCommitment: bigint;
  inputCommitment: bigint;
  raw: Groth16Proof;
}

/** The fixture's private weight when `fixture_private` is used. */
export const FIXTURE_WEIGHT = 5n;

/** Encodes a snarkjs proof as the proof bytes of IProofVerifier. */
export async function encodeProof(proof: Groth16Proof, publicSignals: string[]): Promise<string> {
  const calldata = JSON.parse(`[${await snarkjs.groth16.exportSolidityCallData(proof, publicSignals)}]`);
  return AbiCoder.defaultAbiCoder().encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], calldata.slice(0, 3));
}

/** Proves the fixture on inputs `x` for the given binding. */
export async function proveFixture(name: FixtureName, x: [bigint, bigint], binding: bigint): Promise<ShardProof> {
  const art = await buildFixture(name);
  const input: Record<string, unknown> = { x: x.map(String), binding: binding.toString() };
  if (name === "fixture_private") input.w = FIXTURE_WEIGHT.toString();
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, art.wasm, art.zkey);
  const signals = publicSignals.map(BigInt);
  return {
    proof: await encodeProof(proof, publicSignals),
    signals,
    outputCommitment: signals[0],
    inputCommitment: signals[1],
    raw: proof,
  };
}

/** Proves `fixture_wide` for its 20 public inputs `s` (s[0] + 1 must be a square: the private x is its root, given). */
export async function proveWide(s: bigint[], x: bigint): Promise<{ proof: string; signals: bigint[] }> {
  const art = await buildFixture("fixture_wide");
  const { proof, publicSignals } = await snarkjs.groth16.fullProve({ s: s.map(String), x: x.toString() }, art.wasm, art.zkey);
  return { proof: await encodeProof(proof, publicSignals), signals: publicSignals.map(BigInt) };
}
