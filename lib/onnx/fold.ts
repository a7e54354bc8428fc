/**
 * Constant folding at load: ONNX tensors as float64 arrays, and the shape-only operators that PyTorch's exporter
 * wraps around reshapes and pads (Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Reshape, Transpose, Cast,
 * ConstantOfShape, Constant, arithmetic on constants) evaluated on constant inputs. The batch dimension of a
 * `Shape` result is the marker BATCH, which Reshape and ConstantOfShape understand as "the batch".
 */
import { onnx } from "onnx-proto";

export interface Tensor {
  dims: number[];
  data: Float64Array;
}

/** Stands for the (dynamic) batch size inside folded shape computations. */
export const BATCH = -0x7ab5;

export const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
export const num = (v: unknown): number => (typeof v === "number" ? v : Number((v as { toString(): string }).toString()));

export function tensorOf(t: onnx.ITensorProto): Tensor {
  const dims = (t.dims ?? []).map(num);
  const n = size(dims);
  const T = onnx.TensorProto.DataType;
  const raw = t.rawData && t.rawData.length ? new Uint8Array(t.rawData) : null;
  let data: Float64Array;
  if (t.dataType === T.FLOAT) data = raw ? Float64Array.from(new Float32Array(raw.buffer, 0, raw.length / 4)) : Float64Array.from(t.floatData ?? []);
  else if (t.dataType === T.INT64) data = raw ? Float64Array.from(new BigInt64Array(raw.buffer, 0, raw.length / 8), (x) => Number(x)) : Float64Array.from((t.int64Data ?? []).map(num));
  else if (t.dataType === T.INT32) data = raw ? Float64Array.from(new Int32Array(raw.buffer, 0, raw.length / 4)) : Float64Array.from(t.int32Data ?? []);
  else if (t.dataType === T.DOUBLE) data = raw ? new Float64Array(raw.buffer) : Float64Array.from(t.doubleData ?? []);
  else if (t.dataType === T.BOOL) data = raw ? Float64Array.from(raw) : Float64Array.from(t.int32Data ?? []);
  else throw new Error(`ONNX tensor "${t.name}": unsupported data type ${t.dataType}`);
  if (data.length !== n) throw new Error(`ONNX tensor "${t.name}": ${data.length} values for dims [${dims}]`);
  return { dims, data };
}

export type Attr = number | number[] | string | Tensor;

export function attrs(node: onnx.INodeProto): Record<string, Attr> {
  const out: Record<string, Attr> = {};
  const T = onnx.AttributeProto.AttributeType;
  for (const a of node.attribute ?? []) {
    const name = a.name ?? "";
    if (a.type === T.INT) out[name] = num(a.i);
    else if (a.type === T.FLOAT) out[name] = a.f ?? 0;
    else if (a.type === T.INTS) out[name] = (a.ints ?? []).map(num);
    else if (a.type === T.FLOATS) out[name] = (a.floats ?? []).slice();
    else if (a.type === T.STRING) out[name] = new TextDecoder().decode(a.s ?? new Uint8Array());
    else if (a.type === T.TENSOR && a.t) out[name] = tensorOf(a.t);
  }
  return out;
}

const strides = (dims: number[]) => {
  const s = new Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
};

/** For every element of `to`, the flat index of the element of `from` it reads under numpy broadcasting. */
export function broadcastIndex(from: number[], to: number[]): Int32Array {
  if (from.length > to.length) throw new Error(`cannot broadcast [${from}] to [${to}]`);
  const f = [...new Array(to.length - from.length).fill(1), ...from];
  f.forEach((d, i) => {
    if (d !== 1 && d !== to[i]) throw new Error(`cannot broadcast [${from}] to [${to}]`);
  });
  const fs = strides(f);
  const ts = strides(to);
  const out = new Int32Array(size(to));
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let i = 0; i < to.length; i++) {
      const c = Math.floor(k / ts[i]) % to[i];
      if (f[i] !== 1) src += c * fs[i];
    }
    out[k] = src;
  }
  return out;
}

/** numpy broadcast shape of two shapes. */
export function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const pa = [...new Array(n - a.length).fill(1), ...a];
  const pb = [...new Array(n - b.length).fill(1), ...b];
  return pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    return Math.max(d, pb[i]);
  });
}

/** Gather map of a transpose: out[k] = in[src[k]] for `perm` over `dims`. */
export function transposeIndex(dims: number[], perm: number[]): { dims: number[]; src: Int32Array } {
  const od = perm.map((p) => dims[p]);
  const is = strides(dims);
  const os = strides(od);
  const src = new Int32Array(size(dims));
  for (let k = 0; k < src.length; k++) {
    let s = 0;
    for (let i = 0; i < od.length; i++) s += (Math.floor(k / os[i]) % od[i]) * is[perm[i]];
    src[k] = s;
  }
  return { dims: od, src };
}

