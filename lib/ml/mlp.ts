import { Rng } from "./rng";
import { SgdOptions, runSgd } from "./sgd";
import { PerExampleGradients } from "../privacy/dpsgd";
import { OnnxNodeSpec, buildOnnxModel } from "../onnx/write";

/** A dense layer: W is out × in, row-major. */
export interface DenseLayer {
  in: number;
  out: number;
  W: Float64Array;
  b: Float64Array;
}

/** Softmax MLP: ReLU between layers, logits out (no activation after the last layer). */
export interface MlpModel {
  layers: DenseLayer[];
}

export interface MlpTrainOptions extends SgdOptions {
  /** Hidden layer widths; [] gives multinomial logistic regression. */
  hidden: number[];
  /** Number of classes (default: largest label + 1; set it when a data subset may lack the top classes). */
  classes?: number;
}

/** Layer widths [in, hidden..., out] of a model. */
export function mlpShape(model: MlpModel): number[] {
  return [model.layers[0].in, ...model.layers.map((l) => l.out)];
}

/** Number of parameters of an MLP with the given widths. */
export function mlpParamCount(shape: number[]): number {
  let n = 0;
  for (let l = 1; l < shape.length; l++) n += shape[l] * shape[l - 1] + shape[l];
  return n;
}

/**
 * A model whose layers are views into one flat parameter vector: per layer W (row-major) then b. This is the canonical
 * parameter order used for updates and their hashes (lib/ml/update.ts).
 */
export function mlpFromParameters(shape: number[], params: Float64Array): MlpModel {
  if (shape.length < 2 || shape.some((w) => !(Number.isInteger(w) && w > 0))) {
    throw new RangeError(`MLP: bad shape [${shape.join(", ")}]`);
  }
  if (params.length !== mlpParamCount(shape)) {
    throw new RangeError(`MLP: shape [${shape.join(", ")}] needs ${mlpParamCount(shape)} parameters, got ${params.length}`);
  }
  const layers: DenseLayer[] = [];
  let off = 0;
  for (let l = 1; l < shape.length; l++) {
    const [i, o] = [shape[l - 1], shape[l]];
    layers.push({ in: i, out: o, W: params.subarray(off, off + o * i), b: params.subarray(off + o * i, off + o * i + o) });
    off += o * i + o;
  }
  return { layers };
}

/** The flat parameter vector of a model (a copy), in mlpFromParameters' order. */
export function mlpParameters(model: MlpModel): Float64Array {
  const out = new Float64Array(mlpParamCount(mlpShape(model)));
  let off = 0;
  for (const l of model.layers) {
    out.set(l.W, off);
    out.set(l.b, off + l.W.length);
    off += l.W.length + l.b.length;
  }
  return out;
}

/** He-initialised parameters (W ~ N(0, 2/in), b = 0) from a seed. */
export function initMlp(shape: number[], seed: number): MlpModel {
  const model = mlpFromParameters(shape, new Float64Array(mlpParamCount(shape)));
  const rng = new Rng(seed);
  for (const l of model.layers) {
    const std = Math.sqrt(2 / l.in);
    for (let k = 0; k < l.W.length; k++) l.W[k] = std * rng.gaussian();
  }
  return model;
}

/** Logits of one input. */
export function mlpLogits(model: MlpModel, x: ArrayLike<number>): Float64Array {
  let a: ArrayLike<number> = x;
  model.layers.forEach((l, idx) => {
    const z = new Float64Array(l.out);
    for (let j = 0; j < l.out; j++) {
      let s = l.b[j];
      const row = j * l.in;
      for (let k = 0; k < l.in; k++) s += l.W[row + k] * a[k];
      z[j] = idx < model.layers.length - 1 && s < 0 ? 0 : s;
    }
    a = z;
  });
  return a as Float64Array;
}

/** Predicted class: argmax of the logits (first index on ties). */
export function predictMlp(model: MlpModel, x: ArrayLike<number>): number {
  const z = mlpLogits(model, x);
  let best = 0;
  for (let j = 1; j < z.length; j++) if (z[j] > z[best]) best = j;
  return best;
}

