/**
 * BigInt reference implementation of a quantized model: exactly the arithmetic the circuit constrains, and the
 * deviation report against the float model.
 */
import { floatForward, type LoweredModel } from "./lower";
import { argmax, dequantizeOutput, opInputs, quantizeInput, type QuantModel } from "./quantize";
import { splineInt } from "./spline";

/** Every tensor of the quantized model on committed input bytes: [input q, ops[0] output, ...]; throws when an activation leaves its range check. */
export function quantTensors(q: QuantModel, bytes: number[]): bigint[][] {
  if (bytes.length !== q.inputSize) throw new Error(`input has ${bytes.length} bytes, the model takes ${q.inputSize}`);
  const lim = 1n << BigInt(q.rangeBits - 1);
  const tensors: bigint[][] = [
    bytes.map((u) => {
      if (!Number.isInteger(u) || u < 0 || u > 255) throw new Error(`input byte ${u} is outside [0, 255]`);
      return BigInt(u - q.inputZeroPoint);
    }),
  ];
  const check = (node: string, o: number, v: bigint, l = lim) => {
    if (v < -l || v >= l) throw new Error(`activation overflow at node "${node}" (output ${o}): ${v} needs more than ${l.toString(2).length} bits`);
    return v;
  };
  q.ops.forEach((op, i) => {
    const ins = opInputs(op, i).map((t) => tensors[t]);
    const a = ins.length === 1 ? ins[0] : ins.flat();
    let out: bigint[];
    if (op.kind === "linear") {
      const k = BigInt(op.shift);
      out = op.rows.map((r, o) => {
        let acc = op.biasParams[r.bidx];
        for (let t = 0; t < r.idx.length; t++) acc += op.params[r.pidx[t]] * a[r.idx[t]];
        const v = check(op.node, o, acc >> k); // floor division by 2^k
        return op.relu && v < 0n ? 0n : v;
      });
    } else if (op.kind === "max") {
      out = op.windows.map((w) => w.map((j) => a[j]).reduce((x, y) => (y > x ? y : x)));
    } else if (op.kind === "relu") {
      out = a.map((v) => (v < 0n ? 0n : v));
    } else if (op.kind === "gather") {
      out = op.src.map((j) => (j < 0 ? 0n : a[j]));
    } else if (op.kind === "mul") {
      const half = op.shift > 0 ? 1n << BigInt(op.shift - 1) : 0n;
      out = op.a.map((ia, o) => check(op.node, o, (ins[0][ia] * ins[1][op.b[o]] + half) >> BigInt(op.shift)));
    } else {
      out = a.map((x, o) => check(op.node, o, splineInt(op, x), 1n << BigInt(op.outBits - 1)));
    }
    tensors.push(out);
  });
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
