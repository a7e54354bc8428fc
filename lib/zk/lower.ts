/**
 * Lowers the ONNX graph IR into a DAG of the operations a circuit knows: sparse linear maps over one or more
 * tensors (Gemm, MatMul, Conv, pooling averages, affine ops, residual Add/Sub, Concat/Pad/Transpose wiring)
 * optionally followed by ReLU, window maxima, ReLU, products of two activations, and clamped piecewise-linear
 * functions (splines: Clip, HardSigmoid, Sigmoid, Tanh, Erf). Tensor 0 is the input; op i writes tensor i + 1.
 *
 * Fusions, repeated until none applies: a linear op whose output only feeds another linear op is composed into it
 * (BatchNorm and constant Add/Mul/Div folded into the neighbouring Gemm/Conv, Pad and Concat into the next
 * layer) when that does not blow up the number of terms; a ReLU right after a linear op is fused into it.
 */
import type { GraphIR, Head, Layer } from "../onnx/read";
import { splineFunction, type SplineFn } from "./spline";

/** One output of a linear op: sum over t of params[pidx[t]] * input[idx[t]], plus biasParams[bidx]. `idx` indexes the concatenation of the op's inputs. */
export interface LinearRow {
  idx: Int32Array;
  pidx: Int32Array;
  bidx: number;
}

/** Parameters are kept unique (a convolution kernel is shared by every output position). */
export type FloatOp =
  | { kind: "linear"; node: string; inputs: number[]; inSize: number; outSize: number; params: Float64Array; biasParams: Float64Array; rows: LinearRow[]; relu: boolean }
  | { kind: "max"; node: string; inputs: number[]; inSize: number; outSize: number; windows: Int32Array[] }
  | { kind: "relu"; node: string; inputs: number[]; size: number }
  | { kind: "mul"; node: string; inputs: number[]; outSize: number; a: Int32Array; b: Int32Array }
  | { kind: "spline"; node: string; inputs: number[]; size: number; fn: SplineFn };

export interface LoweredModel {
  inputSize: number;
  outputSize: number;
  ops: FloatOp[];
  head?: Head;
}

export const opSize = (op: FloatOp) => (op.kind === "relu" || op.kind === "spline" ? op.size : op.outSize);

/** Valid input indices of each output window over [C, H, W] (per channel `c`). */
function windowIndices(c: number, inShape: number[], oy: number, ox: number, l: { kernel: [number, number]; strides: [number, number]; pads: number[]; dilations?: [number, number] }) {
  const [, H, W] = inShape;
  const [dy, dx] = l.dilations ?? [1, 1];
  const out: { index: number; ky: number; kx: number }[] = [];
  for (let ky = 0; ky < l.kernel[0]; ky++) {
    const iy = oy * l.strides[0] - l.pads[0] + ky * dy;
    if (iy < 0 || iy >= H) continue;
    for (let kx = 0; kx < l.kernel[1]; kx++) {
      const ix = ox * l.strides[1] - l.pads[1] + kx * dx;
      if (ix < 0 || ix >= W) continue;
      out.push({ index: c * H * W + iy * W + ix, ky, kx });
    }
  }
  return out;
}

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** Dedupes float values into a parameter table. */
class Table {
  values: number[] = [];
  private index = new Map<string, number>();
  of(key: string, v: number): number {
    let i = this.index.get(key);
    if (i === undefined) { i = this.values.length; this.values.push(v); this.index.set(key, i); }
    return i;
  }
  get array() { return Float64Array.from(this.values); }
}

function linear(node: string, inputs: number[], inSize: number, params: Float64Array, biasParams: Float64Array, rows: LinearRow[]): FloatOp {
  return { kind: "linear", node, inputs, inSize, outSize: rows.length, params, biasParams, rows, relu: false };
}

/** Per-element affine y = s * x + c as a linear op (params and biases deduped by value). */
function affine(node: string, input: number, scale: ArrayLike<number>, bias: ArrayLike<number>): FloatOp {
  const P = new Table();
  const B = new Table();
  const rows = Array.from(scale, (s, i) => ({ idx: Int32Array.of(i), pidx: Int32Array.of(P.of(String(s), s)), bidx: B.of(String(bias[i]), bias[i]) }));
  return linear(node, [input], scale.length, P.array, B.array, rows);
}