/** Fraction of examples classified correctly. */
export function mlpAccuracy(model: MlpModel, X: ArrayLike<number>[], Y: number[]): number {
  let ok = 0;
  for (let i = 0; i < X.length; i++) if (predictMlp(model, X[i]) === Y[i]) ok++;
  return ok / X.length;
}

/**
 * Trains a softmax MLP with cross-entropy loss by minibatch SGD (or DP-SGD with `dp`), from a He initialisation seeded
 * by `seed`. Deterministic: same data and options give a bit-identical model in every process.
 */
export function trainMlp(trainX: Float64Array[], trainY: number[], opts: MlpTrainOptions): MlpModel {
  if (trainX.length !== trainY.length) throw new RangeError(`MLP: ${trainX.length} inputs but ${trainY.length} labels`);
  if (trainX.length === 0) throw new RangeError("MLP: empty training set");
  const classes = opts.classes ?? Math.max(...trainY) + 1;
  const shape = [trainX[0].length, ...opts.hidden, classes];
  return trainMlpFrom(initMlp(shape, opts.seed), trainX, trainY, opts);
}

/** Continues training `start` (not modified) and returns the new model; used for federated rounds. */
export function trainMlpFrom(start: MlpModel, X: Float64Array[], Y: number[], opts: SgdOptions): MlpModel {
  const shape = mlpShape(start);
  const params = mlpParameters(start);
  const model = mlpFromParameters(shape, params);
  runSgd(params, X.length, new MlpGradients(model, X, Y), opts);
  return model;
}

/** Per-example gradients of `model` (whose parameters it reads live) on the examples (X, Y). */
export function mlpGradients(model: MlpModel, X: Float64Array[], Y: number[]): PerExampleGradients {
  return new MlpGradients(model, X, Y);
}

/**
 * Per-example cross-entropy gradients of an MLP. Uses that a dense layer's weight gradient is the outer product δ·aᵀ,
 * so its squared norm is ‖δ‖²·‖a‖² (plus ‖δ‖² for the bias) — no need to materialise per-example gradients — and skips
 * zero activations (most MNIST pixels, and the ReLU-inactive units).
 */
class MlpGradients implements PerExampleGradients {
  readonly dim: number;
  private readonly acts: Float64Array[]; // a_0 = input copy, a_1..a_{L-1} hidden, a_L = softmax
  private readonly nz: Int32Array[]; // indices of non-zero activations per layer input
  private readonly nzCount: number[];
  private readonly deltas: Float64Array[]; // δ_l for layer l (length out_l)
  private readonly offsets: number[];

  constructor(
    private readonly model: MlpModel,
    private readonly X: Float64Array[],
    private readonly Y: number[],
  ) {
    const shape = mlpShape(model);
    this.dim = mlpParamCount(shape);
    this.acts = shape.map((w) => new Float64Array(w));
    this.nz = shape.map((w) => new Int32Array(w));
    this.nzCount = shape.map(() => 0);
    this.deltas = model.layers.map((l) => new Float64Array(l.out));
    this.offsets = [];
    let off = 0;
    for (const l of model.layers) {
      this.offsets.push(off);
      off += l.W.length + l.b.length;
    }
    for (let i = 0; i < Y.length; i++) {
      if (!(Number.isInteger(Y[i]) && Y[i] >= 0 && Y[i] < shape[shape.length - 1])) {
        throw new RangeError(`MLP: label ${Y[i]} of example ${i} is out of range`);
      }
      if (X[i].length !== shape[0]) throw new RangeError(`MLP: example ${i} has ${X[i].length} features, not ${shape[0]}`);
    }
  }

  private setInput(l: number, a: ArrayLike<number>, relu: boolean): void {
    const dst = this.acts[l];
    const nz = this.nz[l];
    let c = 0;
    for (let k = 0; k < dst.length; k++) {
      const v = relu && a[k] < 0 ? 0 : a[k];
      dst[k] = v;
      if (v !== 0) nz[c++] = k;
    }
    this.nzCount[l] = c;
  }

