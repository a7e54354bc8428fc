/**
 * BigInt reference implementation of a quantized model: exactly the arithmetic the circuit constrains, and the
 * deviation report against the float model.
 */
import { floatForward, type LoweredModel } from "./lower";
import { circuitPlan, paddedWindows, type LinearOp } from "./plan";
import { argmax, dequantizeOutput, opInputs, quantizeInput, type QuantModel } from "./quantize";
import { splineInt } from "./spline";

/** floor(acc / 2^k) range-checked to N bits (signed), then ReLU: the rescale of the circuit. */
function rescale(acc: bigint, k: number, N: number, relu: boolean, where: string): bigint {
  const lim = 1n << BigInt(N - 1);
  const v = acc >> BigInt(k); // floor division by 2^k
  if (v < -lim || v >= lim) throw new Error(`activation overflow at ${where}: ${v} needs more than ${N} bits`);
  return relu && v < 0n ? 0n : v;
}

/** Running maximum as the circuit's comparisons compute it: each difference must fit D bits (signed). */
function windowMax(vals: bigint[], D: number, where: string): bigint {
  const lim = 1n << BigInt(D);
  let m = vals[0];
  for (let t = 1; t < vals.length; t++) {
    const d = vals[t] - m;
    if (d < -lim || d >= lim) throw new Error(`activation overflow at ${where}: a max-pool difference needs more than ${D} bits`);
    if (d >= 0n) m = vals[t];
  }
  return m;
}

const accumulate = (op: LinearOp, a: bigint[], o: number) => {
  const r = op.rows[o];
  let acc = op.biasParams[r.bidx];
  for (let t = 0; t < r.idx.length; t++) acc += op.params[r.pidx[t]] * a[r.idx[t]];
  return acc;
};

/**
 * Every tensor of the quantized model on committed input bytes, by id (docs/quant-ir.md): [input q, ops[0] output,
 * ...], computed step by step as the circuit does (lib/zk/plan.ts). The linear op of a fused linear + max step has no
 * signal in the circuit: its tensor is left empty (nothing else reads it). Throws when a value leaves its range check.
 */
export function quantTensors(q: QuantModel, bytes: number[]): bigint[][] {
  if (bytes.length !== q.inputSize) throw new Error(`input has ${bytes.length} bytes, the model takes ${q.inputSize}`);
  const N = q.rangeBits;
  const tensors: bigint[][] = [
    bytes.map((u) => {
      if (!Number.isInteger(u) || u < 0 || u > 255) throw new Error(`input byte ${u} is outside [0, 255]`);
      return BigInt(u - q.inputZeroPoint);
    }),
  ];
  for (const step of circuitPlan(q)) {
    const l = step.index;
    const ins = opInputs(step.op, step.kind === "linearMax" ? l - 1 : l).map((t) => tensors[t]);
    const a = ins.length === 1 ? ins[0] : ins.flat();
    const where = (node: string, o: number) => `node "${node}" (output ${o})`;
    let out: bigint[];
    if (step.kind === "linear") {
      const op = step.op;
      out = op.rows.map((_, o) => rescale(accumulate(op, a, o), op.shift, N, op.relu, where(op.node, o)));
    } else if (step.kind === "linearMax") {
      const { op, max } = step;
      const accs = new Map<number, bigint>();
      const acc = (o: number) => accs.get(o) ?? accs.set(o, accumulate(op, a, o)).get(o)!;
      out = paddedWindows(max).map((w, o) => rescale(windowMax(w.map(acc), op.shift + N, where(max.node, o)), op.shift, N, op.relu, where(max.node, o)));
      tensors[l] = []; // the fused linear op's own tensor: no signal
    } else if (step.kind === "max") {
      out = paddedWindows(step.op).map((w, o) => windowMax(w.map((i) => a[i]), N, where(step.op.node, o)));
    } else if (step.kind === "relu") {
      out = a.map((v, o) => rescale(v, 0, N, true, where(step.op.node, o)));
    } else {
      const op = step.op;
      if (op.kind === "linear") {
        out = op.rows.map((_, o) => rescale(accumulate(op, a, o), op.shift, N, op.relu, where(op.node, o)));
      } else if (op.kind === "gather") {
        out = op.src.map((j) => (j < 0 ? 0n : a[j]));
      } else if (op.kind === "mul") {
        const half = op.shift > 0 ? 1n << BigInt(op.shift - 1) : 0n;
        out = op.a.map((ia, o) => rescale(ins[0][ia] * ins[1][op.b[o]] + half, op.shift, N, false, where(op.node, o)));
      } else if (op.kind === "spline") {
        out = a.map((x, o) => rescale(splineInt(op, x), 0, op.outBits, false, where(op.node, o)));
      } else {
        throw new Error(`reference: op kind "${op.kind}" (node "${op.node}") is not supported`);
      }
    }
    tensors[l + 1] = out;
  }
  return tensors;
}

/** Runs the quantized model on committed input bytes: the committed outputs. */
export function quantForward(q: QuantModel, bytes: number[]): bigint[] {
  const t = quantTensors(q, bytes);
  return t[t.length - 1];
}

export interface DeviationReport {
  samples: number;
  maxAbsDeviation: number;
  /** Against the float lowered model (lib/zk/lower.ts). */
  argmaxAgreement: number;
  /** Against the ONNX model in onnxruntime-node (set by buildModelArtifacts). */
  onnxruntimeAgreement?: number;
}

/** Compares the quantized model with the float model on `samples` (float inputs). */
export function deviationReport(m: LoweredModel, q: QuantModel, samples: ArrayLike<number>[]): DeviationReport {
  let maxDev = 0;
  let agree = 0;
  for (const x of samples) {
    const f = floatForward(m, x);
    const d = dequantizeOutput(q, quantForward(q, quantizeInput(q, x)));
    for (let i = 0; i < f.length; i++) maxDev = Math.max(maxDev, Math.abs(f[i] - d[i]));
    if (argmax(f) === argmax(d)) agree++;
  }
  return { samples: samples.length, maxAbsDeviation: maxDev, argmaxAgreement: samples.length ? agree / samples.length : 1 };
}
