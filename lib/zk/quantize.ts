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
import { floatForward, floatOp, type LoweredModel } from "./lower";

export interface QuantOptions {
  /** Bits of each quantized weight, sign included (default 16). */
  weightBits?: number;
  /** Target bits of activations on calibration data, sign included (default 16); leaves headroom below rangeBits. */
  activationBits?: number;
  /** Range check of every activation in the circuit, sign included (default activationBits + 4: 16x headroom over
   *  the calibration maximum; was 32 before max-pool fusion made wide comparisons costly). */
  rangeBits?: number;
}

export type QuantOp =
  | { kind: "linear"; node: string; inSize: number; outSize: number; params: bigint[]; biasParams: bigint[]; rows: { idx: number[]; pidx: number[]; bidx: number }[]; shift: number; relu: boolean }
  | { kind: "max"; node: string; inSize: number; outSize: number; windows: number[][] }
  | { kind: "relu"; node: string; size: number };

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
}

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

/** Quantizes `m` with scales chosen on `calibration` (float input vectors). */
export function quantizeModel(m: LoweredModel, calibration: ArrayLike<number>[], opts: QuantOptions = {}): QuantModel {
  if (calibration.length === 0) throw new Error("quantizeModel: calibration data is empty");
  for (const x of calibration) if (x.length !== m.inputSize) throw new Error(`quantizeModel: calibration vector of length ${x.length}, model input is ${m.inputSize}`);
  const wb = opts.weightBits ?? 16;
  const ab = opts.activationBits ?? 16;
  const rangeBits = opts.rangeBits ?? ab + 4;
  if (ab >= rangeBits) throw new Error("quantizeModel: activationBits must be below rangeBits");
  const enc = inputEncoding(calibration);
  let acts: Float64Array[] = calibration.map((x) => Float64Array.from(x));
  let scale = enc.scale; // real value of one unit of the current integer activation
  let exp = 0;
  const ops: QuantOp[] = [];
  for (const op of m.ops) {
    const results = acts.map((a) => floatOp(op, a));
    acts = results.map((r) => r.out);
    if (op.kind !== "linear") {
      ops.push(op.kind === "max" ? { ...op, windows: op.windows.map((w) => Array.from(w)) } : { ...op });
      continue;
    }
    const mw = maxAbs(op.params) * scale;
    const fw = Math.floor(Math.log2((2 ** (wb - 1) - 1) / (mw || 1)));
    let mp = 0;
    for (const r of results) mp = Math.max(mp, maxAbs(r.pre));
    let fout = Math.floor(Math.log2((2 ** (ab - 1) - 1) / (mp || 1)));
    let shift = fw - fout;
    if (shift < 0) { fout = fw; shift = 0; }
    const half = shift > 0 ? 1n << BigInt(shift - 1) : 0n;
    ops.push({
      kind: "linear", node: op.node, inSize: op.inSize, outSize: op.outSize, relu: op.relu, shift,
      rows: op.rows.map((r) => ({ idx: Array.from(r.idx), pidx: Array.from(r.pidx), bidx: r.bidx })),
      params: Array.from(op.params, (v) => BigInt(Math.round(v * scale * 2 ** fw))),
      biasParams: Array.from(op.biasParams, (b) => BigInt(Math.round(b * 2 ** fw)) + half),
    });
    scale = 2 ** -fout;
    exp = fout;
  }
  return { version: 1, inputSize: m.inputSize, outputSize: m.outputSize, inputScale: enc.scale, inputZeroPoint: enc.zeroPoint, rangeBits, outputExp: exp, ops };
}

/** Quantizes one float input vector to the committed bytes. */
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
    if (op.kind !== "linear") continue;
    op.params = op.params.map((w) => BigInt(w));
    op.biasParams = op.biasParams.map((b) => BigInt(b));
  }
  return q;
}

export { floatForward };
