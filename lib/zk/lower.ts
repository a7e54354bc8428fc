/**
 * Lowers the ONNX graph IR into the three operations a circuit knows: a sparse linear map (Gemm, MatMul, Conv,
 * AveragePool, constant Add) optionally followed by ReLU, a window maximum (MaxPool), and a standalone ReLU.
 * Reshape/Flatten vanish (row-major order is kept). Also the float forward pass over the lowered ops.
 */
import type { GraphIR, Layer } from "../onnx/read";

/** One output of a linear op: sum over t of params[pidx[t]] * input[idx[t]], plus biasParams[bidx]. */
export interface LinearRow {
  idx: Int32Array;
  pidx: Int32Array;
  bidx: number;
}

/** Parameters are kept unique (a convolution kernel is shared by every output position). */
export type FloatOp =
  | { kind: "linear"; node: string; inSize: number; outSize: number; params: Float64Array; biasParams: Float64Array; rows: LinearRow[]; relu: boolean }
  | { kind: "max"; node: string; inSize: number; outSize: number; windows: Int32Array[] }
  | { kind: "relu"; node: string; size: number };

export interface LoweredModel {
  inputSize: number;
  outputSize: number;
  ops: FloatOp[];
}

type Pool = Extract<Layer, { kind: "avgpool" | "maxpool" }>;

/** Valid input indices of each output window of a pooling or convolution over [C, H, W] (per channel `c`). */
function windowIndices(c: number, inShape: number[], oy: number, ox: number, l: { kernel: [number, number]; strides: [number, number]; pads: number[] }) {
  const [, H, W] = inShape;
  const out: { index: number; ky: number; kx: number }[] = [];
  for (let ky = 0; ky < l.kernel[0]; ky++) {
    const iy = oy * l.strides[0] - l.pads[0] + ky;
    if (iy < 0 || iy >= H) continue;
    for (let kx = 0; kx < l.kernel[1]; kx++) {
      const ix = ox * l.strides[1] - l.pads[1] + kx;
      if (ix < 0 || ix >= W) continue;
      out.push({ index: c * H * W + iy * W + ix, ky, kx });
    }
  }
  return out;
}

function lowerLayer(l: Layer, inSize: number): FloatOp | null {
  switch (l.kind) {
    case "dense": {
      const idx = Int32Array.from({ length: l.inSize }, (_, i) => i);
      const rows = Array.from({ length: l.outSize }, (_, o) => ({ idx, pidx: idx.map((i) => o * l.inSize + i), bidx: o }));
      return { kind: "linear", node: l.node, inSize, outSize: l.outSize, params: Float64Array.from(l.W), biasParams: Float64Array.from(l.b), rows, relu: false };
    }
    case "conv": {
      const [cout, oh, ow] = l.outShape;
      const cin = l.inShape[0];
      const [kh, kw] = l.kernel;
      const rows: LinearRow[] = [];
      for (let co = 0; co < cout; co++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const idx: number[] = [];
            const pidx: number[] = [];
            for (let ci = 0; ci < cin; ci++)
              for (const p of windowIndices(ci, l.inShape, oy, ox, l)) {
                idx.push(p.index);
                pidx.push(((co * cin + ci) * kh + p.ky) * kw + p.kx);
              }
            rows.push({ idx: Int32Array.from(idx), pidx: Int32Array.from(pidx), bidx: co });
          }
      return { kind: "linear", node: l.node, inSize, outSize: rows.length, params: Float64Array.from(l.W), biasParams: Float64Array.from(l.b), rows, relu: false };
    }
    case "avgpool":
    case "maxpool": {
      const p = l as Pool;
      const [C, oh, ow] = p.outShape;
      const wins: Int32Array[] = [];
      const rows: LinearRow[] = [];
      const counts: number[] = []; // distinct window sizes: the pool's parameters are 1/count
      for (let c = 0; c < C; c++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const win = windowIndices(c, p.inShape, oy, ox, p).map((q) => q.index);
            if (win.length === 0) throw new Error(`${p.kind} node "${p.node}": a window lies entirely in the padding`);
            wins.push(Int32Array.from(win));
            const count = p.countIncludePad ? p.kernel[0] * p.kernel[1] : win.length;
            if (!counts.includes(count)) counts.push(count);
            rows.push({ idx: Int32Array.from(win), pidx: new Int32Array(win.length).fill(counts.indexOf(count)), bidx: 0 });
          }
      if (p.kind === "maxpool") return { kind: "max", node: p.node, inSize, outSize: wins.length, windows: wins };
      const params = Float64Array.from(counts, (c) => 1 / c);
      return { kind: "linear", node: p.node, inSize, outSize: rows.length, params, biasParams: new Float64Array(1), rows, relu: false };
    }
    case "add": {
      const rows = Array.from({ length: inSize }, (_, i) => ({ idx: Int32Array.of(i), pidx: Int32Array.of(0), bidx: i }));
      return { kind: "linear", node: l.node, inSize, outSize: inSize, params: Float64Array.of(1), biasParams: Float64Array.from(l.b), rows, relu: false };
    }
    case "relu":
      return { kind: "relu", node: l.node, size: inSize };
    case "reshape":
      return null;
  }
}

/** Lowers the IR; a ReLU that directly follows a linear op is fused into it. */
export function lowerGraph(ir: GraphIR): LoweredModel {
  const inputSize = ir.inputShape.reduce((a, b) => a * b, 1);
  const ops: FloatOp[] = [];
  let size = inputSize;
  for (const l of ir.layers) {
    const op = lowerLayer(l, size);
    if (!op) continue;
    const last = ops[ops.length - 1];
    if (op.kind === "relu" && last && last.kind === "linear" && !last.relu) last.relu = true;
    else ops.push(op);
    size = op.kind === "relu" ? size : op.outSize;
  }
  if (ops.length === 0 || ops[0].kind !== "linear") throw new Error("the model must start with a linear layer (Gemm, MatMul, Conv, AveragePool or Add)");
  return { inputSize, outputSize: size, ops };
}

/** Float forward pass of one sample over the lowered ops (the float reference of the circuit). */
export function floatForward(m: LoweredModel, x: ArrayLike<number>): Float64Array {
  let a: Float64Array = Float64Array.from(x);
  for (const op of m.ops) a = floatOp(op, a).out;
  return a;
}

/** Applies one op; `pre` is the linear output before ReLU (used to calibrate ranges). */
export function floatOp(op: FloatOp, a: Float64Array): { out: Float64Array; pre: Float64Array } {
  if (op.kind === "linear") {
    const pre = new Float64Array(op.outSize);
    for (let o = 0; o < op.outSize; o++) {
      const { idx, pidx, bidx } = op.rows[o];
      let s = op.biasParams[bidx];
      for (let t = 0; t < idx.length; t++) s += op.params[pidx[t]] * a[idx[t]];
      pre[o] = s;
    }
    return { out: op.relu ? pre.map((v) => Math.max(0, v)) : pre, pre };
  }
  if (op.kind === "max") {
    const out = Float64Array.from(op.windows, (win) => Math.max(...Array.from(win, (i) => a[i])));
    return { out, pre: out };
  }
  return { out: a.map((v) => Math.max(0, v)), pre: a };
}
