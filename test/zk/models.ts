/** Tiny seeded ONNX models for the zk tests: an MLP and a small CNN (conv, relu, max pool, average pool, gemm). */
import { buildOnnxModel, type OnnxModelSpec } from "../../lib/onnx/write";

export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

const vec = (r: () => number, n: number, scale = 1) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);

/** MLP in -> hidden -> out with Gemm(transB=1)/Relu, input "input" [N, in], output "logits". */
export function mlpOnnx(seed: number, sizes: number[]): Uint8Array {
  const r = rng(seed);
  const initializers = [];
  const nodes = [];
  let cur = "input";
  for (let l = 0; l + 1 < sizes.length; l++) {
    initializers.push({ name: `W${l}`, dims: [sizes[l + 1], sizes[l]], data: vec(r, sizes[l] * sizes[l + 1], 1 / Math.sqrt(sizes[l])) });
    initializers.push({ name: `b${l}`, dims: [sizes[l + 1]], data: vec(r, sizes[l + 1], 0.1) });
    const out = l + 2 === sizes.length ? "logits" : `h${l}`;
    nodes.push({ op: "Gemm", inputs: [cur, `W${l}`, `b${l}`], outputs: [l + 2 === sizes.length ? out : `g${l}`], attributes: { transB: 1 } });
    if (l + 2 < sizes.length) nodes.push({ op: "Relu", inputs: [`g${l}`], outputs: [out] });
    cur = out;
  }
  return buildOnnxModel({ inputs: [{ name: "input", dims: ["N", sizes[0]] }], outputs: [{ name: "logits", dims: ["N", sizes[sizes.length - 1]] }], initializers, nodes });
}

/** CNN on [1, 6, 6]: Conv 2x3x3 pad 1 -> Relu -> MaxPool 2 -> AveragePool 3 (pad) -> Flatten -> Gemm -> 3 logits. */
export function cnnOnnx(seed: number): Uint8Array {
  const r = rng(seed);
  return buildOnnxModel({
    inputs: [{ name: "input", dims: ["N", 1, 6, 6] }],
    outputs: [{ name: "logits", dims: ["N", 3] }],
    initializers: [
      { name: "cw", dims: [2, 1, 3, 3], data: vec(r, 18, 0.5) },
      { name: "cb", dims: [2], data: vec(r, 2, 0.1) },
      { name: "W", dims: [3, 8], data: vec(r, 24) },
      { name: "b", dims: [3], data: vec(r, 3, 0.1) },
    ],
    nodes: [
      { op: "Conv", inputs: ["input", "cw", "cb"], outputs: ["c"], attributes: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "MaxPool", inputs: ["r"], outputs: ["m"], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "AveragePool", inputs: ["m"], outputs: ["a"], attributes: { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1] } },
      { op: "Flatten", inputs: ["a"], outputs: ["f"] },
      { op: "Gemm", inputs: ["f", "W", "b"], outputs: ["logits"], attributes: { transB: 1 } },
    ],
  });
}

/**
 * A graph, not a chain, on [N, 6]: h = Gemm(x) used twice; Relu(h) * Sigmoid(Gemm(x)) + h (Mul of two activations,
 * residual Add); Concat with Relu(h); LeakyRelu; BatchNormalization; Tanh; Gemm -> 3 logits.
 */
export function dagOnnx(seed: number): Uint8Array {
  const r = rng(seed);
  return buildOnnxModel({
    inputs: [{ name: "input", dims: ["N", 6] }],
    outputs: [{ name: "logits", dims: ["N", 3] }],
    initializers: [
      { name: "W1", dims: [5, 6], data: vec(r, 30, 0.6) }, { name: "b1", dims: [5], data: vec(r, 5, 0.1) },
      { name: "W2", dims: [5, 6], data: vec(r, 30, 0.6) }, { name: "b2", dims: [5], data: vec(r, 5, 0.1) },
      { name: "W3", dims: [3, 10], data: vec(r, 30, 0.5) }, { name: "b3", dims: [3], data: vec(r, 3, 0.1) },
      { name: "bn_s", dims: [10], data: vec(r, 10, 1) }, { name: "bn_b", dims: [10], data: vec(r, 10, 0.1) },
      { name: "bn_m", dims: [10], data: vec(r, 10, 0.1) }, { name: "bn_v", dims: [10], data: Float32Array.from({ length: 10 }, () => 0.5 + r()) },
    ],
    nodes: [
      { op: "Gemm", inputs: ["input", "W1", "b1"], outputs: ["h"], attributes: { transB: 1 } },
      { op: "Relu", inputs: ["h"], outputs: ["rh"] },
      { op: "Gemm", inputs: ["input", "W2", "b2"], outputs: ["g"], attributes: { transB: 1 } },
      { op: "Sigmoid", inputs: ["g"], outputs: ["sg"] },
      { op: "Mul", inputs: ["rh", "sg"], outputs: ["m"] },
      { op: "Add", inputs: ["m", "h"], outputs: ["a"] },
      { op: "Concat", inputs: ["a", "rh"], outputs: ["c"], attributes: { axis: 1 } },
      { op: "LeakyRelu", inputs: ["c"], outputs: ["l"], attributes: { alpha: 0.1 } },
      { op: "BatchNormalization", inputs: ["l", "bn_s", "bn_b", "bn_m", "bn_v"], outputs: ["n"] },
      { op: "Tanh", inputs: ["n"], outputs: ["t"] },
      { op: "Gemm", inputs: ["t", "W3", "b3"], outputs: ["logits"], attributes: { transB: 1 } },
    ],
  });
}

