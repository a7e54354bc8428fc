/**
 * Reads an ONNX model (onnx-proto) into a small sequential graph IR: one float input, one output, and a chain of
 * layers. Supported operators: Gemm, MatMul, Add (of a constant), Relu, Flatten, Reshape, Conv, AveragePool,
 * MaxPool. Anything else is rejected with an error naming the operator and the node.
 */
import { onnx } from "onnx-proto";

/** Per-sample tensor shape (the leading batch dimension removed). */
export type Shape = number[];

export type Layer =
  | { kind: "dense"; node: string; inSize: number; outSize: number; W: Float64Array /* out x in */; b: Float64Array }
  | { kind: "conv"; node: string; inShape: Shape; outShape: Shape; W: Float64Array /* cout,cin,kh,kw */; b: Float64Array; kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number] }
  | { kind: "avgpool" | "maxpool"; node: string; inShape: Shape; outShape: Shape; kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number]; countIncludePad: boolean }
  | { kind: "add"; node: string; b: Float64Array /* broadcast to the activation, per-sample */ }
  | { kind: "relu"; node: string }
  | { kind: "reshape"; node: string; outShape: Shape };

export interface GraphIR {
  inputName: string;
  outputName: string;
  inputShape: Shape;
  outputShape: Shape;
  layers: Layer[];
}

export const SUPPORTED_OPS = ["Gemm", "MatMul", "Add", "Relu", "Flatten", "Reshape", "Conv", "AveragePool", "MaxPool"];

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
const num = (v: unknown): number => (typeof v === "number" ? v : Number((v as { toString(): string }).toString()));

interface Tensor {
  dims: number[];
  data: Float64Array;
}

function tensorOf(t: onnx.ITensorProto): Tensor {
  const dims = (t.dims ?? []).map(num);
  const n = size(dims);
  const T = onnx.TensorProto.DataType;
  let data: Float64Array;
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  if (t.dataType === T.FLOAT) {
    if (raw) {
      const copy = new Uint8Array(raw);
      data = Float64Array.from(new Float32Array(copy.buffer, 0, copy.length / 4));
    } else data = Float64Array.from(t.floatData ?? []);
  } else if (t.dataType === T.INT64) {
    if (raw) {
      const copy = new Uint8Array(raw);
      data = Float64Array.from(new BigInt64Array(copy.buffer, 0, copy.length / 8), (x) => Number(x));
    } else data = Float64Array.from((t.int64Data ?? []).map(num));
  } else if (t.dataType === T.DOUBLE) {
    if (raw) data = new Float64Array(new Uint8Array(raw).buffer);
    else data = Float64Array.from(t.doubleData ?? []);
  } else {
    throw new Error(`ONNX initializer "${t.name}": unsupported data type ${t.dataType}`);
  }
  if (data.length !== n) throw new Error(`ONNX initializer "${t.name}": ${data.length} values for dims [${dims}]`);
  return { dims, data };
}

function attrs(node: onnx.INodeProto): Record<string, number | number[] | string> {
  const out: Record<string, number | number[] | string> = {};
  const T = onnx.AttributeProto.AttributeType;
  for (const a of node.attribute ?? []) {
    const name = a.name ?? "";
    if (a.type === T.INT) out[name] = num(a.i);
    else if (a.type === T.FLOAT) out[name] = a.f ?? 0;
    else if (a.type === T.INTS) out[name] = (a.ints ?? []).map(num);
    else if (a.type === T.FLOATS) out[name] = (a.floats ?? []).slice();
    else if (a.type === T.STRING) out[name] = new TextDecoder().decode(a.s ?? new Uint8Array());
  }
  return out;
}

function decode(bytes: Uint8Array): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`malformed ONNX file: ${(e as Error).message}`);
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw new Error("malformed ONNX file: no graph or no nodes");
  }
  return model;
}

function shapeOf(v: onnx.IValueInfoProto): (number | null)[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue) > 0 ? num(d.dimValue) : null));
}

