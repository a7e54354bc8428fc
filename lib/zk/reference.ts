/**
 * BigInt reference implementation of a quantized model: exactly the arithmetic the circuit constrains, and the
 * deviation report against the float model.
 */
import { floatForward, type LoweredModel } from "./lower";
import { argmax, dequantizeOutput, quantizeInput, type QuantModel } from "./quantize";

/** Runs the quantized model on committed input bytes; throws when an activation leaves the range check. */
export function quantForward(q: QuantModel, bytes: number[]): bigint[] {
  if (bytes.length !== q.inputSize) throw new Error(`input has ${bytes.length} bytes, the model takes ${q.inputSize}`);
  const lim = 1n << BigInt(q.rangeBits - 1);
  let a = bytes.map((u) => {
    if (!Number.isInteger(u) || u < 0 || u > 255) throw new Error(`input byte ${u} is outside [0, 255]`);
    return BigInt(u - q.inputZeroPoint);
  });
  for (const op of q.ops) {
    if (op.kind === "linear") {
      const k = BigInt(op.shift);
      a = op.rows.map((r, o) => {
        let acc = op.biasParams[r.bidx];
        for (let t = 0; t < r.idx.length; t++) acc += op.params[r.pidx[t]] * a[r.idx[t]];
        const v = acc >> k; // floor division by 2^k
        if (v < -lim || v >= lim) throw new Error(`activation overflow at node "${op.node}" (output ${o}): ${v} needs more than ${q.rangeBits} bits`);
        return op.relu && v < 0n ? 0n : v;
      });
    } else if (op.kind === "max") {
      a = op.windows.map((w) => w.map((i) => a[i]).reduce((x, y) => (y > x ? y : x)));
    } else {
      a = a.map((v) => (v < 0n ? 0n : v));
    }
  }
  return a;
}

export interface DeviationReport {
  samples: number;
  maxAbsDeviation: number;
  argmaxAgreement: number;
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
