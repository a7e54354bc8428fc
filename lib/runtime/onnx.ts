/**
 * onnxruntime-node session wrapper: runs a float model on a batch of flat input vectors. Execution provider `cpu`;
 * `cuda` is tried when asked for and falls back to cpu with a warning where CUDA is missing (as on these machines).
 */
import * as ort from "onnxruntime-node";
import type { Logger } from "../util/log";
import { buildOnnxModel } from "../onnx/write";

export type Provider = "cpu" | "cuda";

export interface OnnxSession {
  provider: Provider;
  inputName: string;
  outputName: string;
  /** Runs a batch of flat float vectors (each of the per-sample input size) and returns flat output vectors. */
  run(batch: ArrayLike<number>[]): Promise<Float32Array[]>;
}

export interface SessionOptions {
  /** Per-sample input shape, without the batch dimension. */
  inputShape: number[];
  provider?: Provider;
  threads?: number;
  log?: Logger;
}

export async function createOnnxSession(model: Uint8Array | string, opts: SessionOptions): Promise<OnnxSession> {
  const threads = opts.threads ?? 1;
  const base: ort.InferenceSession.SessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all" };
  let provider: Provider = opts.provider ?? "cpu";
  let session: ort.InferenceSession;
  const create = (p: Provider) =>
    typeof model === "string" ? ort.InferenceSession.create(model, { ...base, executionProviders: [p] }) : ort.InferenceSession.create(model, { ...base, executionProviders: [p] });
  if (provider === "cuda") {
    try {
      session = await create("cuda");
    } catch (e) {
      const msg = `onnxruntime: CUDA execution provider unavailable (${(e as Error).message.split("\n")[0]}); falling back to cpu`;
      if (opts.log) opts.log.warn(msg);
      else process.emitWarning(msg);
      provider = "cpu";
      session = await create("cpu");
    }
  } else session = await create("cpu");
  const per = opts.inputShape.reduce((a, b) => a * b, 1);
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  return {
    provider,
    inputName,
    outputName,
    async run(batch) {
      if (batch.length === 0) throw new Error("onnx run: empty batch");
      const flat = new Float32Array(batch.length * per);
      batch.forEach((x, i) => {
        if (x.length !== per) throw new Error(`onnx run: input ${i} has ${x.length} values, the model takes ${per}`);
        flat.set(Array.from(x), i * per);
      });
      const res = await session.run({ [inputName]: new ort.Tensor("float32", flat, [batch.length, ...opts.inputShape]) });
      const raw = res[outputName].data;
      // an ArgMax head outputs int64 class indices
      const out = raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number | bigint>, (v) => Number(v));
      const m = out.length / batch.length;
      return batch.map((_, i) => out.slice(i * m, (i + 1) * m));
    },
  };
}

/**
 * The execution provider that actually runs on this machine for `requested`: a one-node model is loaded on it (cuda
 * falls back to cpu with the warning createOnnxSession gives). The worker names the result in its start line.
 */
export async function resolveProvider(requested: Provider, log?: Logger): Promise<Provider> {
  if (requested === "cpu") return "cpu";
  const probe = buildOnnxModel({
    inputs: [{ name: "x", dims: ["N", 1] }],
    outputs: [{ name: "y", dims: ["N", 1] }],
    initializers: [],
    nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
  });
  return (await createOnnxSession(probe, { inputShape: [1], provider: requested, log })).provider;
}