function pair(v: number | number[] | string | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (!Array.isArray(v) || v.length !== 2) throw new Error(`expected a 2-element attribute, got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

function pads4(v: number | number[] | string | undefined): [number, number, number, number] {
  if (v === undefined) return [0, 0, 0, 0];
  if (!Array.isArray(v) || v.length !== 4) throw new Error(`expected 4 pads, got ${JSON.stringify(v)}`);
  return [v[0], v[1], v[2], v[3]];
}

/** Parses ONNX bytes into the graph IR. Throws on malformed files and unsupported operators or topologies. */
export function readOnnx(bytes: Uint8Array): GraphIR {
  const model = decode(bytes);
  const g = model.graph!;
  const inits = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) inits.set(t.name ?? "", tensorOf(t));
  const inputs = (g.input ?? []).filter((i) => !inits.has(i.name ?? ""));
  if (inputs.length !== 1) throw new Error(`ONNX graph must have exactly one non-constant input, found ${inputs.length}`);
  if ((g.output ?? []).length !== 1) throw new Error(`ONNX graph must have exactly one output, found ${(g.output ?? []).length}`);
  const inDims = shapeOf(inputs[0]);
  if (inDims.length < 2 || inDims.slice(1).some((d) => d === null)) {
    throw new Error(`ONNX input "${inputs[0].name}" needs shape [N, ...] with fixed per-sample dims, got [${inDims}]`);
  }
  const inputShape = inDims.slice(1) as number[];
  let current = inputs[0].name ?? "";
  let shape: Shape = inputShape;
  const layers: Layer[] = [];

  for (const [k, node] of (g.node ?? []).entries()) {
    const op = node.opType ?? "";
    const name = node.name || `${op}_${k}`;
    const where = `operator ${op} (node "${name}")`;
    if (!SUPPORTED_OPS.includes(op)) {
      throw new Error(`unsupported ONNX ${where}; supported: ${SUPPORTED_OPS.join(", ")}`);
    }
    const ins = node.input ?? [];
    if (ins[0] !== current && !(op === "Add" && ins[1] === current)) {
      throw new Error(`${where}: only sequential graphs are supported; its input "${ins[0]}" is not the running activation "${current}"`);
    }
    const a = attrs(node);
    const constant = (i: number): Tensor => {
      const t = inits.get(ins[i]);
      if (!t) throw new Error(`${where}: input "${ins[i]}" must be a constant initializer`);
      return t;
    };
    try {
      if (op === "Gemm" || op === "MatMul") {
        if (shape.length !== 1) throw new Error(`expects a flat [N, features] activation, got per-sample shape [${shape}]`);
        if (op === "Gemm" && (a.transA ?? 0) !== 0) throw new Error("transA=1 is not supported");
        const W = constant(1);
        if (W.dims.length !== 2) throw new Error(`weight must be 2-D, got [${W.dims}]`);
        const transB = op === "Gemm" && (a.transB ?? 0) === 1;
        const [outSize, inSize] = transB ? W.dims : [W.dims[1], W.dims[0]];
        if (inSize !== shape[0]) throw new Error(`weight [${W.dims}] does not fit input size ${shape[0]}`);
        const alpha = op === "Gemm" ? ((a.alpha as number) ?? 1) : 1;
        const beta = op === "Gemm" ? ((a.beta as number) ?? 1) : 1;
        const Wm = new Float64Array(outSize * inSize);
        for (let o = 0; o < outSize; o++)
          for (let i = 0; i < inSize; i++) Wm[o * inSize + i] = alpha * (transB ? W.data[o * inSize + i] : W.data[i * outSize + o]);
        const b = new Float64Array(outSize);
        if (op === "Gemm" && ins[2]) {
          const C = constant(2);
          if (C.data.length !== outSize && C.data.length !== 1) throw new Error(`bias has ${C.data.length} values, expected ${outSize}`);
          for (let o = 0; o < outSize; o++) b[o] = beta * C.data[C.data.length === 1 ? 0 : o];
        }
        layers.push({ kind: "dense", node: name, inSize, outSize, W: Wm, b });
        shape = [outSize];
      } else if (op === "Add") {
        const c = constant(ins[0] === current ? 1 : 0);
        const n = size(shape);
        const b = new Float64Array(n);
        if (c.data.length === n) b.set(c.data);
        else if (c.data.length === 1) b.fill(c.data[0]);
        else if (shape.length === 3 && c.data.length === shape[0]) {
          const hw = shape[1] * shape[2];
          for (let i = 0; i < n; i++) b[i] = c.data[Math.floor(i / hw)];
        } else throw new Error(`cannot broadcast a constant of ${c.data.length} values to shape [${shape}]`);
        const last = layers[layers.length - 1];
        if (last && last.kind === "dense") for (let i = 0; i < n; i++) last.b[i] += b[i];
        else layers.push({ kind: "add", node: name, b });
      } else if (op === "Relu") {
        layers.push({ kind: "relu", node: name });
      } else if (op === "Flatten") {
        if ((a.axis ?? 1) !== 1) throw new Error("only axis=1 is supported");
        shape = [size(shape)];
        layers.push({ kind: "reshape", node: name, outShape: shape });
      } else if (op === "Reshape") {
        const target = Array.from(constant(1).data);
        if (target[0] !== -1 && target[0] !== 0 && target[0] !== 1) throw new Error(`first dimension must be the batch (-1, 0 or 1), got ${target[0]}`);
        const rest = target.slice(1);
        const known = rest.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
        const out = rest.map((d) => (d === -1 ? size(shape) / known : d));
        if (size(out) !== size(shape)) throw new Error(`cannot reshape [${shape}] to [${out}]`);
        shape = out;
        layers.push({ kind: "reshape", node: name, outShape: shape });
      } else if (op === "Conv") {
        if (shape.length !== 3) throw new Error(`expects [N, C, H, W] input, got per-sample shape [${shape}]`);
        if ((a.group ?? 1) !== 1) throw new Error("only group=1 is supported");
        const dil = pair(a.dilations, 1);
        if (dil[0] !== 1 || dil[1] !== 1) throw new Error("only dilations 1 are supported");
        if (a.auto_pad !== undefined && a.auto_pad !== "NOTSET") throw new Error("auto_pad is not supported; give explicit pads");
        const W = constant(1);
        if (W.dims.length !== 4 || W.dims[1] !== shape[0]) throw new Error(`weight [${W.dims}] does not fit input [${shape}]`);
        const kernel: [number, number] = [W.dims[2], W.dims[3]];
        const strides = pair(a.strides, 1);
        const pads = pads4(a.pads);
        const oh = Math.floor((shape[1] + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1;
        const ow = Math.floor((shape[2] + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
        const b = new Float64Array(W.dims[0]);
        if (ins[2]) b.set(constant(2).data);
        const outShape = [W.dims[0], oh, ow];
        layers.push({ kind: "conv", node: name, inShape: shape, outShape, W: W.data, b, kernel, strides, pads });
        shape = outShape;
      } else {
        // AveragePool / MaxPool
        if (shape.length !== 3) throw new Error(`expects [N, C, H, W] input, got per-sample shape [${shape}]`);
        if (a.auto_pad !== undefined && a.auto_pad !== "NOTSET") throw new Error("auto_pad is not supported; give explicit pads");
        if ((a.ceil_mode ?? 0) !== 0) throw new Error("ceil_mode=1 is not supported");
        const kernel = pair(a.kernel_shape, 1);
        const strides = pair(a.strides, 1);
        const pads = pads4(a.pads);
        const oh = Math.floor((shape[1] + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1;
        const ow = Math.floor((shape[2] + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
        const outShape = [shape[0], oh, ow];
        const kind = op === "MaxPool" ? "maxpool" : "avgpool";
        layers.push({ kind, node: name, inShape: shape, outShape, kernel, strides, pads, countIncludePad: (a.count_include_pad ?? 0) === 1 });
        shape = outShape;
      }
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith(where) ? msg : `${where}: ${msg}`);
    }
    current = (node.output ?? [])[0];
  }
  const outName = g.output![0].name ?? "";
  if (current !== outName) throw new Error(`ONNX graph output "${outName}" is not the end of the layer chain ("${current}")`);
  return { inputName: inputs[0].name ?? "", outputName: outName, inputShape, outputShape: shape, layers };
}
