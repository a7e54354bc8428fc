/**
 * Output heads: a final Softmax, LogSoftmax or ArgMax of the ONNX graph is not proved. The committed outputs are
 * the logits before it (the class, their argmax, is unchanged by the head); the head is applied to the circuit's
 * logits in the clear when they are compared with the float model's outputs.
 */
import type { Head } from "../onnx/read";

export const argmaxOf = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
};

/** The ONNX model's output computed from logits. */
export function applyHead(head: Head | undefined, logits: number[]): number[] {
  if (!head) return logits;
  if (head === "argmax") return [argmaxOf(logits)];
  const m = Math.max(...logits);
  const lse = m + Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0));
  return head === "softmax" ? logits.map((v) => Math.exp(v - lse)) : logits.map((v) => v - lse);
}

/** The predicted class of an ONNX model output (an ArgMax head outputs the class itself). */
export const predictedClass = (head: Head | undefined, output: ArrayLike<number>) => (head === "argmax" ? Number(output[0]) : argmaxOf(output));

/** How model:register / model:list describe the committed outputs. */
export const headLabel = (head: Head | undefined) =>
  head ? `logits (the ${head === "argmax" ? "ArgMax" : head === "softmax" ? "Softmax" : "LogSoftmax"} head is applied outside the proof; argmax unchanged)` : "the model's outputs";
