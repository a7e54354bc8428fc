/**
 * Reads an ONNX model (onnx-proto) into a graph IR: one float input, one output, and a DAG of layers over named
 * per-sample tensors (the batch dimension removed). Constant and shape-only subgraphs (Constant, Shape, Gather,
 * Unsqueeze, Squeeze, Concat, Slice, Cast, ConstantOfShape, ...) are folded at load; Identity, Dropout (inference)
 * and Cast of activations vanish. A final Softmax / LogSoftmax / ArgMax becomes the model's `head` (not proved:
 * the committed outputs are the logits before it). Anything else is refused with one line naming the operator,
 * the node and the PyTorch construct (lib/onnx/unsupported.ts).
 */
import { onnx } from "onnx-proto";
import { attrs, BATCH, broadcastIndex, broadcastShape, concatIndex, FOLDABLE, foldConstant, num, padIndex, size, tensorOf, transposeIndex, type Attr, type Tensor } from "./fold";
import { decomposedLayerNormHint, unsupportedOperator } from "./unsupported";

/** Per-sample tensor shape (the leading batch dimension removed). */
export type Shape = number[];

export type ActivationFn = "sigmoid" | "tanh" | "erf" | "clip" | "hardsigmoid";
export type Head = "softmax" | "logsoftmax" | "argmax";

type Window = { kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number] };

export type LayerBody =
  | { kind: "dense"; inSize: number; outSize: number; W: Float64Array /* out x in */; b: Float64Array }
  | ({ kind: "conv"; inShape: Shape; outShape: Shape; W: Float64Array /* cout,cin/group,kh,kw */; b: Float64Array; dilations: [number, number]; group: number } & Window)
  | ({ kind: "avgpool" | "maxpool"; inShape: Shape; outShape: Shape; countIncludePad: boolean } & Window)
  /** Per-element y = scale * x + bias (constant Add/Sub/Mul/Div, BatchNormalization). */
  | { kind: "affine"; scale: Float64Array; bias: Float64Array }
  | { kind: "relu" }
  /** y = x for x >= 0, alpha * x otherwise (LeakyRelu, PRelu; alpha per element). */
  | { kind: "leaky"; alpha: Float64Array }
  /** Elementwise clamped function: clip(x, lo, hi); hardsigmoid = clip(alpha x + beta, 0, 1). */
  | { kind: "act"; fn: ActivationFn; lo?: number; hi?: number; alpha?: number; beta?: number }
  /** out[k] = concat(inputs)[src[k]], 0 where src[k] = -1 (Concat, Pad, Transpose of activations). */
  | { kind: "gather"; src: Int32Array }
  /** out[k] = A[ia[k]] + sign * B[ib[k]] (Add / Sub of two activations, broadcast). */
  | { kind: "add2"; sign: 1 | -1; ia: Int32Array; ib: Int32Array }
  /** out[k] = A[ia[k]] * B[ib[k]] (Mul of two activations, broadcast). */
  | { kind: "mul2"; ia: Int32Array; ib: Int32Array }
  | { kind: "reshape"; outShape: Shape };

export type Layer = LayerBody & { node: string; inputs: string[]; output: string; outShape?: Shape };

export interface GraphIR {
  inputName: string;
  outputName: string;
  inputShape: Shape;
  outputShape: Shape;
  /** Topologically ordered; `inputs` / `output` are tensor names (the model input is `inputName`). */
  layers: Layer[];
  /** The ONNX output passes through this op after `outputName`'s layer; not part of the circuit. */
  head?: Head;
  /** Name of the tensor that the circuit outputs (the logits, before the head). */
  logitsName: string;
}

export const SUPPORTED_OPS = [
  "Gemm", "MatMul", "Conv", "AveragePool", "MaxPool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Add", "Sub", "Mul", "Div",
  "Relu", "LeakyRelu", "PRelu", "Clip", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "Erf", "Concat", "Pad", "Transpose", "Flatten", "Reshape",
  "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast", "Constant", "Shape", "Gather", "ConstantOfShape", "Slice", "Softmax", "LogSoftmax", "ArgMax",
];

