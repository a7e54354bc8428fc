import { MlpModel, mlpLogits, predictMlp, trainMlp } from "./mlp";
import { SgdOptions } from "./sgd";

/**
 * Multinomial logistic regression: softmax over a single affine layer, trained on cross-entropy by SGD or DP-SGD. It is
 * exactly an MLP without hidden layers, so it shares the MLP's gradients, DP-SGD path, parameter order (updates,
 * hashes) and ONNX export (one Gemm node).
 */
export type LogRegModel = MlpModel;

export function trainLogReg(trainX: Float64Array[], trainY: number[], opts: SgdOptions): LogRegModel {
  return trainMlp(trainX, trainY, { ...opts, hidden: [] });
}

/** Class probabilities softmax(W·x + b). */
export function logRegProbabilities(model: LogRegModel, x: ArrayLike<number>): Float64Array {
  if (model.layers.length !== 1) throw new RangeError(`logreg: expected one layer, model has ${model.layers.length}`);
  const z = mlpLogits(model, x);
  const m = Math.max(...z);
  let s = 0;
  for (let j = 0; j < z.length; j++) s += (z[j] = Math.exp(z[j] - m));
  for (let j = 0; j < z.length; j++) z[j] /= s;
  return z;
}

/** Most probable class. */
export function predictLogReg(model: LogRegModel, x: ArrayLike<number>): number {
  return predictMlp(model, x);
}
