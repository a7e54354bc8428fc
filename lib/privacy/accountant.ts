/**
 * Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism (DP-SGD), after Mironov, Talwar & Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism", as implemented in TensorFlow Privacy's
 * rdp_accountant.compute_rdp: integer orders by the binomial expansion of A_α (their eq. for integer α), fractional
 * orders by the two-sided series with erfc tails. RDP composes additively over steps.
 *
 * Conversion to (ε, δ): by default the improved conversion TF Privacy's get_privacy_spent uses since 2020 (Canonne,
 * Kamath & Steinke 2020, arXiv:2004.00010 Prop. 12; also Asoodeh et al. 2020, arXiv:2001.05990 Eq. 20):
 *   ε = rdp_α + log1p(−1/α) − log(δ·α) / (α − 1)   (α > 1.01; ε = 0 when δ² + expm1(−rdp_α) ≥ 0),
 * or, with conversion "classic", Mironov 2017 (arXiv:1702.07476) Prop. 3: ε = rdp_α − log δ / (α − 1). ε is the minimum over the orders.
 * Neighbouring datasets: add/remove one example (the relation Poisson sampling is analysed under).
 */

export type Conversion = "improved" | "classic";

/** Orders used by TF Privacy's compute_dp_sgd_privacy. */
export const DEFAULT_ORDERS: readonly number[] = [
  1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5,
  ...Array.from({ length: 59 }, (_, i) => 5 + i),
  128, 256, 512,
];

/** log(exp(a) + exp(b)). */
function logAdd(a: number, b: number): number {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  if (lo === -Infinity) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/** log(exp(a) − exp(b)), a ≥ b. */
function logSub(a: number, b: number): number {
  if (a < b) throw new Error("accountant: log of a negative number");
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  const d = Math.expm1(a - b);
  return Number.isFinite(d) ? Math.log(d) + b : a;
}

/**
 * log(erfc(x)) without underflow: for x ≥ 3 the Laplace continued fraction
 * erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), otherwise 1 − erf(x) with the all-positive series
 * erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (2n+1)!!, and erfc(x) = 2 − erfc(−x) for x < 0.
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return -Infinity;
  if (x === -Infinity) return Math.LN2;
  if (x >= 3) {
    let f = x;
    for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
    return -x * x - 0.5 * Math.log(Math.PI) - Math.log(f);
  }
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  let term = x;
  let sum = x;
  for (let n = 0; n < 500 && term > 1e-17 * sum; n++) {
    term *= (2 * x * x) / (2 * n + 3);
    sum += term;
  }
  return Math.log(1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum);
}

/** log A_α for integer α (binomial expansion). */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(α, i)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const s = logBinom + i * Math.log(q) + (alpha - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/** log A_α for fractional α (series split at z0, Mironov et al. 2019 Sec. 3.3). */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let coef = 1; // C(α, i), generalised binomial coefficient
  for (let i = 0; ; i++) {
    if (i > 0) coef *= (alpha - i + 1) / i;
    const logCoef = Math.log(Math.abs(coef));
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (coef > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
    if (i > 100000) throw new Error(`accountant: series for order ${alpha} did not converge`);
  }
  return logAdd(logA0, logA1);
}

/** RDP of one step of the sampled Gaussian mechanism at order α (q: sampling rate, sigma: noise multiplier). */
export function rdpSampledGaussian(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (alpha === Infinity) return Infinity;
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP after `steps` compositions, per order (TF Privacy compute_rdp). */
export function computeRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`accountant: sampling rate must be in [0, 1], got ${q}`);
  if (!(sigma >= 0)) throw new RangeError(`accountant: noise multiplier must be >= 0, got ${sigma}`);
  if (!(steps >= 0)) throw new RangeError(`accountant: steps must be >= 0, got ${steps}`);
  for (const a of orders) if (!(a > 1)) throw new RangeError(`accountant: RDP orders must be > 1, got ${a}`);
  return orders.map((a) => rdpSampledGaussian(q, sigma, a) * steps);
}

/** (ε, optimal order) for target δ from RDP values at the given orders. */
export function epsilonFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: Conversion = "improved",
): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`accountant: delta must be in (0, 1), got ${delta}`);
  if (orders.length !== rdp.length || orders.length === 0) throw new RangeError("accountant: orders and rdp differ");
  let best = { epsilon: Infinity, order: orders[0] };
  orders.forEach((a, k) => {
    const r = rdp[k];
    if (r < 0) throw new RangeError(`accountant: negative RDP ${r} at order ${a}`);
    let eps: number;
    if (conversion === "classic") eps = r - Math.log(delta) / (a - 1);
    else if (delta * delta + Math.expm1(-r) >= 0) eps = 0;
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Infinity;
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  });
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

export interface DpSgdRun {
  samples: number;
  batch: number;
  sigma: number;
  epochs: number;
  delta: number;
  conversion?: Conversion;
  orders?: readonly number[];
}