/** Gather map of a constant pad (-1 = the pad value) or crop: pads = [begin..., end...] over `dims`. */
export function padIndex(dims: number[], pads: number[]): { dims: number[]; src: Int32Array } {
  const r = dims.length;
  const od = dims.map((d, i) => d + pads[i] + pads[i + r]);
  if (od.some((d) => d <= 0)) throw new Error(`pads [${pads}] leave nothing of [${dims}]`);
  const is = strides(dims);
  const os = strides(od);
  const src = new Int32Array(size(od));
  for (let k = 0; k < src.length; k++) {
    let s = 0;
    for (let i = 0; i < r; i++) {
      const c = (Math.floor(k / os[i]) % od[i]) - pads[i];
      if (c < 0 || c >= dims[i]) { s = -1; break; }
      s += c * is[i];
    }
    src[k] = s;
  }
  return { dims: od, src };
}

/** Gather map of a concat of tensors with shapes `shapes` along `axis`: index into their concatenation. */
export function concatIndex(shapes: number[][], axis: number): { dims: number[]; src: Int32Array } {
  const od = shapes[0].slice();
  od[axis] = shapes.reduce((a, s) => a + s[axis], 0);
  const outer = size(od.slice(0, axis));
  const src: number[] = [];
  const offsets: number[] = [];
  let off = 0;
  for (const s of shapes) { offsets.push(off); off += size(s); }
  for (let o = 0; o < outer; o++)
    shapes.forEach((s, j) => {
      const block = size(s.slice(axis));
      for (let i = 0; i < block; i++) src.push(offsets[j] + o * block + i);
    });
  return { dims: od, src: Int32Array.from(src) };
}

const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

const elementwise = (op: string): ((x: number, y: number) => number) | null =>
  ({ Add: (x: number, y: number) => x + y, Sub: (x: number, y: number) => x - y, Mul: (x: number, y: number) => x * y, Div: (x: number, y: number) => x / y, Pow: (x: number, y: number) => x ** y, Equal: (x: number, y: number) => Number(x === y) } as Record<string, (x: number, y: number) => number>)[op] ?? null;

