/**
 * Model artifacts: ONNX -> IR -> quantized model -> circuit -> r1cs/wasm -> Groth16 setup -> verification key and
 * Solidity verifier, cached under .cache/zk/<circuit hash>/. A model set up without a ceremony file is a
 * development setup: `dev` is true and every log line about it says DEV-SETUP.
 */
import { withDirLock } from "../util/dir-lock";
import { phase } from "../util/phase";
import fs from "node:fs";
import path from "node:path";
import { readOnnx } from "../onnx/read";
import type { Logger } from "../util/log";
import { circuitHashOf, compileCircuit, generateCircuit } from "./circuit";
import { emitR1cs } from "./emit";
import { FIELD_R, modelCommitment, modelWeights } from "./commitment";
import { keccak256 } from "ethers";
import { lowerGraph } from "./lower";
import { parseQuant, quantizeInput, quantizeModel, serializeQuant, type QuantModel, type QuantOptions } from "./quantize";
import { deviationReport, type DeviationReport } from "./reference";
import { onnxAgreement } from "./agreement";
import { initialKey } from "./ceremony";
import { devSetup } from "./setup";
import { exportVerifierSource } from "./verifier";
import { checkWitnesses } from "./witnessCheck";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

export interface BuildOptions {
  batch?: number;
  privateWeights?: boolean;
  /** Benchmark only: private weights without a model commitment (circomlib-ml style); not registrable. */
  unboundWeights?: boolean;
  /** Public prepared powers-of-tau file: files.zkey is then the ceremony's initial key (no contribution yet, not
   *  usable for proofs); without it a development setup is made. */
  ptau?: string;
  /** Float input vectors used to choose scales and to report the deviation; default: 64 seeded uniform [0,1) inputs. */
  calibration?: ArrayLike<number>[];
  quant?: QuantOptions;
  cacheRoot?: string;
  /** "circom": always compile the source with circom2; default "auto": emit the R1CS directly where lib/zk/emit.ts
   *  covers the circuit (public weights, chain models, known op kinds), else circom2. */
  compiler?: "auto" | "circom";
  /** Calibration batches whose witness is computed and checked before the setup (default 2; at least 1). */
  witnessChecks?: number;
  log?: Logger;
}

export interface ModelArtifacts {
  dir: string;
  /** keccak256(sourceHash || r1csHash): what the registry records (lib/zk/circuit.ts circuitHashOf). */
  circuitHash: string;
  /** keccak256 of the circom source and the circuit options (the build cache key). */
  sourceHash: string;
  /** keccak256 of the R1CS file the proving key was made from. */
  r1csHash: string;
  /** Calibration batches whose witness was computed and checked (constraints and public signals) before the setup. */
  witnessesChecked: number;
  batch: number;
  privateWeights: boolean;
  dev: boolean;
  setupMethod: "dev" | "ceremony";
  inputShape: number[];
  outputSize: number;
  constraints: number;
  /** How the R1CS was made: "emit" (lib/zk/emit.ts; files.wasm is the hash circuit's witness generator and the
   *  model's wires are computed by emitWitness) or "circom" (files.wasm computes the whole witness). */
  compiler: "emit" | "circom";
  compileSeconds: number;
  setupSeconds: number;
  publicSignals: number;
  /** Public-signal layout (IProofVerifier): 2, [outputCommitment, inputCommitment, (modelCommitment), cipher[W],
   *  binding]. */
  layoutVersion: 2;
  /** W: the output cipher words among the public signals (lib/zk/commitment.ts encryptOutputs). */
  cipherWords: number;
  deviation: DeviationReport;
  /** Private-weight models: the Poseidon commitment to the weights (decimal). */
  modelCommitment?: string;
  /** Loaded from the cache directory: compile and setup times are those of the run that made them. */
  fromCache?: boolean;
  files: { onnx: string; circuit: string; r1cs: string; wasm: string; zkey: string; vkey: string; verifier: string; quant: string };
  quant: QuantModel;
}

