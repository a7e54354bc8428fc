/**
 * Clamped piecewise-linear functions on integers ("splines"): Clip, ReLU6 and HardSigmoid exactly, Sigmoid, Tanh
 * and Erf approximated. The input x (real value x * sIn) is clamped to [lo, hi] (integers), u = x - lo is split
 * into 2^segBits equal segments by its top bits, and each segment is the chord of the function:
 *   out = floor((c[j] + s[j] * w) / 2^shift),  j = u >> (bits - segBits),  w = u mod 2^(bits - segBits),
 * with value out * 2^-fo. The worst-case error against the exact function is measured over every integer input
 * of [lo, hi] and bounded analytically outside it (the functions are monotone and constant or saturating there).
 */

export interface SplineFn {
  name: string;
  /** The exact function. */
  f: (x: number) => number;
  /** Real clamp range: the circuit evaluates f(clamp(x, lo, hi)). */
  lo: number;
  hi: number;
  /** Limits of the exact function at -inf / +inf (for the error outside [lo, hi]). */
  left: number;
  right: number;
  /** Exactly linear on [lo, hi]: one segment. */
  linear: boolean;
}

/** erf by its Maclaurin series below 3 (float64, |error| < 1e-12 there) and Abramowitz & Stegun 7.1.26 above (< 1.5e-7). */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return Math.sign(x) * y;
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function splineFunction(fn: string, p: { lo?: number; hi?: number; alpha?: number; beta?: number }): SplineFn {
  switch (fn) {
    case "sigmoid":
      return { name: "sigmoid", f: sigmoid, lo: -8, hi: 8, left: 0, right: 1, linear: false };
    case "tanh":
      return { name: "tanh", f: Math.tanh, lo: -4.5, hi: 4.5, left: -1, right: 1, linear: false };
    case "erf":
      return { name: "erf", f: erf, lo: -3.5, hi: 3.5, left: -1, right: 1, linear: false };
    case "clip": {
      const lo = p.lo!;
      const hi = p.hi!;
      return { name: `clip[${lo},${hi}]`, f: (x) => Math.min(hi, Math.max(lo, x)), lo, hi, left: lo, right: hi, linear: true };
    }
    case "hardsigmoid": {
      const al = p.alpha!;
      const be = p.beta!;
      if (!(al > 0)) throw new Error(`HardSigmoid with alpha ${al} <= 0 is not supported`);
      return { name: `hardsigmoid(${+al.toFixed(6)},${be})`, f: (x) => Math.min(1, Math.max(0, al * x + be)), lo: -be / al, hi: (1 - be) / al, left: 0, right: 1, linear: true };
    }
  }
  throw new Error(`no spline for ${fn}`);
}

export interface SplineTable {
  lo: bigint;
  hi: bigint;
  bits: number;
  segBits: number;
  c: bigint[];
  s: bigint[];
  shift: number;
  outBits: number;
}

/** Integer semantics of a spline (what the circuit constrains). */
export function splineInt(sp: SplineTable, x: bigint): bigint {
  let m = x < sp.lo ? sp.lo : x;
  if (m > sp.hi) m = sp.hi;
  const u = m - sp.lo;
  const wb = BigInt(sp.bits - sp.segBits);
  const j = sp.segBits > 0 ? Number(u >> wb) : 0;
  const w = sp.segBits > 0 ? u - (BigInt(j) << wb) : u;
  return (sp.c[j] + sp.s[j] * w) >> BigInt(sp.shift);
}

const bitlen = (v: bigint) => (v === 0n ? 0 : v.toString(2).length);

