/**
 * Fixed-point quantization of a lowered model, with per-layer power-of-two scales chosen on calibration data.
 *
 * Inputs are 8-bit: unsigned (zero point 0, scale max/255) when every calibration value is >= 0, otherwise signed
 * in offset binary (zero point 128, scale max|x|/127). The committed byte is u = round(x/scale) + zeroPoint, clamped
 * to [0, 255]; the network computes on q = u - zeroPoint. The input scale is folded into the first layer's weights.
 * A linear layer computes acc = sum(w*q) + bias with integer weights w = round(W_eff * 2^fw), then rescales by
 * floor division by 2^k (bias carries +2^(k-1), so this rounds half up) with the remainder range-checked to k bits
 * and the quotient range-checked to `rangeBits` (signed), in one (k + rangeBits)-bit decomposition. Activations after
 * the layer have scale 2^-fout.
 */
import { checkRescale } from "./bounds";
import { floatTensors, type FloatOp, type LoweredModel } from "./lower";
import { quantizeSpline } from "./spline";
import type { Head } from "../onnx/read";

export interface QuantOptions {
  /** Bits of each quantized weight, sign included (default 16). */
  weightBits?: number;
  /** Target bits of activations on calibration data, sign included (default 16); leaves headroom below rangeBits. */
  activationBits?: number;
  /** Range check of every activation in the circuit, sign included (default activationBits + 4: 16x headroom over
   *  the calibration maximum; was 32 before max-pool fusion made wide comparisons costly). */
  rangeBits?: number;
}

type Row = { idx: number[]; pidx: number[]; bidx: number };

/**
 * Tensor 0 is the input (q = byte - zero point); ops[i] writes tensor i + 1. `inputs` (tensor ids) is present
 * only where it is not [i] (the previous op's output), so chain models serialize as before (docs/quant-ir.md).
 */
export type QuantOp = (
  | { kind: "linear"; node: string; inSize: number; outSize: number; params: bigint[]; biasParams: bigint[]; rows: Row[]; shift: number; relu: boolean }
  | { kind: "max"; node: string; inSize: number; outSize: number; windows: number[][] }
  | { kind: "relu"; node: string; size: number }
  | { kind: "gather"; node: string; outSize: number; src: number[] }
  | { kind: "mul"; node: string; outSize: number; a: number[]; b: number[]; shift: number }
  | { kind: "spline"; node: string; size: number; fn: string; lo: bigint; hi: bigint; bits: number; segBits: number; c: bigint[]; s: bigint[]; shift: number; outBits: number }
) & { inputs?: number[] };

export interface Approximation {
  node: string;
  fn: string;
  /** Worst-case absolute error of the spline against the exact function over every quantized input. */
  maxAbsError: number;
  segments: number;
}

export interface QuantModel {
  version: 1;
  inputSize: number;
  outputSize: number;
  inputScale: number;
  inputZeroPoint: 0 | 128;
  rangeBits: number;
  /** Output value = q * 2^-outputExp. */
  outputExp: number;
  ops: QuantOp[];
  /** The ONNX model ends with this op after the committed outputs (logits); argmax is unchanged. */
  head?: Head;
  approximations?: Approximation[];
}

/** Input tensor ids of ops[i]. */
export const opInputs = (op: QuantOp, i: number): number[] => op.inputs ?? [i];
export const quantOpSize = (op: QuantOp) => (op.kind === "relu" || op.kind === "spline" ? op.size : op.outSize);

const maxAbs = (xs: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
};

/** Chooses the input byte encoding from calibration data. */
function inputEncoding(calibration: ArrayLike<number>[]): { scale: number; zeroPoint: 0 | 128 } {
  let min = Infinity;
  let mx = 0;
  for (const x of calibration) for (let i = 0; i < x.length; i++) { min = Math.min(min, x[i]); mx = Math.max(mx, Math.abs(x[i])); }
  if (mx === 0) mx = 1;
  return min >= 0 ? { scale: mx / 255, zeroPoint: 0 } : { scale: mx / 127, zeroPoint: 128 };
}

type LinearF = Extract<FloatOp, { kind: "linear" }>;

/** A linear op that only moves values (Concat, Pad, Transpose): every row one term of weight 1 or none, no bias. */
const isSelection = (op: LinearF) =>
  !op.relu && op.params.every((p) => p === 1) && op.biasParams.every((b) => b === 0) && op.rows.every((r) => r.idx.length <= 1);