  compute(i: number): number {
    const layers = this.model.layers;
    const L = layers.length;
    this.setInput(0, this.X[i], false);
    const z = this.acts;
    for (let l = 0; l < L; l++) {
      const { W, b, out } = layers[l];
      const inW = layers[l].in;
      const a = this.acts[l];
      const nz = this.nz[l];
      const c = this.nzCount[l];
      const zl = l === L - 1 ? z[L] : this.deltas[l]; // deltas[l] as scratch for pre-activations
      for (let j = 0; j < out; j++) {
        let s = b[j];
        const row = j * inW;
        for (let t = 0; t < c; t++) s += W[row + nz[t]] * a[nz[t]];
        zl[j] = s;
      }
      if (l < L - 1) this.setInput(l + 1, zl, true);
    }
    // softmax − onehot = δ_L
    const logits = z[L];
    let max = -Infinity;
    for (let j = 0; j < logits.length; j++) if (logits[j] > max) max = logits[j];
    let sum = 0;
    for (let j = 0; j < logits.length; j++) sum += (logits[j] = Math.exp(logits[j] - max));
    const dL = this.deltas[L - 1];
    for (let j = 0; j < logits.length; j++) dL[j] = logits[j] / sum;
    dL[this.Y[i]] -= 1;
    // backward
    for (let l = L - 1; l > 0; l--) {
      const { W, out } = layers[l];
      const inW = layers[l].in;
      const d = this.deltas[l];
      const dPrev = this.deltas[l - 1];
      dPrev.fill(0);
      const nz = this.nz[l];
      const c = this.nzCount[l];
      for (let j = 0; j < out; j++) {
        const dj = d[j];
        if (dj === 0) continue;
        const row = j * inW;
        for (let t = 0; t < c; t++) dPrev[nz[t]] += W[row + nz[t]] * dj;
      }
    }
    let normSq = 0;
    for (let l = 0; l < L; l++) {
      let dd = 0;
      for (const v of this.deltas[l]) dd += v * v;
      let aa = 0;
      const a = this.acts[l];
      const nz = this.nz[l];
      for (let t = 0; t < this.nzCount[l]; t++) aa += a[nz[t]] * a[nz[t]];
      normSq += dd * (aa + 1);
    }
    return normSq;
  }

  accumulate(acc: Float64Array, scale: number): void {
    const layers = this.model.layers;
    for (let l = 0; l < layers.length; l++) {
      const { out } = layers[l];
      const inW = layers[l].in;
      const off = this.offsets[l];
      const bOff = off + out * inW;
      const d = this.deltas[l];
      const a = this.acts[l];
      const nz = this.nz[l];
      const c = this.nzCount[l];
      for (let j = 0; j < out; j++) {
        const dj = scale * d[j];
        if (dj === 0) continue;
        const row = off + j * inW;
        for (let t = 0; t < c; t++) acc[row + nz[t]] += dj * a[nz[t]];
        acc[bOff + j] += dj;
      }
    }
  }
}

/**
 * Serialized ONNX model of `model` (float32 weights): per layer Gemm(input, W, b, transB=1) — W stays out × in — with
 * Relu between layers. Input "input" [N, in], output "logits" [N, classes], N symbolic.
 */
export function mlpToOnnx(model: MlpModel): Uint8Array {
  const L = model.layers.length;
  const nodes: OnnxNodeSpec[] = [];
  let x = "input";
  model.layers.forEach((_, i) => {
    const last = i === L - 1;
    const gemmOut = last ? "logits" : `dense${i}`;
    nodes.push({ op: "Gemm", inputs: [x, `W${i}`, `b${i}`], outputs: [gemmOut], name: `dense${i}`, attributes: { transB: 1 } });
    x = gemmOut;
    if (!last) {
      nodes.push({ op: "Relu", inputs: [gemmOut], outputs: [`relu${i}`], name: `relu${i}` });
      x = `relu${i}`;
    }
  });
  return buildOnnxModel({
    inputs: [{ name: "input", dims: ["N", model.layers[0].in] }],
    outputs: [{ name: "logits", dims: ["N", model.layers[L - 1].out] }],
    initializers: model.layers.flatMap((l, i) => [
      { name: `W${i}`, dims: [l.out, l.in], data: Float32Array.from(l.W) },
      { name: `b${i}`, dims: [l.out], data: Float32Array.from(l.b) },
    ]),
    nodes,
  });
}
