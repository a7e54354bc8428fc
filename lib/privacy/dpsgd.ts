import { Rng } from "../ml/rng";

/**
 * DP-SGD building blocks (Abadi et al. 2016): batch sampling, per-example clipping to L2 norm C, and Gaussian noise of
 * standard deviation σ·C added to the sum of clipped gradients. Seeded and deterministic: the same model, data, seed and
 * options give bit-identical results in every process.
 *
 * Sampling: the RDP accountant (./accountant.ts) assumes Poisson sampling — each example joins each step's batch
 * independently with probability q = batch / n — so DP training uses `poissonBatch`, and the noisy sum is divided by the
 * expected batch size (not the realised one, which would leak the batch size). `fixedBatches` (shuffled fixed-size
 * batches, i.e. sampling without replacement per epoch) is for non-private training only; the accountant's guarantee
 * does not cover it.
 */
export interface DpSgdParams {
  /** L2 clipping norm C of each example's gradient. */
  clip: number;
  /** Noise multiplier σ: the noise on the summed clipped gradients has standard deviation σ·C. */
  sigma: number;
}

/** A model that can compute one example's loss gradient and add a multiple of it to an accumulator. */
export interface PerExampleGradients {
  /** Number of parameters. */
  readonly dim: number;
  /** Computes the gradient of the loss on example `i` into internal scratch and returns its squared L2 norm. */
  compute(i: number): number;
  /** acc += scale × (the gradient last computed). */
  accumulate(acc: Float64Array, scale: number): void;
}

export function validateDpParams(p: DpSgdParams): void {
  if (!(Number.isFinite(p.clip) && p.clip > 0)) throw new RangeError(`DP-SGD: clip norm must be > 0, got ${p.clip}`);
  if (!(Number.isFinite(p.sigma) && p.sigma >= 0)) throw new RangeError(`DP-SGD: sigma must be >= 0, got ${p.sigma}`);
}

/** Poisson sampling: each of the n indices is included independently with probability q. */
export function poissonBatch(rng: Rng, n: number, q: number): number[] {
  if (!(q > 0 && q <= 1)) throw new RangeError(`DP-SGD: sampling rate must be in (0, 1], got ${q}`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (rng.uniform() < q) out.push(i);
  return out;
}

/** One epoch of shuffled, fixed-size batches (the last one may be smaller). For non-private training. */
export function fixedBatches(rng: Rng, n: number, batch: number): Uint32Array[] {
  const perm = rng.permutation(n);
  const out: Uint32Array[] = [];
  for (let s = 0; s < n; s += batch) out.push(perm.subarray(s, Math.min(n, s + batch)));
  return out;
}

/** Factor that scales a gradient of squared norm `normSq` to L2 norm at most `clip`: min(1, C / ‖g‖). */
export function clipFactor(normSq: number, clip: number): number {
  const norm = Math.sqrt(normSq);
  return norm > clip ? clip / norm : 1;
}

/** sum[k] += N(0, std²) for every coordinate. */
export function addGaussianNoise(sum: Float64Array, std: number, rng: Rng): void {
  if (std === 0) return;
  for (let k = 0; k < sum.length; k++) sum[k] += std * rng.gaussian();
}

/**
 * The privatised gradient of one DP-SGD step, written into `out`:
 *   out = (Σ_{i ∈ batch} g_i · min(1, C/‖g_i‖) + N(0, σ²C² I)) / denominator.
 * Returns how many examples were actually clipped (had norm > C).
 */
export function privateGradient(
  model: PerExampleGradients,
  batch: ArrayLike<number>,
  p: DpSgdParams,
  denominator: number,
  rng: Rng,
  out: Float64Array,
): number {
  out.fill(0);
  let clipped = 0;
  for (let b = 0; b < batch.length; b++) {
    const f = clipFactor(model.compute(batch[b]), p.clip);
    if (f < 1) clipped++;
    model.accumulate(out, f);
  }
  addGaussianNoise(out, p.sigma * p.clip, rng);
  for (let k = 0; k < out.length; k++) out[k] /= denominator;
  return clipped;
}
