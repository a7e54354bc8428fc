/**
 * Seeded deterministic random generator: xoshiro128** (Blackman & Vigna) on 32-bit integer arithmetic, seeded by
 * splitmix32 from a numeric or string seed. Everything here is integer math (Math.imul, shifts) plus, for gaussians,
 * Math.log / Math.sqrt / Math.cos, which V8 implements with its own fdlibm port, so a given seed produces
 * bit-identical streams in every process running the same Node.js build.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareGaussian: number | null = null;

  constructor(seed: number | string) {
    let x = typeof seed === "number" ? seedFromNumber(seed) : seedFromString(seed);
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`Rng.int: bad bound ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }

  /** Standard normal sample (Box–Muller, both values used). */
  gaussian(): number {
    if (this.spareGaussian !== null) {
      const s = this.spareGaussian;
      this.spareGaussian = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spareGaussian = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Laplace(0, scale) sample by inverse CDF. */
  laplace(scale: number): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    u -= 0.5; // (-0.5, 0.5)
    return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }

  /** Fisher–Yates shuffle of [0, n). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function seedFromNumber(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`);
  // fold the high bits in so seeds above 2^32 stay distinct
  return (seed ^ Math.floor(seed / 0x100000000)) | 0;
}

function seedFromString(seed: string): number {
  // FNV-1a over UTF-16 code units
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h | 0;
}
