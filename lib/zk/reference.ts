/**
 * BigInt reference implementation of a quantized model: exactly the arithmetic the circuit constrains, and the
 * deviation report against the float model.
 */
import { floatForward, type LoweredModel } from "./lower";
import { circuitPlan, paddedWindows, type LinearOp } from "./plan";
import { argmax, dequantizeOutput, quantizeInput, type QuantModel } from "./quantize";

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

/** Runs the quantized model on committed input bytes, step by step as the circuit does (lib/zk/plan.ts); throws when
 *  a value leaves its range check. */
export function quantForward(q: QuantModel, bytes: number[]): bigint[] {
  if (bytes.length !== q.inputSize) throw new Error(`input has ${bytes.length} bytes, the model takes ${q.inputSize}`);
  const N = q.rangeBits;
  let a = bytes.map((u) => {
    if (!Number.isInteger(u) || u < 0 || u > 255) throw new Error(`input byte ${u} is outside [0, 255]`);
    return BigInt(u - q.inputZeroPoint);
  });
  for (const step of circuitPlan(q)) {
    if (step.kind === "linear") {
      const op = step.op;
      a = op.rows.map((_, o) => rescale(accumulate(op, a, o), op.shift, N, op.relu, `node "${op.node}" (output ${o})`));
    } else if (step.kind === "linearMax") {
      const { op, max } = step;
      const accs = new Map<number, bigint>();
      const acc = (o: number) => accs.get(o) ?? accs.set(o, accumulate(op, a, o)).get(o)!;
      a = paddedWindows(max).map((w, o) => {
        const where = `node "${max.node}" (output ${o})`;
        return rescale(windowMax(w.map(acc), op.shift + N, where), op.shift, N, op.relu, where);
      });
    } else if (step.kind === "max") {
      const prev = a;
      a = paddedWindows(step.op).map((w, o) => windowMax(w.map((i) => prev[i]), N, `node "${step.op.node}" (output ${o})`));
    } else if (step.kind === "relu") {
      a = a.map((v) => (v < 0n ? 0n : v));
    } else {
      throw new Error(`reference: op kind "${step.op.kind}" (node "${step.op.node}") is not supported`);
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