/** Operators evaluated when all their inputs are constant. */
export const FOLDABLE = new Set(["Identity", "Cast", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Reshape", "Transpose", "ConstantOfShape", "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Neg", "Sqrt", "Floor", "Ceil", "Range", "Where", "Expand"]);

const ints = (t: Tensor | undefined) => (t ? Array.from(t.data) : undefined);

/** Evaluates `op` on constant inputs (undefined = absent optional input). */
export function foldConstant(op: string, ins: (Tensor | undefined)[], a: Record<string, Attr>, opset: number): Tensor {
  const x = ins[0] as Tensor;
  const bin = elementwise(op);
  if (bin) {
    const y = ins[1] as Tensor;
    const dims = broadcastShape(x.dims, y.dims);
    const ix = broadcastIndex(x.dims, dims);
    const iy = broadcastIndex(y.dims, dims);
    return { dims, data: Float64Array.from(ix, (v, k) => bin(x.data[v], y.data[iy[k]])) };
  }
  switch (op) {
    case "Identity":
    case "Cast":
      return { dims: x.dims.slice(), data: Float64Array.from(x.data, op === "Cast" && [6, 7, 9].includes(a.to as number) ? Math.trunc : (v) => v) };
    case "Neg": return { dims: x.dims, data: x.data.map((v) => -v) };
    case "Sqrt": return { dims: x.dims, data: x.data.map(Math.sqrt) };
    case "Floor": return { dims: x.dims, data: x.data.map(Math.floor) };
    case "Ceil": return { dims: x.dims, data: x.data.map(Math.ceil) };
    case "Shape": return { dims: [x.dims.length], data: Float64Array.from(x.dims) };
    case "ConstantOfShape": {
      const dims = Array.from(x.data);
      const v = a.value ? (a.value as Tensor).data[0] : 0;
      if (dims.includes(BATCH)) throw new Error("a batch-shaped constant is handled by the reader");
      return { dims, data: new Float64Array(size(dims)).fill(v) };
    }
    case "Gather": {
      const axis = normAxis((a.axis as number) ?? 0, x.dims.length);
      const idx = ins[1] as Tensor;
      const outer = size(x.dims.slice(0, axis));
      const inner = size(x.dims.slice(axis + 1));
      const n = x.dims[axis];
      const data: number[] = [];
      for (let o = 0; o < outer; o++)
        for (const i of idx.data) {
          const ii = i < 0 ? i + n : i;
          for (let k = 0; k < inner; k++) data.push(x.data[(o * n + ii) * inner + k]);
        }
      return { dims: [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)], data: Float64Array.from(data) };
    }
    case "Unsqueeze": {
      const axes = (opset >= 13 ? ints(ins[1]) : (a.axes as number[])) ?? [];
      const r = x.dims.length + axes.length;
      const ax = axes.map((v) => normAxis(v, r)).sort((p, q) => p - q);
      const dims = x.dims.slice();
      for (const v of ax) dims.splice(v, 0, 1);
      return { dims, data: x.data };
    }
    case "Squeeze": {
      const axes = (opset >= 13 ? ints(ins[1]) : (a.axes as number[] | undefined))?.map((v) => normAxis(v, x.dims.length));
      return { dims: x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)), data: x.data };
    }
    case "Concat": {
      const ts = ins as Tensor[];
      const axis = normAxis(a.axis as number, x.dims.length);
      const { dims, src } = concatIndex(ts.map((t) => t.dims), axis);
      const all = new Float64Array(ts.reduce((s, t) => s + t.data.length, 0));
      let off = 0;
      for (const t of ts) { all.set(t.data, off); off += t.data.length; }
      return { dims, data: Float64Array.from(src, (i) => all[i]) };
    }
    case "Reshape": {
      const target = Array.from((ins[1] as Tensor).data);
      const out = target.map((d, i) => (d === 0 ? x.dims[i] : d));
      const known = out.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
      const dims = out.map((d) => (d === -1 ? x.data.length / known : d));
      if (size(dims) !== x.data.length) throw new Error(`cannot reshape [${x.dims}] to [${target}]`);
      return { dims, data: x.data };
    }
    case "Transpose": {
      const perm = (a.perm as number[]) ?? x.dims.map((_, i) => x.dims.length - 1 - i);
      const { dims, src } = transposeIndex(x.dims, perm);
      return { dims, data: Float64Array.from(src, (i) => x.data[i]) };
    }
    case "Slice": {
      const r = x.dims.length;
      const starts = opset >= 10 ? ints(ins[1])! : (a.starts as number[]);
      const ends = opset >= 10 ? ints(ins[2])! : (a.ends as number[]);
      const axes = (opset >= 10 ? ints(ins[3]) : (a.axes as number[] | undefined)) ?? starts.map((_, i) => i);
      const steps = (opset >= 10 ? ints(ins[4]) : undefined) ?? starts.map(() => 1);
      const sel = x.dims.map((d) => Array.from({ length: d }, (_, i) => i));
      axes.forEach((axRaw, j) => {
        const ax = normAxis(axRaw, r);
        const d = x.dims[ax];
        const st = steps[j];
        const clampS = (v: number) => (v < 0 ? Math.max(v + d, st > 0 ? 0 : -1) : Math.min(v, st > 0 ? d : d - 1));
        const s0 = clampS(starts[j]);
        const e0 = clampS(ends[j]);
        const picked: number[] = [];
        for (let i = s0; st > 0 ? i < e0 : i > e0; i += st) picked.push(i);
        sel[ax] = picked;
      });
      const dims = sel.map((s) => s.length);
      const xs = strides(x.dims);
      const os = strides(dims);
      const data = new Float64Array(size(dims));
      for (let k = 0; k < data.length; k++) {
        let s = 0;
        for (let i = 0; i < r; i++) s += sel[i][Math.floor(k / os[i]) % dims[i]] * xs[i];
        data[k] = x.data[s];
      }
      return { dims, data };
    }
    case "Range": {
      const [s, l, d] = ins.map((t) => (t as Tensor).data[0]);
      const n = Math.max(Math.ceil((l - s) / d), 0);
      return { dims: [n], data: Float64Array.from({ length: n }, (_, i) => s + i * d) };
    }
    case "Where": {
      const [c, p, q] = ins as Tensor[];
      const dims = broadcastShape(broadcastShape(c.dims, p.dims), q.dims);
      const [ic, ip, iq] = [c, p, q].map((t) => broadcastIndex(t.dims, dims));
      return { dims, data: Float64Array.from(ic, (v, k) => (c.data[v] ? p.data[ip[k]] : q.data[iq[k]])) };
    }
    case "Expand": {
      const dims = broadcastShape(x.dims, Array.from((ins[1] as Tensor).data));
      const ix = broadcastIndex(x.dims, dims);
      return { dims, data: Float64Array.from(ix, (v) => x.data[v]) };
    }
  }
  throw new Error(`cannot fold ${op} on constants`);
}
