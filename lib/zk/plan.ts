/**
 * The circuit plan of a quantized model: the steps the circuit (circom source and direct R1CS emitter alike) and the
 * BigInt reference compute, after one rewrite.
 *
 * Max-pool fusion: a linear op with rescale (and ReLU) followed by a max op becomes one step that takes the window
 * maximum of the raw accumulators and rescales only the maxima. Floor division by 2^k and ReLU are monotone, so
 * max_i relu(floor(acc_i / 2^k)) = relu(floor(max_i acc_i / 2^k)): same outputs, but one rescale (k + N bits) per
 * window instead of one per linear output, and comparisons on (k + N)-bit accumulators instead of N-bit activations.
 * It is applied where it saves constraints (non-overlapping windows: a 2x2 pool saves about 3N per window).
 */
import { opInputs, type QuantModel, type QuantOp } from "./quantize";

export type LinearOp = Extract<QuantOp, { kind: "linear" }>;
export type MaxOp = Extract<QuantOp, { kind: "max" }>;

export type Step =
  /** Every output rescaled: acc + 2^(k+N-1) decomposed into k + N bits; the top bit is the ReLU sign. */
  | { kind: "linear"; index: number; op: LinearOp }
  /** Window maxima of the raw accumulators of `op` (comparisons on k + N + 1 bits), then one rescale per window. */
  | { kind: "linearMax"; index: number; op: LinearOp; max: MaxOp }
  /** Window maxima of N-bit activations (comparisons on N + 1 bits). */
  | { kind: "max"; index: number; op: MaxOp }
  /** ReLU of N-bit activations by the sign bit of an N-bit range check. */
  | { kind: "relu"; index: number; op: Extract<QuantOp, { kind: "relu" }> }
  /** Any other op kind, and linear ops over several tensors (DAG models, docs/quant-ir.md), unchanged: circuit.ts
   *  writes them with circuitDag.ts' dagOpSource; the direct emitter falls back to circom for them. */
  | { kind: "op"; index: number; op: QuantOp };

/** Constraints of one rescale (k + N bits, the decomposition, the output) and of one comparison of D-bit values. */
export const rescaleCost = (k: number, N: number) => k + N + 2;
export const compareCost = (D: number) => D + 3;

/** Constraints a window-max costs over the comparisons: L values need L - 1 comparisons (windows padded to L). */
const windowLen = (m: MaxOp) => Math.max(...m.windows.map((w) => w.length));

/** Whether fusing `op` with the max op `m` that follows it costs fewer constraints than keeping them apart. */
export function fusionSaves(op: LinearOp, m: MaxOp, N: number): boolean {
  const L = windowLen(m);
  const apart = op.outSize * rescaleCost(op.shift, N) + m.outSize * (L - 1) * compareCost(N);
  const fused = m.outSize * ((L - 1) * compareCost(op.shift + N) + rescaleCost(op.shift, N));
  return fused < apart;
}

/** Whether ops[j] (a max) reads ops[j-1]'s output and nothing else reads it. */
function onlyConsumer(q: QuantModel, j: number): boolean {
  const t = j; // tensor id of ops[j - 1]'s output
  if (opInputs(q.ops[j], j).join() !== String(t)) return false;
  return q.ops.every((op, k) => k === j || !opInputs(op, k).includes(t));
}

/** The steps of `q`'s circuit, in order; `index` names the step's output signals (a<index>). */
export function circuitPlan(q: QuantModel): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < q.ops.length; i++) {
    const op = q.ops[i];
    const next = q.ops[i + 1];
    const single = opInputs(op, i).length === 1;
    if (op.kind === "linear" && single && next?.kind === "max" && onlyConsumer(q, i + 1) && fusionSaves(op, next, q.rangeBits)) {
      steps.push({ kind: "linearMax", index: i + 1, op, max: next });
      i++;
    } else if (op.kind === "linear" && single) steps.push({ kind: "linear", index: i, op });
    else if (op.kind === "max") steps.push({ kind: "max", index: i, op });
    else if (op.kind === "relu") steps.push({ kind: "relu", index: i, op });
    else steps.push({ kind: "op", index: i, op });
  }
  return steps;
}

/** Windows padded to a common length with their first element (the circuit compares a value with itself). */
export function paddedWindows(m: MaxOp): number[][] {
  const L = windowLen(m);
  return m.windows.map((w) => [...w, ...Array(L - w.length).fill(w[0])]);
}