/** Validates a DP-SGD run description; throws a RangeError naming the bad field. */
export function validateRun(r: DpSgdRun): void {
  if (!(Number.isInteger(r.samples) && r.samples > 0)) throw new RangeError(`samples must be a positive integer, got ${r.samples}`);
  if (!(Number.isInteger(r.batch) && r.batch > 0)) throw new RangeError(`batch must be a positive integer, got ${r.batch}`);
  if (r.batch > r.samples) throw new RangeError(`batch (${r.batch}) must not exceed samples (${r.samples})`);
  if (!(Number.isFinite(r.sigma) && r.sigma > 0)) throw new RangeError(`sigma must be a positive number, got ${r.sigma}`);
  if (!(Number.isFinite(r.epochs) && r.epochs > 0)) throw new RangeError(`epochs must be a positive number, got ${r.epochs}`);
  if (!(r.delta > 0 && r.delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${r.delta}`);
}

/**
 * ε of DP-SGD with Poisson sampling rate q = batch / samples for ceil(epochs · samples / batch) steps — the computation
 * of TF Privacy's compute_dp_sgd_privacy.
 */
export function dpSgdEpsilon(r: DpSgdRun): { epsilon: number; order: number; steps: number; q: number } {
  validateRun(r);
  const q = r.batch / r.samples;
  const steps = Math.ceil((r.epochs * r.samples) / r.batch);
  const orders = r.orders ?? DEFAULT_ORDERS;
  const { epsilon, order } = epsilonFromRdp(orders, computeRdp(q, r.sigma, steps, orders), r.delta, r.conversion);
  return { epsilon, order, steps, q };
}

/** How ε is computed from RDP: the conversion (default "improved") and the orders (default DEFAULT_ORDERS). */
export interface AccountingOptions {
  conversion?: Conversion;
  orders?: readonly number[];
}

/**
 * The largest number of steps (or training rounds, each one sampled Gaussian mechanism with rate q and noise sigma)
 * whose ε at `delta` stays ≤ `epsilon`. Returns 0 if not even one step fits.
 */
export function maxStepsForEpsilon(q: number, sigma: number, epsilon: number, delta: number, o: AccountingOptions = {}): number {
  const { conversion = "improved", orders = DEFAULT_ORDERS } = o;
  if (!(epsilon > 0)) throw new RangeError(`accountant: epsilon budget must be > 0, got ${epsilon}`);
  const perStep = computeRdp(q, sigma, 1, orders);
  const eps = (t: number) => epsilonFromRdp(orders, perStep.map((r) => r * t), delta, conversion).epsilon;
  if (eps(1) > epsilon) return 0;
  let lo = 1;
  let hi = 2;
  while (eps(hi) <= epsilon) {
    lo = hi;
    hi *= 2;
    if (hi > 2 ** 40) throw new RangeError("accountant: budget allows an unbounded number of steps");
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (eps(mid) <= epsilon) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Smallest noise multiplier (to 1e-4 relative) giving ε ≤ `epsilon` for `steps` steps at rate q. */
export function sigmaForEpsilon(q: number, steps: number, epsilon: number, delta: number, o: AccountingOptions = {}): number {
  const { conversion = "improved", orders = DEFAULT_ORDERS } = o;
  if (!(epsilon > 0)) throw new RangeError(`accountant: epsilon target must be > 0, got ${epsilon}`);
  const eps = (s: number) => epsilonFromRdp(orders, computeRdp(q, s, steps, orders), delta, conversion).epsilon;
  let lo = 0.05;
  let hi = 1;
  while (eps(hi) > epsilon) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) throw new RangeError(`accountant: no noise multiplier reaches epsilon ${epsilon}`);
  }
  while ((hi - lo) / hi > 1e-4) {
    const mid = (lo + hi) / 2;
    if (eps(mid) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Round budget of a training job: each round a participant runs `localEpochs` of DP-SGD on its `samples` examples
 * (ceil(localEpochs · samples / batch) steps at rate batch / samples), so the job may run at most
 * floor(maxStepsForEpsilon / stepsPerRound) rounds within (epsilon, delta). This is the number recorded on-chain at
 * posting, beside epsilon.
 */
export function maxRoundsForEpsilon(r: {
  samples: number;
  batch: number;
  sigma: number;
  localEpochs: number;
  delta: number;
  epsilon: number;
  conversion?: Conversion;
}): { rounds: number; stepsPerRound: number; maxSteps: number } {
  validateRun({ samples: r.samples, batch: r.batch, sigma: r.sigma, epochs: r.localEpochs, delta: r.delta });
  const stepsPerRound = Math.ceil((r.localEpochs * r.samples) / r.batch);
  const maxSteps = maxStepsForEpsilon(r.batch / r.samples, r.sigma, r.epsilon, r.delta, { conversion: r.conversion });
  return { rounds: Math.floor(maxSteps / stepsPerRound), stepsPerRound, maxSteps };
}
