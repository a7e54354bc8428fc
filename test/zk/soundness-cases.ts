/**
 * The circuits of the soundness test (test/zk/soundness.test.ts), quantized as it quantizes them: the step models and
 * the PyTorch zoo. Its circom compiles and hash circuits (child processes of circom2, minutes on a cold cache) are
 * made ahead by test/zk/compile-ahead.ts in the background from the start of a run (test/helpers/background.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { readOnnx } from "../../lib/onnx/read";
import { generateCircuit, type GeneratedCircuit } from "../../lib/zk/circuit";
import { canEmit } from "../../lib/zk/emit";
import { lowerGraph } from "../../lib/zk/lower";
import { quantizeInput, quantizeModel, type QuantModel } from "../../lib/zk/quantize";
import { rng, stepModels } from "./models";

export const CACHE = path.join(".cache", "zk-test");
/** The zoo test's cache (.cache/zk/<source hash>-dev, lib/zk/model.ts): circom-only zoo models are compiled once. */
export const ZOO_CACHE = path.join(".cache", "zk");
export const ZOO = path.join(__dirname, "..", "fixtures", "onnx-zoo");
/**
 * Emitted zoo models also compiled with circom (plans linear,linear and linearMax,linear; the step models cover every
 * step kind); ZK_SOUNDNESS_ALL=1 compares all 18.
 */
const COMPARE = new Set(["mlp_o13", "cnn_o13"]);

export type StepModel = ReturnType<typeof stepModels>[number];

export interface StepCase {
  m: StepModel;
  q: QuantModel;
  gen: GeneratedCircuit;
  cal: Float64Array[];
  batch: number;
  bytes: number[][];
  /** Where the emitted R1CS goes; the circom compile of the same circuit goes to `${dir}-circom`. */
  dir: string;
}

export function stepCase(m: StepModel): StepCase {
  const size = m.input.reduce((a, b) => a * b, 1);
  const r = rng(size + m.plan.length);
  const cal = Array.from({ length: 12 }, () => Float64Array.from({ length: size }, () => (m.signed ? r() * 2 - 1 : r())));
  const q = quantizeModel(lowerGraph(readOnnx(m.onnx)), cal, { activationBits: 6 });
  const batch = m.input[1] === 6 ? 2 : 1; // 72 inputs: three input words
  const bytes = cal.slice(0, batch).map((x) => quantizeInput(q, x));
  const gen = generateCircuit(q, { batch, privateWeights: false });
  return { m, q, gen, cal, batch, bytes, dir: path.join(CACHE, "sound", gen.hash.slice(2, 14)) };
}

export interface ZooModel {
  name: string;
  file: string;
}

export interface ZooCase {
  q: QuantModel;
  gen: GeneratedCircuit;
  bytes: number[][];
  emittable: boolean;
  /** Emitted: where its R1CS goes. Circom only: where the zoo test's registration compiles it too. */
  dir: string;
  /** An emitted model also compiled with circom, there (COMPARE). */
  circomDir?: string;
}

export function zooModels(): { models: ZooModel[]; calibration: number[][] } {
  const manifest = JSON.parse(fs.readFileSync(path.join(ZOO, "manifest.json"), "utf8")) as { models: ZooModel[] };
  const digits = JSON.parse(fs.readFileSync(path.join(ZOO, "digits.json"), "utf8")) as { calibration: number[][] };
  return { models: manifest.models, calibration: digits.calibration };
}

export function zooCase(m: ZooModel, calibration: number[][]): ZooCase {
  const q = quantizeModel(lowerGraph(readOnnx(new Uint8Array(fs.readFileSync(path.join(ZOO, m.file))))), calibration);
  const gen = generateCircuit(q, { batch: 1, privateWeights: false });
  const bytes = [quantizeInput(q, calibration[0])];
  if (!canEmit(q, gen.options)) return { q, gen, bytes, emittable: false, dir: path.join(ZOO_CACHE, `${gen.hash.slice(2, 18)}-dev`) };
  const dir = path.join(CACHE, "sound", gen.hash.slice(2, 14));
  return { q, gen, bytes, emittable: true, dir, circomDir: COMPARE.has(m.name) || process.env.ZK_SOUNDNESS_ALL ? `${dir}-circom` : undefined };
}
