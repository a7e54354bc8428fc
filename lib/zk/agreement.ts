/**
 * Argmax agreement between the quantized circuit (BigInt reference, tied bit for bit to the witness) and the
 * float ONNX model run by onnxruntime-node, sample by sample (static-batch exports take one sample per run).
 * An ArgMax head's output is the class itself; Softmax / LogSoftmax heads leave the argmax of the logits.
 */
import { createOnnxSession } from "../runtime/onnx";
import { predictedClass } from "./head";
import { argmax, dequantizeOutput, quantizeInput, type QuantModel } from "./quantize";
import { quantForward } from "./reference";

export interface Agreement {
  samples: number;
  /** Fraction of samples whose circuit class equals onnxruntime's class. */
  agreement: number;
  /** Indices of the samples that disagree. */
  disagreements: number[];
}

export async function onnxAgreement(onnx: Uint8Array | string, inputShape: number[], q: QuantModel, samples: ArrayLike<number>[]): Promise<Agreement> {
  const session = await createOnnxSession(onnx, { inputShape });
  const disagreements: number[] = [];
  for (const [i, x] of samples.entries()) {
    const [f] = await session.run([x]);
    const circuit = argmax(dequantizeOutput(q, quantForward(q, quantizeInput(q, x))));
    if (predictedClass(q.head, f) !== circuit) disagreements.push(i);
  }
  return { samples: samples.length, agreement: samples.length ? 1 - disagreements.length / samples.length : 1, disagreements };
}