/** Quantizes `m` with scales chosen on `calibration` (float input vectors). */
export function quantizeModel(m: LoweredModel, calibration: ArrayLike<number>[], opts: QuantOptions = {}): QuantModel {
  if (calibration.length === 0) throw new Error("quantizeModel: calibration data is empty");
  for (const x of calibration) if (x.length !== m.inputSize) throw new Error(`quantizeModel: calibration vector of length ${x.length}, model input is ${m.inputSize}`);
  const wb = opts.weightBits ?? 16;
  const ab = opts.activationBits ?? 16;
  const rangeBits = opts.rangeBits ?? ab + 4;
  if (ab >= rangeBits) throw new Error("quantizeModel: activationBits must be below rangeBits");
  const enc = inputEncoding(calibration);
  const runs = calibration.map((x) => floatTensors(m, x));
  /** Real value of one unit of each tensor's integers. */
  const scale: number[] = [enc.scale];
  const tensorSize = [m.inputSize, ...m.ops.map((op) => (op.kind === "relu" || op.kind === "spline" ? op.size : op.outSize))];
  const ops: QuantOp[] = [];
  const approximations: Approximation[] = [];
  m.ops.forEach((op, i) => {
    const t = i + 1;
    const chain = op.inputs.length === 1 && op.inputs[0] === i;
    const withInputs = <T extends QuantOp>(q: T): T => (chain ? q : { ...q, inputs: op.inputs.slice() });
    if (op.kind === "max" || op.kind === "relu") {
      scale[t] = scale[op.inputs[0]];
      ops.push(withInputs(op.kind === "max" ? { kind: "max", node: op.node, inSize: op.inSize, outSize: op.outSize, windows: op.windows.map((w) => Array.from(w)) } : { kind: "relu", node: op.node, size: op.size }));
      return;
    }
    if (op.kind === "linear" && isSelection(op) && op.inputs.every((u) => scale[u] === scale[op.inputs[0]])) {
      scale[t] = scale[op.inputs[0]];
      ops.push(withInputs({ kind: "gather", node: op.node, outSize: op.outSize, src: op.rows.map((r) => (r.idx.length ? r.idx[0] : -1)) }));
      return;
    }
    if (op.kind === "mul") {
      const s = scale[op.inputs[0]] * scale[op.inputs[1]];
      let mp = 0;
      for (const r of runs) mp = Math.max(mp, maxAbs(r.tensors[t]));
      const shift = Math.max(0, Math.ceil(Math.log2((mp / s || 1) / (2 ** (ab - 1) - 1))));
      checkRescale(shift, rangeBits, op.node);
      scale[t] = s * 2 ** shift;
      ops.push({ kind: "mul", node: op.node, inputs: op.inputs.slice(), outSize: op.outSize, a: Array.from(op.a), b: Array.from(op.b), shift });
      return;
    }
    if (op.kind === "spline") {
      const q = quantizeSpline(op.fn, scale[op.inputs[0]], ab, rangeBits);
      scale[t] = 2 ** -q.fo;
      ops.push(withInputs({ kind: "spline", node: op.node, size: op.size, fn: op.fn.name, ...q.table }));
      approximations.push({ node: op.node, fn: op.fn.name, maxAbsError: q.maxAbsError, segments: 2 ** q.table.segBits });
      return;
    }
    // linear: each parameter is split per input tensor (its integer value depends on that tensor's scale)
    const offs: number[] = [];
    let off = 0;
    for (const u of op.inputs) { offs.push(off); off += tensorSize[u]; }
    const tensorOfIdx = (ix: number) => {
      let j = offs.length - 1;
      while (offs[j] > ix) j--;
      return op.inputs[j];
    };
    const keyed = new Map<string, number>();
    const pvals: number[] = [];
    const single = op.inputs.length === 1; // one input: parameters keep their order (chain models unchanged)
    const rows: Row[] = single ? op.rows.map((r) => ({ idx: Array.from(r.idx), pidx: Array.from(r.pidx), bidx: r.bidx })) : op.rows.map((r) => ({
      idx: Array.from(r.idx), bidx: r.bidx,
      pidx: Array.from(r.idx, (ix, k) => {
        const u = tensorOfIdx(ix);
        const key = `${r.pidx[k]}:${u}`;
        let p = keyed.get(key);
        if (p === undefined) { p = pvals.length; pvals.push(op.params[r.pidx[k]] * scale[u]); keyed.set(key, p); }
        return p;
      }),
    }));
    if (single) for (const v of op.params) pvals.push(v * scale[op.inputs[0]]);
    const mw = single ? maxAbs(op.params) * scale[op.inputs[0]] : maxAbs(pvals);
    const fw = Math.floor(Math.log2((2 ** (wb - 1) - 1) / (mw || 1)));
    let mp = 0;
    for (const r of runs) mp = Math.max(mp, maxAbs(r.pre[t]));
    let fout = Math.floor(Math.log2((2 ** (ab - 1) - 1) / (mp || 1)));
    let shift = fw - fout;
    if (shift < 0) { fout = fw; shift = 0; }
    checkRescale(shift, rangeBits, op.node); // Z-02: k + N bits must stay unique modulo r (lib/zk/bounds.ts)
    const half = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
    ops.push(withInputs({
      kind: "linear", node: op.node, inSize: op.inSize, outSize: op.outSize, relu: op.relu, shift, rows,
      params: pvals.map((v) => BigInt(Math.round(v * 2 ** fw))),
      biasParams: Array.from(op.biasParams, (b) => BigInt(Math.round(b * 2 ** fw)) + half),
    }));
    scale[t] = 2 ** -fout;
  });
  const outScale = scale[scale.length - 1];
  const outputExp = -Math.log2(outScale);
  if (!Number.isInteger(outputExp)) throw new Error("the model's last op has a non-power-of-two output scale (a product involving the raw input); end it with a linear layer");
  const q: QuantModel = { version: 1, inputSize: m.inputSize, outputSize: m.outputSize, inputScale: enc.scale, inputZeroPoint: enc.zeroPoint, rangeBits, outputExp, ops };
  if (m.head) q.head = m.head;
  if (approximations.length) q.approximations = approximations;
  return q;
}