type Val = { k: "const"; t: Tensor } | { k: "act"; shape: Shape; batchT?: boolean } | { k: "pconst"; t: Tensor /* per-sample */ };

function decode(bytes: Uint8Array): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`malformed ONNX file: ${(e as Error).message}`);
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) throw new Error("malformed ONNX file: no graph or no nodes");
  return model;
}

function shapeOf(v: onnx.IValueInfoProto): (number | null)[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue) > 0 ? num(d.dimValue) : null));
}

function pair(v: Attr | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (!Array.isArray(v) || v.length !== 2) throw new Error(`expected a 2-element attribute, got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

function pads4(v: Attr | undefined): [number, number, number, number] {
  if (v === undefined) return [0, 0, 0, 0];
  if (!Array.isArray(v) || v.length !== 4) throw new Error(`expected 4 pads, got ${JSON.stringify(v)}`);
  return [v[0], v[1], v[2], v[3]];
}

/** Pads of SAME_UPPER / SAME_LOWER / VALID auto_pad (or the explicit ones). */
function windowPads(a: Record<string, Attr>, inHW: number[], kernel: number[], strides: number[], dil: number[]): [number, number, number, number] {
  const ap = (a.auto_pad as string | undefined) ?? "NOTSET";
  if (ap === "NOTSET") return pads4(a.pads);
  if (ap === "VALID") return [0, 0, 0, 0];
  const p = [0, 0, 0, 0] as [number, number, number, number];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(inHW[i] / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - inHW[i]);
    const small = Math.floor(total / 2);
    p[i] = ap === "SAME_UPPER" ? small : total - small;
    p[i + 2] = total - p[i];
  }
  return p;
}

const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** Parses ONNX bytes into the graph IR. Throws one line on malformed files and unsupported operators. */
export function readOnnx(bytes: Uint8Array): GraphIR {
  const model = decode(bytes);
  const g = model.graph!;
  const opset = num((model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx")?.version ?? 13);
  const vals = new Map<string, Val>();
  for (const t of g.initializer ?? []) vals.set(t.name ?? "", { k: "const", t: tensorOf(t) });
  const inputs = (g.input ?? []).filter((i) => !vals.has(i.name ?? ""));
  if (inputs.length !== 1) throw new Error(`ONNX graph must have exactly one non-constant input, found ${inputs.length}`);
  if ((g.output ?? []).length !== 1) throw new Error(`ONNX graph must have exactly one output, found ${(g.output ?? []).length}`);
  const inDims = shapeOf(inputs[0]);
  if (inDims.length < 2 || inDims.slice(1).some((d) => d === null)) {
    throw new Error(`ONNX input "${inputs[0].name}" needs shape [N, ...] with fixed per-sample dims, got [${inDims}]`);
  }
  const inputName = inputs[0].name ?? "";
  const inputShape = inDims.slice(1) as number[];
  vals.set(inputName, { k: "act", shape: inputShape });
  const outName = g.output![0].name ?? "";
  const uses = new Map<string, number>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);

  const layers: Layer[] = [];
  const alias = new Map<string, string>(); // activation names that are another activation (Identity, Dropout, Cast)
  const real = (n: string) => alias.get(n) ?? n;
  let head: Head | undefined;
  let logitsName = "";

  for (const [k, node] of (g.node ?? []).entries()) {
    const op = node.opType ?? "";
    const name = node.name || `${op}_${k}`;
    const where = `operator ${op} (node "${name}")`;
    const ins = node.input ?? [];
    const out = (node.output ?? [])[0];
    const a = attrs(node);
    const val = (i: number): Val | undefined => (ins[i] ? vals.get(ins[i]) : undefined);
    try {
      if (head && op !== "ArgMax") throw new Error(`only ArgMax may follow the ${head} output head`);
      if (op === "Constant") {
        const t = (a.value as Tensor) ?? (a.value_float !== undefined ? { dims: [], data: Float64Array.of(a.value_float as number) } : undefined) ??
          (a.value_floats ? { dims: [(a.value_floats as number[]).length], data: Float64Array.from(a.value_floats as number[]) } : undefined) ??
          (a.value_int !== undefined ? { dims: [], data: Float64Array.of(a.value_int as number) } : undefined) ??
          (a.value_ints ? { dims: [(a.value_ints as number[]).length], data: Float64Array.from(a.value_ints as number[]) } : undefined);
        if (!t) throw new Error("unsupported Constant attribute");
        vals.set(out, { k: "const", t });
        continue;
      }
      const present = ins.map((n, i) => (n ? val(i) : undefined));
      for (const [i, n] of ins.entries()) if (n && !present[i]) throw new Error(`input "${n}" is not produced by an earlier node`);
      const acts = present.filter((v) => v && v.k === "act") as Extract<Val, { k: "act" }>[];
      if (op === "Shape" && present[0]?.k === "act") {
        vals.set(out, { k: "const", t: { dims: [1 + present[0].shape.length], data: Float64Array.from([BATCH, ...present[0].shape]) } });
        continue;
      }
      if (op === "ConstantOfShape" && present[0]?.k === "const" && present[0].t.data[0] === BATCH) {
        const dims = Array.from(present[0].t.data.slice(1));
        const v = a.value ? (a.value as Tensor).data[0] : 0;
        vals.set(out, { k: "pconst", t: { dims, data: new Float64Array(size(dims)).fill(v) } });
        continue;
      }
      if (acts.length === 0 && present.every((v) => !v || v.k === "const")) {
        if (!FOLDABLE.has(op) && op !== "Dropout") throw unsupportedOperator(op, name, "on constants only, it cannot be folded at load");
        const t = op === "Dropout" ? (present[0] as { t: Tensor }).t : foldConstant(op, present.map((v) => (v as { t: Tensor } | undefined)?.t), a, opset);
        vals.set(out, { k: "const", t });
        continue;
      }
      const x = present[0];
      const constant = (i: number): Tensor => {
        const v = present[i];
        if (!v || v.k === "act") throw new Error(`input "${ins[i]}" must be a constant`);
        return v.t;
      };
      const inShape = x && x.k === "act" ? x.shape : [];
      const push = (body: LayerBody, shape: Shape, inputNames = [real(ins[0])]) => {
        layers.push({ ...body, node: name, inputs: inputNames, output: out, outShape: shape } as Layer);
        vals.set(out, { k: "act", shape });
      };
      const same = () => {
        alias.set(out, real(ins[0]));
        vals.set(out, x!);
      };
      if (x?.k !== "act" && !["Add", "Mul", "Sub", "Concat"].includes(op)) throw new Error(`its first input "${ins[0]}" must be an activation`);

      switch (op) {
        case "Identity":
          same();
          break;
        case "Dropout": {
          if ((node.output ?? [])[1] && uses.has((node.output ?? [])[1])) throw new Error("the dropout mask is used; only inference Dropout is supported");
          if (present[2]?.k === "const" && present[2].t.data[0]) throw new Error("training_mode=true; export the model in eval mode");
          same();
          break;
        }
        case "Cast":
          if (![1, 10, 11].includes(a.to as number)) throw new Error(`Cast of an activation to type ${a.to} is not supported`);
          same();
          break;
        case "Gemm":
        case "MatMul": {
          const xa = x as Extract<Val, { k: "act" }>;
          const transA = op === "Gemm" ? ((a.transA as number) ?? 0) : 0;
          if ((transA === 1) !== !!xa.batchT) throw new Error(xa.batchT ? "a batch-transposed activation must feed Gemm with transA=1" : "transA=1 on an activation transposes the batch axis; only Transpose(x) -> Gemm(transA=1) is supported");
          if (inShape.length !== 1) throw new Error(`expects a flat [N, features] activation, got per-sample shape [${inShape}]`);
          const W = constant(1);
          const transB = op === "Gemm" && ((a.transB as number) ?? 0) === 1;
          if (W.dims.length === 1 && op === "MatMul") W.dims = [W.dims[0], 1];
          if (W.dims.length !== 2) throw new Error(`weight must be 2-D, got [${W.dims}]`);
          const [outSize, inSize] = transB ? W.dims : [W.dims[1], W.dims[0]];
          if (inSize !== inShape[0]) throw new Error(`weight [${W.dims}] does not fit input size ${inShape[0]}`);
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
          push({ kind: "dense", inSize, outSize, W: Wm, b }, [outSize]);
          break;
        }
        case "Conv": {
          if (inShape.length !== 3) throw new Error(`expects [N, C, H, W] input, got per-sample shape [${inShape}]`);
          const group = (a.group as number) ?? 1;
          const dilations = pair(a.dilations, 1);
          const W = constant(1);
          if (W.dims.length !== 4 || W.dims[1] * group !== inShape[0] || W.dims[0] % group !== 0) throw new Error(`weight [${W.dims}] (group ${group}) does not fit input [${inShape}]`);
          const kernel: [number, number] = [W.dims[2], W.dims[3]];
          const strides = pair(a.strides, 1);
          const pads = windowPads(a, inShape.slice(1), kernel, strides, dilations);
          const oh = Math.floor((inShape[1] + pads[0] + pads[2] - ((kernel[0] - 1) * dilations[0] + 1)) / strides[0]) + 1;
          const ow = Math.floor((inShape[2] + pads[1] + pads[3] - ((kernel[1] - 1) * dilations[1] + 1)) / strides[1]) + 1;
          const b = new Float64Array(W.dims[0]);
          if (ins[2]) b.set(constant(2).data);
          push({ kind: "conv", inShape, outShape: [W.dims[0], oh, ow], W: W.data, b, kernel, strides, pads, dilations, group }, [W.dims[0], oh, ow]);
          break;
        }
        case "AveragePool":
        case "MaxPool":
        case "GlobalAveragePool":
        case "GlobalMaxPool": {
          if (inShape.length !== 3) throw new Error(`expects [N, C, H, W] input, got per-sample shape [${inShape}]`);
          if ((a.ceil_mode ?? 0) !== 0) throw new Error("ceil_mode=1 is not supported");
          if (op === "MaxPool" && (node.output ?? [])[1]) throw new Error("MaxPool indices output is not supported");
          const global = op.startsWith("Global");
          const kernel: [number, number] = global ? [inShape[1], inShape[2]] : pair(a.kernel_shape, 1);
          const strides = global ? kernel : pair(a.strides, 1);
          const dil = pair(a.dilations, 1);
          if (dil[0] !== 1 || dil[1] !== 1) throw new Error("pooling dilations are not supported");
          const pads = global ? ([0, 0, 0, 0] as [number, number, number, number]) : windowPads(a, inShape.slice(1), kernel, strides, dil);
          const oh = Math.floor((inShape[1] + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1;
          const ow = Math.floor((inShape[2] + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
          const kind = op.endsWith("MaxPool") ? "maxpool" : "avgpool";
          push({ kind, inShape, outShape: [inShape[0], oh, ow], kernel, strides, pads, countIncludePad: (a.count_include_pad ?? 0) === 1 }, [inShape[0], oh, ow]);
          break;
        }
        case "BatchNormalization": {
          const [s, bb, mean, v] = [1, 2, 3, 4].map(constant);
          const eps = (a.epsilon as number) ?? 1e-5;
          const C = inShape[0];
          const per = size(inShape) / C;
          const scale = new Float64Array(size(inShape));
          const bias = new Float64Array(size(inShape));
          for (let i = 0; i < scale.length; i++) {
            const c = Math.floor(i / per);
            scale[i] = s.data[c] / Math.sqrt(v.data[c] + eps);
            bias[i] = bb.data[c] - mean.data[c] * scale[i];
          }
          push({ kind: "affine", scale, bias }, inShape);
          break;
        }
        case "Add":
        case "Sub":
        case "Mul":
        case "Div": {
          const [p, q] = [present[0]!, present[1]!];
          if (p.k === "act" && q.k === "act") {
            if (op === "Div") throw new Error("division by an activation is not supported");
            const shape = broadcastShape(p.shape, q.shape);
            const ia = broadcastIndex(p.shape, shape);
            const ib = broadcastIndex(q.shape, shape);
            push(op === "Mul" ? { kind: "mul2", ia, ib } : { kind: "add2", sign: op === "Sub" ? -1 : 1, ia, ib }, shape, [real(ins[0]), real(ins[1])]);
            break;
          }
          const actFirst = p.k === "act";
          const act = (actFirst ? p : q) as Extract<Val, { k: "act" }>;
          const c = (actFirst ? q : p) as { t: Tensor };
          if (op === "Div" && !actFirst) throw new Error("division by an activation is not supported");
          const cd = c.t.dims.length > act.shape.length ? c.t.dims : c.t.dims;
          if (cd.length === act.shape.length + 1 && cd[0] !== 1) throw new Error(`constant [${cd}] varies along the batch axis`);
          const per = cd.length === act.shape.length + 1 ? cd.slice(1) : cd;
          const idx = broadcastIndex(per, act.shape);
          const cv = Float64Array.from(idx, (i) => c.t.data[i]);
          const n = size(act.shape);
          const scale = new Float64Array(n).fill(1);
          const bias = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            if (op === "Add") bias[i] = cv[i];
            else if (op === "Sub") { if (actFirst) bias[i] = -cv[i]; else { scale[i] = -1; bias[i] = cv[i]; } }
            else if (op === "Mul") scale[i] = cv[i];
            else scale[i] = 1 / cv[i];
          }
          const src = real(ins[actFirst ? 0 : 1]);
          const last = layers[layers.length - 1];
          if (op === "Add" && last && last.kind === "dense" && last.output === src && ins[actFirst ? 0 : 1] === src && uses.get(src) === 1) {
            for (let i = 0; i < n; i++) last.b[i] += bias[i];
            alias.set(out, src);
            vals.set(out, act);
          } else push({ kind: "affine", scale, bias }, act.shape, [src]);
          break;
        }
        case "Relu":
          push({ kind: "relu" }, inShape);
          break;
        case "LeakyRelu":
          push({ kind: "leaky", alpha: new Float64Array(size(inShape)).fill((a.alpha as number) ?? 0.01) }, inShape);
          break;
        case "PRelu": {
          const sl = constant(1);
          const per = sl.dims.length === inShape.length + 1 ? sl.dims.slice(1) : sl.dims;
          const idx = broadcastIndex(per.length === 1 && inShape.length > 1 && per[0] === inShape[0] ? [per[0], ...inShape.slice(1).map(() => 1)] : per, inShape);
          push({ kind: "leaky", alpha: Float64Array.from(idx, (i) => sl.data[i]) }, inShape);
          break;
        }
        case "Sigmoid":
        case "Tanh":
        case "Erf":
          push({ kind: "act", fn: op.toLowerCase() as ActivationFn }, inShape);
          break;
        case "Clip": {
          const lo = opset >= 11 ? (ins[1] ? constant(1).data[0] : -Infinity) : ((a.min as number) ?? -Infinity);
          const hi = opset >= 11 ? (ins[2] ? constant(2).data[0] : Infinity) : ((a.max as number) ?? Infinity);
          if (!(lo < hi)) throw new Error(`empty clip range [${lo}, ${hi}]`);
          push({ kind: "act", fn: "clip", lo, hi }, inShape);
          break;
        }
        case "HardSigmoid":
        case "HardSwish": {
          const alpha = op === "HardSwish" ? 1 / 6 : ((a.alpha as number) ?? 0.2);
          const beta = op === "HardSwish" ? 0.5 : ((a.beta as number) ?? 0.5);
          if (op === "HardSigmoid") push({ kind: "act", fn: "hardsigmoid", alpha, beta }, inShape);
          else {
            // HardSwish(x) = x * HardSigmoid(x): two layers, the product of two activations.
            const hs = `${out}::hardsigmoid`;
            layers.push({ kind: "act", fn: "hardsigmoid", alpha, beta, node: name, inputs: [real(ins[0])], output: hs, outShape: inShape });
            const id = Int32Array.from({ length: size(inShape) }, (_, i) => i);
            push({ kind: "mul2", ia: id, ib: id }, inShape, [real(ins[0]), hs]);
          }
          break;
        }
        case "Concat": {
          const axisRaw = a.axis as number;
          const shapes = present.map((v) => (v!.k === "act" ? (v as { shape: Shape }).shape : (v as { t: Tensor }).t.dims));
          const rank = shapes[0].length + 1;
          const axis = normAxis(axisRaw, rank);
          if (axis === 0) throw new Error("concatenation along the batch axis is not supported");
          // per-sample constants (zeros of a batch-shaped ConstantOfShape) become -1 entries
          const names: string[] = [];
          const offsets: number[] = [];
          let off = 0;
          present.forEach((v, i) => {
            if (v!.k === "act") { names.push(real(ins[i])); offsets.push(off); off += size(shapes[i]); }
            else {
              if (v!.k === "const") throw new Error(`input "${ins[i]}" is a constant; only zeros of a batch-shaped ConstantOfShape can be concatenated with activations`);
              if ((v as { t: Tensor }).t.data.some((z) => z !== 0)) throw new Error(`input "${ins[i]}" is a non-zero constant`);
              offsets.push(-1);
            }
          });
          const { dims, src } = concatIndex(shapes, axis - 1);
          // map concat-of-all indices to concat-of-activations indices
          const starts: number[] = [];
          let s0 = 0;
          for (const s of shapes) { starts.push(s0); s0 += size(s); }
          const map = Int32Array.from(src, (i) => {
            let j = starts.length - 1;
            while (starts[j] > i) j--;
            return offsets[j] < 0 ? -1 : offsets[j] + (i - starts[j]);
          });
          push({ kind: "gather", src: map }, dims, names);
          break;
        }
        case "Pad": {
          const mode = (a.mode as string) ?? "constant";
          if (mode !== "constant") throw new Error(`mode "${mode}" is not supported; only zero padding`);
          const pads = opset >= 11 ? Array.from(constant(1).data) : (a.pads as number[]);
          const value = opset >= 11 ? (ins[2] ? constant(2).data[0] : 0) : ((a.value as number) ?? 0);
          if (value !== 0) throw new Error(`pad value ${value} is not supported; only zeros`);
          const r = inShape.length + 1;
          if (pads[0] !== 0 || pads[r] !== 0) throw new Error("padding the batch axis is not supported");
          const { dims, src } = padIndex(inShape, [...pads.slice(1, r), ...pads.slice(r + 1)]);
          push({ kind: "gather", src }, dims);
          break;
        }
        case "Transpose": {
          const rank = inShape.length + 1;
          const perm = (a.perm as number[]) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
          if (rank === 2 && perm[0] === 1 && perm[1] === 0) {
            vals.set(out, { k: "act", shape: inShape, batchT: !(x as { batchT?: boolean }).batchT });
            alias.set(out, real(ins[0]));
            break;
          }
          if (perm[0] !== 0) throw new Error(`perm [${perm}] moves the batch axis; only Transpose(x) -> Gemm(transA=1) does that`);
          const { dims, src } = transposeIndex(inShape, perm.slice(1).map((p) => p - 1));
          push({ kind: "gather", src }, dims);
          break;
        }
        case "Flatten": {
          const axis = normAxis((a.axis as number) ?? 1, inShape.length + 1);
          if (axis !== 1) throw new Error("only axis=1 is supported");
          push({ kind: "reshape", outShape: [size(inShape)] }, [size(inShape)]);
          break;
        }
        case "Reshape": {
          const target = Array.from(constant(1).data);
          if (![-1, 0, 1, BATCH].includes(target[0])) throw new Error(`first dimension must be the batch (-1, 0 or 1), got ${target[0]}`);
          const rest = target.slice(1).map((d, i) => (d === 0 ? inShape[i] : d));
          if (rest.includes(BATCH)) throw new Error("the batch size appears in a non-batch dimension");
          const known = rest.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
          const shape = rest.map((d) => (d === -1 ? size(inShape) / known : d));
          if (size(shape) !== size(inShape) || !Number.isInteger(size(shape))) throw new Error(`cannot reshape [${inShape}] to [${shape}]`);
          push({ kind: "reshape", outShape: shape }, shape);
          break;
        }
        case "Squeeze":
        case "Unsqueeze": {
          const rank = inShape.length + 1;
          const axesRaw = opset >= 13 ? (ins[1] ? Array.from(constant(1).data) : undefined) : (a.axes as number[] | undefined);
          let shape: number[];
          if (op === "Squeeze") {
            const axes = axesRaw?.map((v) => normAxis(v, rank));
            if (axes?.includes(0)) throw new Error("squeezing the batch axis is not supported");
            shape = inShape.filter((d, i) => (axes ? !axes.includes(i + 1) : d !== 1));
          } else {
            const r2 = rank + (axesRaw ?? []).length;
            const axes = (axesRaw ?? []).map((v) => normAxis(v, r2)).sort((p, q) => p - q);
            if (axes.includes(0)) throw new Error("unsqueezing at the batch axis is not supported");
            const full = [0, ...inShape];
            for (const v of axes) full.splice(v, 0, 1);
            shape = full.slice(1);
          }
          push({ kind: "reshape", outShape: shape }, shape);
          break;
        }
        case "Softmax":
        case "LogSoftmax":
        case "ArgMax": {
          const rank = inShape.length + 1;
          const axis = normAxis((a.axis as number) ?? (op === "ArgMax" ? 0 : opset >= 13 ? -1 : 1), rank);
          if (axis !== rank - 1 && !(opset < 13 && op !== "ArgMax" && axis === 1)) throw new Error(`axis ${a.axis} is not the class axis`);
          if (op === "ArgMax" && (a.select_last_index ?? 0) !== 0) throw new Error("select_last_index=1 is not supported");
          const final = out === outName;
          const toArgmax = op !== "ArgMax" && (g.node ?? []).some((n) => n.opType === "ArgMax" && n.input?.[0] === out && n.output?.[0] === outName) && uses.get(out) === 1;
          if (!final && !toArgmax) throw unsupportedOperator(op, name, `${op} is taken only as the output head (the last node, nn.${op === "ArgMax" ? "…argmax(dim=1)" : op}(dim=1) at the end of forward)`);
          logitsName = real(ins[0]);
          head = op === "ArgMax" ? "argmax" : (op.toLowerCase() as Head);
          vals.set(out, x!);
          alias.set(out, logitsName);
          break;
        }
        default:
          throw unsupportedOperator(op, name, decomposedLayerNormHint(g.node ?? [], node));
      }
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith("unsupported ONNX operator") || msg.startsWith(where) ? msg : `${where}: ${msg}`);
    }
  }
  const outVal = vals.get(outName);
  if (!outVal || outVal.k !== "act") throw new Error(`ONNX graph output "${outName}" is not computed from the input`);
  if (!logitsName) logitsName = real(outName);
  const last = vals.get(logitsName) as Extract<Val, { k: "act" }>;
  if (last.batchT) throw new Error(`ONNX graph output "${outName}" is batch-transposed`);
  if (head === "argmax" && last.shape.length !== 1) throw new Error(`ArgMax head over per-sample shape [${last.shape}]`);
  return { inputName, outputName: outName, inputShape, outputShape: last.shape, layers, head, logitsName };
}
