/**
 * `model:example`: the demo's MNIST model and data as files a newcomer can use with the manual path: the ONNX model,
 * its calibration inputs, and sample inputs (.npy, .csv, .json) with their labels.
 */
import fs from "node:fs";
import path from "node:path";
import { encodeNpy } from "../requester/inputs";
import { loadOrTrainMnistMlp } from "./mnist-model";

/** Training images the demo chooses its quantization scales on (`model:register --calibration`). */
export const CALIBRATION_SAMPLES = 256;

export interface ExampleFiles {
  dir: string;
  onnx: string;
  calibration: string;
  inputs: { npy: string; csv: string; json: string };
  labels: string;
  samples: number;
  floatAccuracy: number;
  /** The model came from .cache/models (no training run). */
  cached: boolean;
}

const csv = (vs: ArrayLike<number>[]) => vs.map((v) => Array.from(v).join(",")).join("\n") + "\n";
const json = (vs: ArrayLike<number>[]) => "[\n" + vs.map((v) => JSON.stringify(Array.from(v))).join(",\n") + "\n]\n";

/** Writes the example into `dir` (created); `samples` test images (the demo's first ones) with their labels. */
export function writeModelExample(dir: string, samples: number): ExampleFiles {
  const trained = loadOrTrainMnistMlp();
  const { trainX, testX, testY } = trained.data;
  if (samples < 1 || samples > testX.length) throw new Error(`--count must be in 1..${testX.length}, got ${samples}`);
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const x = testX.slice(0, samples);
  fs.writeFileSync(f("mnist.onnx"), trained.onnx);
  fs.writeFileSync(f("calibration.json"), json(trainX.slice(0, CALIBRATION_SAMPLES)));
  fs.writeFileSync(f("inputs.npy"), encodeNpy(x));
  fs.writeFileSync(f("inputs.csv"), csv(x));
  fs.writeFileSync(f("inputs.json"), json(x));
  fs.writeFileSync(f("labels.json"), JSON.stringify(testY.slice(0, samples)) + "\n");
  return {
    dir,
    onnx: f("mnist.onnx"),
    calibration: f("calibration.json"),
    inputs: { npy: f("inputs.npy"), csv: f("inputs.csv"), json: f("inputs.json") },
    labels: f("labels.json"),
    samples,
    floatAccuracy: trained.floatAccuracy,
    cached: trained.cached,
  };
}