/** The input range the calibration data fixed: [0, max] (unsigned) or [-max, max] (signed offset binary). */
export function calibrationRange(q: QuantModel): { min: number; max: number } {
  const span = q.inputZeroPoint === 0 ? 255 : 127;
  return { min: q.inputZeroPoint === 0 ? 0 : -span * q.inputScale, max: span * q.inputScale };
}

/** Inputs that would be clamped to fit a byte: how many, and the first (vector index, value index, value). */
export function outOfRange(q: QuantModel, vectors: ArrayLike<number>[]): { count: number; first?: { input: number; index: number; value: number } } {
  let count = 0;
  let first: { input: number; index: number; value: number } | undefined;
  vectors.forEach((x, input) => {
    for (let index = 0; index < x.length; index++) {
      const u = Math.round(x[index] / q.inputScale) + q.inputZeroPoint;
      if (u >= 0 && u <= 255 && Number.isFinite(x[index])) continue;
      count++;
      first ??= { input, index, value: x[index] };
    }
  });
  return { count, first };
}

/** Refused input: one line naming the first value outside the calibration range. */
export class InputRangeError extends Error {
  constructor(q: QuantModel, r: ReturnType<typeof outOfRange>) {
    const { min, max } = calibrationRange(q);
    const f = r.first!;
    super(
      `input ${f.input} has ${f.value} at position ${f.index}, outside the calibration range [${+min.toPrecision(6)}, ${+max.toPrecision(6)}] ` +
        `(${r.count} value${r.count === 1 ? "" : "s"} in all); pass --clamp to clamp them to the range`,
    );
    this.name = "InputRangeError";
  }
}

/** Throws InputRangeError for inputs the circuit cannot represent, unless `clamp`; returns how many get clamped. */
export function checkInputRange(q: QuantModel, vectors: ArrayLike<number>[], clamp: boolean): number {
  const r = outOfRange(q, vectors);
  if (r.count > 0 && !clamp) throw new InputRangeError(q, r);
  return r.count;
}

/** Quantizes one float input vector to the committed bytes (clamped to [0, 255]: check the range first). */
export function quantizeInput(q: QuantModel, x: ArrayLike<number>): number[] {
  if (x.length !== q.inputSize) throw new Error(`input has ${x.length} values, the model takes ${q.inputSize}`);
  return Array.from(x, (v) => Math.min(255, Math.max(0, Math.round(v / q.inputScale) + q.inputZeroPoint)));
}

/** Float value of quantized outputs. */
export function dequantizeOutput(q: QuantModel, out: bigint[]): number[] {
  return out.map((v) => Number(v) * 2 ** -q.outputExp);
}

export const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
};

/** JSON form of a quantized model (bigints as decimal strings). */
export function serializeQuant(q: QuantModel): string {
  return JSON.stringify(q, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

export function parseQuant(json: string): QuantModel {
  const q = JSON.parse(json) as QuantModel;
  for (const op of q.ops) {
    if (op.kind === "linear") {
      op.params = op.params.map((w) => BigInt(w));
      op.biasParams = op.biasParams.map((b) => BigInt(b));
    } else if (op.kind === "spline") {
      op.lo = BigInt(op.lo);
      op.hi = BigInt(op.hi);
      op.c = op.c.map((v) => BigInt(v));
      op.s = op.s.map((v) => BigInt(v));
    }
  }
  return q;
}
