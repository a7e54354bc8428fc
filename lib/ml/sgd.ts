import { Rng } from "./rng";
import {
  DpSgdParams,
  PerExampleGradients,
  fixedBatches,
  poissonBatch,
  privateGradient,
  validateDpParams,
} from "../privacy/dpsgd";

/** Options shared by every model trained with plain minibatch SGD. */
export interface SgdOptions {
  epochs: number;
  lr: number;
  /** Batch size; with `dp`, the expected batch size of Poisson sampling (q = batch / n). */
  batch: number;
  seed: number;
  /** Train with DP-SGD: per-example clipping to `clip`, Gaussian noise `sigma`·`clip`, Poisson sampling. */
  dp?: DpSgdParams;
  /**
   * With `dp`: Poisson sampling at exactly this rate q for exactly `steps` steps (a training job's recorded sampling rate
   * and steps per round), instead of q = batch / n and sgdSteps(); `batch` is then ignored and the gradient is divided
   * by the expected batch size q·n. This is what makes the recorded ε the spent ε whatever the participant's n.
   */
  sampling?: { q: number; steps: number };
  /**
   * Return an exponential moving average of the iterates, avg ← β·avg + (1 − β)·params after every step, instead of the
   * last iterate (β = this value in [0, 1); 0 or absent: last iterate). Post-processing, so free under DP; it averages
   * out part of the injected noise.
   */
  ema?: number;
}

/**
 * Number of SGD steps for `epochs` passes over n examples: ceil(epochs · n / batch), the same count TensorFlow Privacy's
 * compute_dp_sgd_privacy uses, so `dp:epsilon` with the training options gives the ε of the run.
 */
export function sgdSteps(n: number, batch: number, epochs: number): number {
  return Math.ceil((epochs * n) / batch);
}

export function validateSgdOptions(n: number, o: SgdOptions): void {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`SGD: need at least one training example, got ${n}`);
  if (!(Number.isFinite(o.epochs) && o.epochs > 0)) throw new RangeError(`SGD: epochs must be > 0, got ${o.epochs}`);
  if (!(Number.isFinite(o.lr) && o.lr > 0)) throw new RangeError(`SGD: lr must be > 0, got ${o.lr}`);
  if (o.sampling) {
    const { q, steps } = o.sampling;
    if (!o.dp) throw new RangeError("SGD: a fixed sampling rate needs dp");
    if (!(q > 0 && q <= 1)) throw new RangeError(`SGD: sampling rate must be in (0, 1], got ${q}`);
    if (!(Number.isInteger(steps) && steps > 0)) throw new RangeError(`SGD: steps must be a positive integer, got ${steps}`);
  } else if (!(Number.isInteger(o.batch) && o.batch > 0 && o.batch <= n)) {
    throw new RangeError(`SGD: batch must be an integer in [1, ${n}], got ${o.batch}`);
  }
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`SGD: seed must be a safe integer, got ${o.seed}`);
  if (o.dp) validateDpParams(o.dp);
  if (o.ema !== undefined && !(o.ema >= 0 && o.ema < 1)) throw new RangeError(`SGD: ema must be in [0, 1), got ${o.ema}`);
}

/**
 * Minibatch SGD on the flat parameter vector `params` (updated in place). Without `dp`: per epoch a seeded shuffle into
 * fixed-size batches, gradient = batch mean. With `dp`: sgdSteps() steps, each on a Poisson-sampled batch, gradient from
 * privateGradient() divided by the expected batch size.
 */
export function runSgd(params: Float64Array, n: number, model: PerExampleGradients, o: SgdOptions): void {
  validateSgdOptions(n, o);
  if (model.dim !== params.length) throw new Error(`SGD: model has ${model.dim} parameters, vector ${params.length}`);
  const rng = new Rng(o.seed);
  const grad = new Float64Array(params.length);
  const beta = o.ema ?? 0;
  const avg = beta > 0 ? Float64Array.from(params) : null;
  const step = () => {
    for (let k = 0; k < params.length; k++) params[k] -= o.lr * grad[k];
    if (avg) for (let k = 0; k < params.length; k++) avg[k] = beta * avg[k] + (1 - beta) * params[k];
  };
  if (o.dp) {
    const q = o.sampling ? o.sampling.q : o.batch / n;
    const steps = o.sampling ? o.sampling.steps : sgdSteps(n, o.batch, o.epochs);
    const expected = o.sampling ? q * n : o.batch;
    for (let t = 0; t < steps; t++) {
      privateGradient(model, poissonBatch(rng, n, q), o.dp, expected, rng, grad);
      step();
    }
    if (avg) params.set(avg);
    return;
  }
  if (!Number.isInteger(o.epochs)) throw new RangeError(`SGD: non-private epochs must be an integer, got ${o.epochs}`);
  for (let e = 0; e < o.epochs; e++) {
    for (const batch of fixedBatches(rng, n, o.batch)) {
      grad.fill(0);
      for (let b = 0; b < batch.length; b++) {
        model.compute(batch[b]);
        model.accumulate(grad, 1 / batch.length);
      }
      step();
    }
  }
  if (avg) params.set(avg);
}
