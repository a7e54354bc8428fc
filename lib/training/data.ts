/**
 * Federated MNIST for training jobs: participant i of n holds every n-th training digit (offset i), pooled 2×2 to
 * 196 features (lib/data/mnist.ts poolMnist2x2: fixed, free under DP). The test set, pooled the same way, is what
 * requesters evaluate the global model on.
 */
import { loadMnist, poolMnist2x2 } from "../data/mnist";

export const FEATURES = 196;

export function mnistParticipantShard(index: number, of: number): { X: Float64Array[]; Y: number[] } {
  if (!(Number.isInteger(of) && of >= 1)) throw new RangeError(`participants must be a positive integer, got ${of}`);
  if (!(Number.isInteger(index) && index >= 0 && index < of)) throw new RangeError(`shard must be an integer in [0, ${of - 1}], got ${index}`);
  const d = loadMnist();
  const X: Float64Array[] = [];
  const Y: number[] = [];
  for (let k = index; k < d.trainX.length; k += of) {
    X.push(poolMnist2x2(d.trainX[k]));
    Y.push(d.trainY[k]);
  }
  return { X, Y };
}

export function mnistPooledTest(): { X: Float64Array[]; Y: number[] } {
  const d = loadMnist();
  return { X: d.testX.map(poolMnist2x2), Y: d.testY };
}