/** Lowers one IR layer; `t` are its input tensor ids with their sizes; `emit` appends an op and returns its tensor id. */
function lowerLayer(l: Layer, t: number[], sizes: number[], emit: (op: FloatOp) => number): number {
  const inSize = sizes[0];
  switch (l.kind) {
    case "dense": {
      const idx = range(l.inSize);
      const rows = Array.from({ length: l.outSize }, (_, o) => ({ idx, pidx: idx.map((i) => o * l.inSize + i), bidx: o }));
      return emit(linear(l.node, t, inSize, Float64Array.from(l.W), Float64Array.from(l.b), rows));
    }
    case "conv": {
      const [cout, oh, ow] = l.outShape;
      const cinG = l.inShape[0] / l.group;
      const coutG = cout / l.group;
      const [kh, kw] = l.kernel;
      const rows: LinearRow[] = [];
      for (let co = 0; co < cout; co++) {
        const g = Math.floor(co / coutG);
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const idx: number[] = [];
            const pidx: number[] = [];
            for (let ci = 0; ci < cinG; ci++)
              for (const p of windowIndices(g * cinG + ci, l.inShape, oy, ox, l)) {
                idx.push(p.index);
                pidx.push(((co * cinG + ci) * kh + p.ky) * kw + p.kx);
              }
            rows.push({ idx: Int32Array.from(idx), pidx: Int32Array.from(pidx), bidx: co });
          }
      }
      return emit(linear(l.node, t, inSize, Float64Array.from(l.W), Float64Array.from(l.b), rows));
    }
    case "avgpool":
    case "maxpool": {
      const [C, oh, ow] = l.outShape;
      const wins: Int32Array[] = [];
      const rows: LinearRow[] = [];
      const counts: number[] = []; // distinct window sizes: the pool's parameters are 1/count
      for (let c = 0; c < C; c++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            const win = windowIndices(c, l.inShape, oy, ox, l).map((q) => q.index);
            if (win.length === 0) throw new Error(`${l.kind} node "${l.node}": a window lies entirely in the padding`);
            wins.push(Int32Array.from(win));
            const count = l.countIncludePad ? l.kernel[0] * l.kernel[1] : win.length;
            if (!counts.includes(count)) counts.push(count);
            rows.push({ idx: Int32Array.from(win), pidx: new Int32Array(win.length).fill(counts.indexOf(count)), bidx: 0 });
          }
      if (l.kind === "maxpool") return emit({ kind: "max", node: l.node, inputs: t, inSize, outSize: wins.length, windows: wins });
      return emit(linear(l.node, t, inSize, Float64Array.from(counts, (c) => 1 / c), new Float64Array(1), rows));
    }
    case "affine":
      return emit(affine(l.node, t[0], l.scale, l.bias));
    case "relu":
      return emit({ kind: "relu", node: l.node, inputs: t, size: inSize });
    case "leaky": {
      // alpha*x + (1-alpha)*relu(x), a two-input linear op over [x, relu(x)]
      const r = emit({ kind: "relu", node: l.node, inputs: t, size: inSize });
      const P = new Table();
      const rows = Array.from(l.alpha, (al, i) => ({ idx: Int32Array.of(i, inSize + i), pidx: Int32Array.of(P.of(`a${al}`, al), P.of(`b${al}`, 1 - al)), bidx: 0 }));
      return emit(linear(l.node, [t[0], r], 2 * inSize, P.array, new Float64Array(1), rows));
    }
    case "act": {
      if (l.fn === "clip" && (!isFinite(l.lo!) || !isFinite(l.hi!))) {
        // one-sided clip: max(x, lo) = lo + relu(x - lo); min(x, hi) = hi - relu(hi - x)
        const n = inSize;
        if (!isFinite(l.lo!) && !isFinite(l.hi!)) return t[0];
        const up = isFinite(l.lo!);
        const c = up ? l.lo! : l.hi!;
        const s = up ? 1 : -1;
        const pre = emit(affine(l.node, t[0], new Float64Array(n).fill(s), new Float64Array(n).fill(-s * c)));
        const r = emit({ kind: "relu", node: l.node, inputs: [pre], size: n });
        return emit(affine(l.node, r, new Float64Array(n).fill(s), new Float64Array(n).fill(c)));
      }
      return emit({ kind: "spline", node: l.node, inputs: t, size: inSize, fn: splineFunction(l.fn, l) });
    }
    case "gather": {
      const one = Float64Array.of(1);
      const rows = Array.from(l.src, (s) => (s < 0 ? { idx: new Int32Array(0), pidx: new Int32Array(0), bidx: 0 } : { idx: Int32Array.of(s), pidx: Int32Array.of(0), bidx: 0 }));
      return emit(linear(l.node, t, sizes.reduce((a, b) => a + b, 0), one, new Float64Array(1), rows));
    }
    case "add2": {
      const nA = sizes[0];
      const rows = Array.from(l.ia, (ia, k) => ({ idx: Int32Array.of(ia, nA + l.ib[k]), pidx: Int32Array.of(0, 1), bidx: 0 }));
      return emit(linear(l.node, t, nA + sizes[1], Float64Array.of(1, l.sign), new Float64Array(1), rows));
    }
    case "mul2":
      return emit({ kind: "mul", node: l.node, inputs: t, outSize: l.ia.length, a: l.ia, b: l.ib });
    case "reshape":
      return t[0];
  }
}

