import { Rng } from "../ml/rng";

/**
 * The Laplace mechanism (Dwork, McSherry, Nissim & Smith 2006): adding Laplace(0, Δ₁/ε) noise to each coordinate of a
 * statistic with L1 sensitivity Δ₁ gives pure ε-differential privacy (δ = 0). Seeded and deterministic.
 */

function checkEpsilon(epsilon: number): void {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new RangeError(`Laplace: epsilon must be > 0, got ${epsilon}`);
}

function checkSensitivity(s: number): void {
  if (!(Number.isFinite(s) && s > 0)) throw new RangeError(`Laplace: sensitivity must be > 0, got ${s}`);
}

/** Noise scale b = Δ₁ / ε. */
export function laplaceScale(l1Sensitivity: number, epsilon: number): number {
  checkSensitivity(l1Sensitivity);
  checkEpsilon(epsilon);
  return l1Sensitivity / epsilon;
}

/** value + Laplace(0, Δ₁/ε) for a scalar statistic. */
export function laplaceScalar(value: number, l1Sensitivity: number, epsilon: number, rng: Rng): number {
  return value + rng.laplace(laplaceScale(l1Sensitivity, epsilon));
}

/** A copy of `values` with independent Laplace(0, Δ₁/ε) noise on every coordinate (Δ₁: L1 sensitivity of the vector). */
export function laplaceVector(values: Float64Array, l1Sensitivity: number, epsilon: number, rng: Rng): Float64Array {
  const b = laplaceScale(l1Sensitivity, epsilon);
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = values[k] + rng.laplace(b);
  return out;
}

/** A copy of `v` scaled to L1 norm at most `bound`. */
export function clipL1(v: Float64Array, bound: number): Float64Array {
  checkSensitivity(bound);
  let n = 0;
  for (const x of v) n += Math.abs(x);
  const f = n > bound ? bound / n : 1;
  return v.map((x) => x * f);
}

/**
 * Releases a model update with pure ε-DP: the update is clipped to L1 norm B, so any two possible clipped updates differ
 * by at most 2B in L1 — the sensitivity used, whatever the participant's data — and Laplace(0, 2B/ε) noise is added.
 */
export function releaseUpdateLaplace(update: Float64Array, l1Bound: number, epsilon: number, rng: Rng): Float64Array {
  return laplaceVector(clipL1(update, l1Bound), 2 * l1Bound, epsilon, rng);
}
