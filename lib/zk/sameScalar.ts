/**
 * Many BN254 G1 points times ONE scalar, the work of a phase-2 contribution (snarkjs multiplies every L and H point by
 * 1/delta with a generic multiplication per point, ffjavascript `batchApplyKey`). Here the scalar is prepared once:
 * split by the GLV endomorphism (x, y) -> (BETA x, y) = LAMBDA (x, y) into k1 + k2 LAMBDA with |k1|, |k2| < 2^128, each
 * half written in width-5 NAF, and turned into one schedule of doublings and table additions that every point walks
 * together in lib/zk/sameScalarWorker.js (batch-affine WebAssembly, one thread per core).
 */
import os from "node:os";
import path from "node:path";
import { PointWorkerPool } from "./workerPool";

export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export const LAMBDA = 4407920970296243842393367215006156084916469457145843978461n;
const WINDOW = 5;
const CHUNK = 8192;
const SP = 64;

const mod = (a: bigint, m = R) => ((a % m) + m) % m;
/** Nearest integer to a / b (b > 0). */
const roundDiv = (a: bigint, b: bigint) => (a >= 0n ? (2n * a + b) / (2n * b) : -((2n * -a + b) / (2n * b)));

/** A scalar whose schedule would meet an exceptional affine step; another scalar is drawn. */
export class ExceptionalSchedule extends Error {}

/** Short basis of the lattice {(a, b) : a + b LAMBDA = 0 mod R} (extended Euclid, Guide to ECC algorithm 3.74). */
function glvBasis(): [[bigint, bigint], [bigint, bigint]] {
  const sqrtR = (() => { let x = 1n << 127n; for (let i = 0; i < 200; i++) x = (x + R / x) / 2n; return x; })();
  let [r0, r1] = [R, LAMBDA];
  let [t0, t1] = [0n, 1n];
  const rs: bigint[] = [r0, r1];
  const ts: bigint[] = [t0, t1];
  while (r1 !== 0n) {
    const qt = r0 / r1;
    [r0, r1] = [r1, r0 - qt * r1];
    [t0, t1] = [t1, t0 - qt * t1];
    rs.push(r1);
    ts.push(t1);
  }
  const l = rs.findIndex((v) => v < sqrtR) - 1; // r_l >= sqrt(R) > r_{l+1}
  const v1: [bigint, bigint] = [rs[l + 1], -ts[l + 1]];
  const c1: [bigint, bigint] = [rs[l], -ts[l]];
  const c2: [bigint, bigint] = [rs[l + 2], -ts[l + 2]];
  const norm = (v: [bigint, bigint]) => v[0] * v[0] + v[1] * v[1];
  return [v1, norm(c1) <= norm(c2) ? c1 : c2];
}
const BASIS = glvBasis();

/** k = k1 + k2 LAMBDA (mod R) with small signed halves. */
export function glvSplit(k: bigint): [bigint, bigint] {
  const [[a1, b1], [a2, b2]] = BASIS;
  const det = a1 * b2 - a2 * b1;
  const c1 = roundDiv(b2 * k, det);
  const c2 = roundDiv(-b1 * k, det);
  const k1 = k - c1 * a1 - c2 * a2;
  const k2 = -c1 * b1 - c2 * b2;
  if (mod(k1 + k2 * LAMBDA) !== mod(k)) throw new Error("GLV split failed");
  return [k1, k2];
}

/** Width-w NAF digits of k >= 0, least significant first (odd digits below 2^(w-1) in magnitude, w-1 zeros after each). */
export function wnaf(k: bigint, w = WINDOW): number[] {
  const out: number[] = [];
  const full = 1n << BigInt(w);
  while (k > 0n) {
    if (k & 1n) {
      let d = k & (full - 1n);
      if (d >= full >> 1n) d -= full;
      out.push(Number(d));
      k -= d;
    } else out.push(0);
    k >>= 1n;
  }
  return out;
}

/**
 * The schedule of k: pairs [op, arg], op 0 = double arg times, 1/2 = add digit arg of table 1 (P) / 2 (LAMBDA P),
 * 3/4 = start from that digit. Throws if an affine step could meet an exceptional case (an addition of a point to
 * itself or its negative, or the point at infinity): the multiple held at each step is tracked mod R. The caller
 * then draws another scalar (a contribution's delta is random).
 */
export function schedule(k: bigint): Int32Array {
  k = mod(k);
  if (k === 0n) throw new ExceptionalSchedule("zero scalar");
  const [k1, k2] = glvSplit(k);
  const n1 = wnaf(k1 < 0n ? -k1 : k1);
  const n2 = wnaf(k2 < 0n ? -k2 : k2);
  const s1 = k1 < 0n ? -1 : 1;
  const s2 = k2 < 0n ? -1 : 1;
  const steps: number[] = [];
  let started = false;
  let pendingDoubles = 0;
  let acc = 0n; // the multiple of P held, mod R
  const bad = (t: bigint) => acc === 0n || acc === mod(t) || acc === mod(-t);
  for (let i = Math.max(n1.length, n2.length) - 1; i >= 0; i--) {
    if (started) {
      pendingDoubles++;
      acc = mod(2n * acc);
      if (acc === 0n) throw new ExceptionalSchedule("exceptional schedule");
    }
    for (const [digits, sign, table] of [[n1, s1, 1], [n2, s2, 2]] as const) {
      const d = (digits[i] ?? 0) * sign;
      if (d === 0) continue;
      const t = mod(BigInt(d) * (table === 1 ? 1n : LAMBDA));
      if (pendingDoubles) { steps.push(0, pendingDoubles); pendingDoubles = 0; }
      if (!started) { steps.push(table + 2, d); acc = t; started = true; continue; }
      if (bad(t)) throw new ExceptionalSchedule("exceptional schedule");
      steps.push(table, d);
      acc = mod(acc + t);
    }
  }
  if (pendingDoubles) steps.push(0, pendingDoubles);
  if (acc !== k) throw new Error("schedule does not compute the scalar");
  return Int32Array.from(steps);
}

/** Threads that multiply G1 points (affine LEM, the .zkey encoding) by the scalar of `steps`; `close` ends them. */
export class SameScalarPool {
  private readonly pool: PointWorkerPool;

  constructor(scalar: bigint, threads = Math.max(1, os.cpus().length)) {
    this.pool = new PointWorkerPool("same-scalar worker", path.join(__dirname, "sameScalarWorker.js"), { steps: schedule(scalar) }, threads);
  }

  /** Every point of `points` (64-byte affine LEM points back to back) times the scalar, same encoding. */
  async times(points: Uint8Array): Promise<Buffer> {
    if (points.length % SP !== 0) throw new RangeError("not a whole number of G1 points");
    return this.pool.chunked("points", points, CHUNK * SP);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