type Term = { t: number; i: number; p: number };

function termsOf(op: Extract<FloatOp, { kind: "linear" }>, sizes: Map<number, number>): { terms: Term[]; b: number }[] {
  const offs: number[] = [];
  let off = 0;
  for (const t of op.inputs) { offs.push(off); off += sizes.get(t)!; }
  return op.rows.map((r) => ({
    b: r.bidx,
    terms: Array.from(r.idx, (ix, k) => {
      let j = offs.length - 1;
      while (offs[j] > ix) j--;
      return { t: op.inputs[j], i: ix - offs[j], p: r.pidx[k] };
    }),
  }));
}

/** Composes linear P (producing tensor `pt`) into its consumer C; null when the result would be too large. */
function compose(C: Extract<FloatOp, { kind: "linear" }>, P: Extract<FloatOp, { kind: "linear" }>, pt: number, sizes: Map<number, number>): Extract<FloatOp, { kind: "linear" }> | null {
  const cRows = termsOf(C, sizes);
  const pRows = termsOf(P, sizes);
  const nnz = (rs: { terms: Term[] }[]) => rs.reduce((a, r) => a + r.terms.length, 0);
  let newNnz = 0;
  for (const r of cRows) for (const q of r.terms) newNnz += q.t === pt ? pRows[q.i].terms.length : 1;
  if (newNnz > nnz(cRows) + nnz(pRows) + 1024) return null;
  const params = new Table();
  const biases = new Table();
  const rows: { terms: Term[]; b: number }[] = cRows.map((r) => {
    const terms: Term[] = [];
    let bias = C.biasParams[r.b];
    let touched = false;
    for (const q of r.terms) {
      if (q.t !== pt) { terms.push({ t: q.t, i: q.i, p: params.of(`c${q.p}`, C.params[q.p]) }); continue; }
      const pr = pRows[q.i];
      const pb = P.biasParams[pr.b];
      if (pb !== 0) { bias += C.params[q.p] * pb; touched = true; }
      for (const u of pr.terms) terms.push({ t: u.t, i: u.i, p: params.of(`c${q.p}:${u.p}`, C.params[q.p] * P.params[u.p]) });
    }
    return { terms, b: touched ? biases.of(`v${bias}`, bias) : biases.of(`c${r.b}`, C.biasParams[r.b]) };
  });
  if (params.values.length > C.params.length + P.params.length + 1024) return null;
  const inputs: number[] = [];
  for (const r of rows) for (const q of r.terms) if (!inputs.includes(q.t)) inputs.push(q.t);
  if (inputs.length === 0) inputs.push(...P.inputs.slice(0, 1));
  inputs.sort((x, y) => x - y);
  const offs = new Map<number, number>();
  let off = 0;
  for (const t of inputs) { offs.set(t, off); off += sizes.get(t)!; }
  return {
    ...C, inputs, inSize: off, params: params.array, biasParams: biases.array,
    rows: rows.map((r) => ({ idx: Int32Array.from(r.terms, (q) => offs.get(q.t)! + q.i), pidx: Int32Array.from(r.terms, (q) => q.p), bidx: r.b })),
  };
}