/** Worst-case |out * 2^-fo - f(x * sIn)| over every integer x (exhaustive on [lo, hi], analytic outside). */
export function splineError(fn: SplineFn, sp: SplineTable, sIn: number, fo: number): { maxAbsError: number; exhaustive: boolean } {
  const n = Number(sp.hi - sp.lo) + 1;
  const step = Math.max(1, Math.ceil(n / (1 << 22)));
  const unit = 2 ** -fo;
  const lo = Number(sp.lo);
  const wBits = sp.bits - sp.segBits;
  const div = 2 ** sp.shift;
  // float64 is exact while every accumulator stays below 2^53 (the BigInt path otherwise)
  const big = sp.c.some((c, j) => (c < 0n ? -c : c) + (sp.s[j] < 0n ? -sp.s[j] : sp.s[j]) * (1n << BigInt(wBits)) >= 1n << 52n);
  const c = sp.c.map(Number);
  const sl = sp.s.map(Number);
  let err = 0;
  for (let u = 0; u < n; u += step) {
    let out: number;
    if (big) out = Number(splineInt(sp, sp.lo + BigInt(u)));
    else {
      const j = sp.segBits > 0 ? Math.floor(u / 2 ** wBits) : 0;
      out = Math.floor((c[j] + sl[j] * (u - j * 2 ** wBits)) / div);
    }
    err = Math.max(err, Math.abs(out * unit - fn.f((lo + u) * sIn)));
  }
  const vLo = Number(splineInt(sp, sp.lo)) * unit;
  const vHi = Number(splineInt(sp, sp.hi)) * unit;
  err = Math.max(err, Math.abs(fn.left - vLo), Math.abs(fn.f(Number(sp.lo) * sIn) - vLo), Math.abs(fn.right - vHi), Math.abs(fn.f(Number(sp.hi) * sIn) - vHi));
  return { maxAbsError: err, exhaustive: step === 1 };
}

/** Builds the integer table for input scale sIn; output value = out * 2^-fo. Smooth functions: the fewest segments (up to 2^8) whose error is <= target. */
export function quantizeSpline(fn: SplineFn, sIn: number, activationBits: number, rangeBits: number, target = 1e-3): { table: SplineTable; fo: number; maxAbsError: number; exhaustive: boolean } {
  // the input is a rangeBits-bit signed value: bounds beyond it are never reached (and would break the sign checks)
  const lim = 2 ** (rangeBits - 1);
  const L = Math.max(-lim, Math.round(fn.lo / sIn));
  let H = Math.min(lim - 1, Math.round(fn.hi / sIn));
  if (H <= L) H = L + 1;
  if (!Number.isSafeInteger(L) || !Number.isSafeInteger(H) || H - L > 2 ** 40) throw new Error(`spline ${fn.name}: input scale ${sIn} is too fine for its range`);
  const bits = Math.max(1, Math.ceil(Math.log2(H - L + 1)));
  const fmax = Math.max(Math.abs(fn.left), Math.abs(fn.right), Math.abs(fn.f(fn.lo)), Math.abs(fn.f(fn.hi)), 1e-9);
  const fo = Math.floor(Math.log2((2 ** (activationBits - 1) - 1) / fmax));
  const build = (segBits: number): SplineTable => {
    const wBits = bits - segBits;
    const W = 2 ** wBits;
    const shift = wBits + 6;
    const k = 2 ** (fo + shift);
    const half = 1n << BigInt(shift - 1);
    const c: bigint[] = [];
    const s: bigint[] = [];
    for (let j = 0; j < 2 ** segBits; j++) {
      const x0 = (L + j * W) * sIn;
      const x1 = (L + (j + 1) * W) * sIn;
      const f0 = fn.f(Math.min(x0, H * sIn));
      const f1 = fn.f(Math.min(x1, H * sIn));
      const width = Math.min(L + (j + 1) * W, H) - Math.min(L + j * W, H);
      c.push(BigInt(Math.round(f0 * k)) + half);
      s.push(width > 0 ? BigInt(Math.round(((f1 - f0) / width) * k)) : 0n);
    }
    let maxOut = 0n;
    const t: SplineTable = { lo: BigInt(L), hi: BigInt(H), bits, segBits, c, s, shift, outBits: 0 };
    for (let j = 0; j < c.length; j++)
      for (const w of [0n, BigInt(W - 1)]) {
        const v = (c[j] + s[j] * w) >> BigInt(shift);
        const a = v < 0n ? -v : v;
        if (a > maxOut) maxOut = a;
      }
    t.outBits = bitlen(maxOut) + 1;
    return t;
  };
  if (fn.linear) {
    const table = build(0);
    return { table, fo, ...splineError(fn, table, sIn, fo) };
  }
  let best: { table: SplineTable; maxAbsError: number; exhaustive: boolean } | null = null;
  for (let h = 3; h <= Math.min(8, bits); h++) {
    const table = build(h);
    const e = splineError(fn, table, sIn, fo);
    best = { table, ...e };
    if (e.maxAbsError <= target) break;
  }
  if (!best) {
    const table = build(0);
    best = { table, ...splineError(fn, table, sIn, fo) };
  }
  return { ...best, fo };
}