const mod = (v: bigint) => ((v % FIELD_R) + FIELD_R) % FIELD_R;

/** Seeded uniform [0,1) vectors (xorshift32), the default calibration when none is given. */
export function uniformCalibration(size: number, count: number, seed = 1): Float64Array[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () => Float64Array.from({ length: size }, next));
}

/** Label for log lines: every line about a dev-setup model carries DEV-SETUP. */
export const modelTag = (a: Pick<ModelArtifacts, "circuitHash" | "dev">) => `model ${a.circuitHash.slice(0, 10)}${a.dev ? " DEV-SETUP" : ""}`;

export async function buildModelArtifacts(onnx: Uint8Array, opts: BuildOptions = {}): Promise<ModelArtifacts> {
  const ir = readOnnx(onnx);
  const lowered = lowerGraph(ir);
  let calibration = opts.calibration;
  if (!calibration || calibration.length === 0) {
    opts.log?.warn("no calibration data: using 64 seeded uniform [0,1) inputs to choose scales");
    calibration = uniformCalibration(lowered.inputSize, 64);
  }
  const quant = quantizeModel(lowered, calibration, opts.quant);
  const deviation: DeviationReport = { ...deviationReport(lowered, quant, calibration), onnxruntimeAgreement: (await onnxAgreement(onnx, ir.inputShape, quant, calibration)).agreement };
  const gen = generateCircuit(quant, { batch: opts.batch ?? 1, privateWeights: !!opts.privateWeights, unboundWeights: opts.unboundWeights });
  const dev = !opts.ptau;
  const dir = path.join(opts.cacheRoot ?? path.join(".cache", "zk"), `${gen.hash.slice(2, 18)}-${dev ? "dev" : "ceremony"}`);
  let tag = modelTag({ circuitHash: gen.hash, dev });
  const metaFile = path.join(dir, "artifacts.json");
  const cachedArtifacts = (): ModelArtifacts | undefined => {
    if (!fs.existsSync(metaFile)) return undefined;
    const cached = loadModelArtifacts(dir);
    if (cached.sourceHash !== gen.hash || cached.witnessesChecked === 0 || !fs.existsSync(cached.files.zkey)) return undefined;
    opts.log?.info(`${tag}: artifacts cached`, { dir, constraints: cached.constraints });
    return { ...cached, deviation, quant, fromCache: true };
  };
  const build = async (): Promise<ModelArtifacts> => {
    const files = {
      onnx: path.join(dir, "model.onnx"), circuit: path.join(dir, "model.circom"), r1cs: path.join(dir, "model.r1cs"),
      wasm: path.join(dir, "model_js", "model.wasm"), zkey: path.join(dir, "model.zkey"), vkey: path.join(dir, "vkey.json"),
      verifier: path.join(dir, "Groth16Verifier.sol"), quant: path.join(dir, "quant.json"),
    };
    fs.writeFileSync(files.onnx, onnx);
    fs.writeFileSync(files.quant, serializeQuant(quant));
    fs.writeFileSync(files.circuit, gen.source);
    const emitted = opts.compiler === "circom" ? null : await phase(opts.log, `${tag}: R1CS emission`, () => emitR1cs(quant, gen.options, dir, opts.cacheRoot ?? path.join(".cache", "zk")));
    let compiled: { r1cs: string; constraints: number; compileSeconds: number };
    if (emitted) {
      fs.mkdirSync(path.dirname(files.wasm), { recursive: true });
      fs.copyFileSync(emitted.hashWasm, files.wasm);
      compiled = { r1cs: emitted.r1cs, constraints: emitted.constraints, compileSeconds: emitted.seconds };
      opts.log?.info(`${tag}: R1CS emitted directly (circom source written for audit)`, { constraints: compiled.constraints, seconds: compiled.compileSeconds, hashCircuitCompileSeconds: emitted.hashCompileSeconds });
    } else {
      opts.log?.info(`${tag}: compiling circuit`, { batch: gen.options.batch, privateWeights: gen.options.privateWeights });
      compiled = await phase(opts.log, `${tag}: circuit compile`, () => compileCircuit(gen, dir));
      opts.log?.info(`${tag}: compiled`, { constraints: compiled.constraints, seconds: compiled.compileSeconds });
    }
    const circuitHash = circuitHashOf(gen.hash, fs.readFileSync(compiled.r1cs));
    tag = modelTag({ circuitHash, dev });
    // A circuit that cannot prove its own model never gets a key: the witness of calibration inputs must check.
    const B = gen.options.batch;
    const bytes = calibration.map((x) => quantizeInput(quant, x));
    const nBatches = Math.max(1, Math.min(opts.witnessChecks ?? 2, Math.ceil(bytes.length / B)));
    const batches = Array.from({ length: nBatches }, (_, k) => Array.from({ length: B }, (_, s) => bytes[(k * B + s) % bytes.length]));
    await phase(opts.log, `${tag}: witness check`, () =>
      checkWitnesses({ quant, compiler: emitted ? "emit" : "circom", r1cs: compiled.r1cs, wasm: files.wasm, extraInput: gen.options.privateWeights ? { weights: modelWeights(quant).map((v) => mod(v).toString()) } : undefined }, batches),
    );
    opts.log?.info(`${tag}: witnesses of ${nBatches} calibration batch${nBatches === 1 ? "" : "es"} check`, { constraints: compiled.constraints });
    const ptau = opts.ptau;
    const setup = await phase(opts.log, `${tag}: ${ptau ? "initial key from the ptau (zkey new)" : "development setup"}`, async () => {
      if (!ptau) return devSetup(compiled.r1cs, files.zkey);
      const init = await initialKey(compiled.r1cs, ptau, path.join(opts.cacheRoot ?? path.join(".cache", "zk"), "..", "ceremony"));
      fs.copyFileSync(init.file, files.zkey);
      return { method: "ceremony" as const, seconds: init.seconds };
    });
    opts.log?.info(`${tag}: ${dev ? "development setup (single party, knows tau: NOT for production)" : "initial key made from the ptau alone: the phase-2 ceremony starts from it"}`, { seconds: setup.seconds });
    fs.writeFileSync(files.vkey, JSON.stringify(await snarkjs.zKey.exportVerificationKey(files.zkey)));
    fs.writeFileSync(files.verifier, await exportVerifierSource(files.zkey));
    const art: ModelArtifacts = {
      dir, circuitHash, sourceHash: gen.hash, r1csHash: keccak256(fs.readFileSync(compiled.r1cs)), witnessesChecked: nBatches, batch: gen.options.batch, privateWeights: gen.options.privateWeights, dev, setupMethod: setup.method,
      inputShape: ir.inputShape, outputSize: quant.outputSize, constraints: compiled.constraints, compiler: emitted ? "emit" : "circom", compileSeconds: compiled.compileSeconds,
      setupSeconds: setup.seconds, publicSignals: gen.publicSignals, layoutVersion: 2, cipherWords: gen.cipherWords, deviation, files, quant,
      modelCommitment: gen.options.privateWeights && !gen.options.unboundWeights ? (await modelCommitment(quant)).toString() : undefined,
    };
    const { quant: _q, ...meta } = art;
    void _q;
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 1));
    return art;
  };
  // Another process building the same artifacts (a second run, a background maker) is waited for, and its cache used.
  return cachedArtifacts() ?? withDirLock(dir, async () => cachedArtifacts() ?? build());
}

export function loadModelArtifacts(dir: string): ModelArtifacts {
  const metaFile = path.join(dir, "artifacts.json");
  if (!fs.existsSync(metaFile)) throw new Error(`no model artifacts in ${dir}`);
  const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as Omit<ModelArtifacts, "quant">;
  return { ...meta, quant: parseQuant(fs.readFileSync(meta.files.quant, "utf8")) };
}