/** Lowers the IR and runs the fusions; ops come out in topological order with tensor i + 1 = ops[i]. */
export function lowerGraph(ir: GraphIR): LoweredModel {
  const inputSize = ir.inputShape.reduce((a, b) => a * b, 1);
  // Build with provisional ids (tensor id = position in `all` + 1), then fuse and renumber.
  const all: (FloatOp | null)[] = [];
  const sizes = new Map<number, number>([[0, inputSize]]);
  const byName = new Map<string, number>([[ir.inputName, 0]]);
  const emit = (op: FloatOp) => {
    all.push(op);
    const id = all.length;
    sizes.set(id, opSize(op));
    return id;
  };
  for (const l of ir.layers) {
    const t = l.inputs.map((n) => {
      const id = byName.get(n);
      if (id === undefined) throw new Error(`layer "${l.node}": unknown input tensor "${n}"`);
      return id;
    });
    byName.set(l.output, lowerLayer(l, t, t.map((i) => sizes.get(i)!), emit));
  }
  let outId = byName.get(ir.logitsName);
  if (outId === undefined) throw new Error(`output tensor "${ir.logitsName}" is not computed`);
  if (outId === 0) throw new Error("the model computes nothing: its output is its input");

  const producer = (t: number) => (t > 0 ? all[t - 1] : null);
  const usesOf = () => {
    const u = new Map<number, number>();
    for (const op of all) if (op) for (const t of op.inputs) u.set(t, (u.get(t) ?? 0) + 1);
    u.set(outId!, (u.get(outId!) ?? 0) + 1);
    return u;
  };
  const redirect = (from: number, to: number) => {
    for (const op of all) if (op) op.inputs = op.inputs.map((t) => (t === from ? to : t));
    if (outId === from) outId = to;
  };
  for (let changed = true; changed; ) {
    changed = false;
    const uses = usesOf();
    for (let k = 0; k < all.length && !changed; k++) {
      const op = all[k];
      if (!op) continue;
      if (op.kind === "linear") {
        for (const t of op.inputs) {
          const P = producer(t);
          if (!P || P.kind !== "linear" || P.relu || uses.get(t) !== 1) continue;
          const c = compose(op, P, t, sizes);
          if (!c) continue;
          all[k] = c;
          all[t - 1] = null;
          changed = true;
          break;
        }
      } else if (op.kind === "relu") {
        const t = op.inputs[0];
        const P = producer(t);
        if (P && P.kind === "linear" && !P.relu && uses.get(t) === 1) {
          P.relu = true;
          all[k] = null;
          redirect(k + 1, t);
          changed = true;
        }
      }
    }
  }
  // Dead-op removal and renumbering.
  const live = new Set<number>([outId]);
  for (let k = all.length - 1; k >= 0; k--) if (all[k] && live.has(k + 1)) for (const t of all[k]!.inputs) live.add(t);
  const renum = new Map<number, number>([[0, 0]]);
  const ops: FloatOp[] = [];
  all.forEach((op, k) => {
    if (!op || !live.has(k + 1)) return;
    ops.push({ ...op, inputs: op.inputs.map((t) => renum.get(t)!) } as FloatOp);
    renum.set(k + 1, ops.length);
  });
  if (renum.get(outId) !== ops.length) {
    // the output must be the last op: it is, since everything live is upstream of it
    throw new Error("internal: output tensor is not the last op");
  }
  return { inputSize, outputSize: opSize(ops[ops.length - 1]), ops, head: ir.head };
}

/** All tensors of one sample's float forward pass: [input, ops[0] output, ...]; `pre` = linear outputs before ReLU. */
export function floatTensors(m: LoweredModel, x: ArrayLike<number>): { tensors: Float64Array[]; pre: Float64Array[] } {
  const tensors: Float64Array[] = [Float64Array.from(x)];
  const pre: Float64Array[] = [tensors[0]];
  for (const op of m.ops) {
    const r = floatOp(op, op.inputs.map((t) => tensors[t]));
    tensors.push(r.out);
    pre.push(r.pre);
  }
  return { tensors, pre };
}

/** Float forward pass of one sample (the float reference of the circuit): the logits. */
export function floatForward(m: LoweredModel, x: ArrayLike<number>): Float64Array {
  const { tensors } = floatTensors(m, x);
  return tensors[tensors.length - 1];
}

const concat = (xs: Float64Array[]) => {
  if (xs.length === 1) return xs[0];
  const out = new Float64Array(xs.reduce((a, x) => a + x.length, 0));
  let off = 0;
  for (const x of xs) { out.set(x, off); off += x.length; }
  return out;
};

/** Applies one op to its input tensors; `pre` is the linear output before ReLU (used to calibrate ranges). */
export function floatOp(op: FloatOp, ins: Float64Array[]): { out: Float64Array; pre: Float64Array } {
  if (op.kind === "linear") {
    const a = concat(ins);
    const pre = new Float64Array(op.outSize);
    for (let o = 0; o < op.outSize; o++) {
      const { idx, pidx, bidx } = op.rows[o];
      let s = op.biasParams[bidx];
      for (let t = 0; t < idx.length; t++) s += op.params[pidx[t]] * a[idx[t]];
      pre[o] = s;
    }
    return { out: op.relu ? pre.map((v) => Math.max(0, v)) : pre, pre };
  }
  const a = ins[0];
  if (op.kind === "max") {
    const out = Float64Array.from(op.windows, (win) => Math.max(...Array.from(win, (i) => a[i])));
    return { out, pre: out };
  }
  if (op.kind === "mul") {
    const b = ins[1];
    const out = Float64Array.from(op.a, (ia, k) => a[ia] * b[op.b[k]]);
    return { out, pre: out };
  }
  if (op.kind === "spline") {
    const out = a.map((v) => op.fn.f(v));
    return { out, pre: a };
  }
  return { out: a.map((v) => Math.max(0, v)), pre: a };
}