type Layer =
  | { op: "Conv"; out: number; k: number; pad?: number }
  | { op: "MaxPool"; k: number; stride: number }
  | { op: "Relu" }
  | { op: "Flatten" }
  | { op: "Gemm"; out: number };

/** A chain on [N, C, H, W] (or [N, C] once flattened) of the layers given, seeded weights; output "out". */
export function chainOnnx(seed: number, input: [number, number, number], layers: Layer[]): Uint8Array {
  const r = rng(seed);
  let [c, h, w] = input;
  let flat = 0;
  const initializers: OnnxModelSpec["initializers"] = [];
  const nodes: OnnxModelSpec["nodes"] = [];
  let cur = "input";
  layers.forEach((l, i) => {
    const out = i === layers.length - 1 ? "out" : `t${i}`;
    if (l.op === "Conv") {
      const pad = l.pad ?? 0;
      initializers.push({ name: `cw${i}`, dims: [l.out, c, l.k, l.k], data: vec(r, l.out * c * l.k * l.k, 1 / Math.sqrt(c * l.k * l.k)) }, { name: `cb${i}`, dims: [l.out], data: vec(r, l.out, 0.1) });
      nodes.push({ op: "Conv", inputs: [cur, `cw${i}`, `cb${i}`], outputs: [out], attributes: { kernel_shape: [l.k, l.k], pads: [pad, pad, pad, pad] } });
      [c, h, w] = [l.out, h + 2 * pad - l.k + 1, w + 2 * pad - l.k + 1];
    } else if (l.op === "MaxPool") {
      nodes.push({ op: "MaxPool", inputs: [cur], outputs: [out], attributes: { kernel_shape: [l.k, l.k], strides: [l.stride, l.stride] } });
      [h, w] = [Math.floor((h - l.k) / l.stride) + 1, Math.floor((w - l.k) / l.stride) + 1];
    } else if (l.op === "Relu") {
      nodes.push({ op: "Relu", inputs: [cur], outputs: [out] });
    } else if (l.op === "Flatten") {
      nodes.push({ op: "Flatten", inputs: [cur], outputs: [out] });
      flat = c * h * w;
    } else {
      const n = flat;
      initializers.push({ name: `W${i}`, dims: [l.out, n], data: vec(r, l.out * n, 1 / Math.sqrt(n)) }, { name: `b${i}`, dims: [l.out], data: vec(r, l.out, 0.1) });
      nodes.push({ op: "Gemm", inputs: [cur, `W${i}`, `b${i}`], outputs: [out], attributes: { transB: 1 } });
      flat = l.out;
    }
    cur = out;
  });
  const outDims = flat ? ["N", flat] : ["N", c, h, w];
  return buildOnnxModel({ inputs: [{ name: "input", dims: ["N", ...input] }], outputs: [{ name: "out", dims: outDims as (string | number)[] }], initializers, nodes });
}

/**
 * Small chains that put each circuit step kind (lib/zk/plan.ts: linear, linearMax, max, relu) first, in the middle
 * and last, with the plan each must give.
 */
export function stepModels(): { name: string; onnx: Uint8Array; input: number[]; signed: boolean; plan: string }[] {
  return [
    { name: "MaxPool -> Relu -> Gemm (max first, relu middle, linear last)", input: [1, 4, 4], signed: true, plan: "max,relu,linear",
      onnx: chainOnnx(61, [1, 4, 4], [{ op: "MaxPool", k: 2, stride: 2 }, { op: "Relu" }, { op: "Flatten" }, { op: "Gemm", out: 3 }]) },
    { name: "Relu -> Conv+MaxPool -> Gemm+Relu -> Gemm (relu first, linearMax and linear middle)", input: [1, 4, 4], signed: true, plan: "relu,linearMax,linear,linear",
      onnx: chainOnnx(62, [1, 4, 4], [{ op: "Relu" }, { op: "Conv", out: 2, k: 3, pad: 1 }, { op: "MaxPool", k: 2, stride: 2 }, { op: "Flatten" }, { op: "Gemm", out: 4 }, { op: "Relu" }, { op: "Gemm", out: 3 }]) },
    { name: "Conv+MaxPool -> MaxPool -> Relu (linearMax first, max middle, relu last)", input: [1, 6, 6], signed: false, plan: "linearMax,max,relu",
      onnx: chainOnnx(63, [1, 6, 6], [{ op: "Conv", out: 2, k: 3, pad: 1 }, { op: "MaxPool", k: 2, stride: 2 }, { op: "MaxPool", k: 2, stride: 1 }, { op: "Relu" }]) },
    { name: "Conv -> MaxPool (overlapping) -> Conv+MaxPool (linear first, max middle, linearMax last)", input: [1, 4, 4], signed: false, plan: "linear,max,linearMax",
      onnx: chainOnnx(64, [1, 4, 4], [{ op: "Conv", out: 2, k: 3, pad: 1 }, { op: "MaxPool", k: 3, stride: 1 }, { op: "Conv", out: 2, k: 1 }, { op: "MaxPool", k: 2, stride: 2 }]) },
    { name: "Relu -> Conv -> MaxPool (overlapping) (relu first, max last)", input: [1, 4, 4], signed: true, plan: "relu,linear,max",
      onnx: chainOnnx(65, [1, 4, 4], [{ op: "Relu" }, { op: "Conv", out: 2, k: 3, pad: 1 }, { op: "MaxPool", k: 3, stride: 1 }]) },
  ];
}
