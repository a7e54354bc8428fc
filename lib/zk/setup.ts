/**
 * Groth16 setups written as snarkjs-compatible .zkey files.
 *
 * Development setup (single party, NOT for production): one process draws tau, alpha, beta, gamma, delta, evaluates
 * the Lagrange basis at tau with O(n) field operations, the QAP polynomials of every variable at tau from the
 * R1CS, and turns each value into a curve point by a fixed-base scalar multiplication of the generator
 * (lib/zk/fixedBase.ts: byte tables in ffjavascript's wasm, one worker thread per core). No powers of tau, no FFT
 * over curve points. The toxic values live in memory only
 * and are dropped at the end, but whoever ran it could forge proofs: models set up this way are flagged `dev`.
 *
 * The file follows snarkjs' zkey_new.js: A/B1/B2/C/H sections, the extra A constraints of the public signals,
 * coefficients stored as c*R^2 mod r, and H points L^{2n}_{2j+1}(tau)/delta (snarkjs evaluates the quotient on the
 * odd points of the doubled domain).
 *
 * Production keys come from a ceremony instead (lib/zk/ceremony.ts): phase 1 from a public prepared ptau, phase 2 with
 * named contributors.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sharedFixedBasePool } from "./fixedBase";
import { readR1cs } from "./r1cs";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { buildBn128 } = require("ffjavascript");

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The bn128 curve with its worker threads. ffjavascript keeps one per process in globalThis.curve_bn128 and builds a
 * new one after someone terminates it (snarkjs scripts and the tests do), so it is never cached here.
 */
export const getCurve = (): Promise<any> => buildBn128();

export interface SetupResult {
  zkey: string;
  method: "dev";
  seconds: number;
  domainSize: number;
  nVars: number;
  nPublic: number;
}

export const modpow = (b: bigint, e: bigint, m: bigint) => {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
};

function batchInverse(xs: bigint[], r: bigint): bigint[] {
  const pref = new Array<bigint>(xs.length);
  let acc = 1n;
  for (let i = 0; i < xs.length; i++) {
    pref[i] = acc;
    acc = (acc * xs[i]) % r;
  }
  let inv = modpow(acc, r - 2n, r);
  const out = new Array<bigint>(xs.length);
  for (let i = xs.length - 1; i >= 0; i--) {
    out[i] = (inv * pref[i]) % r;
    inv = (inv * xs[i]) % r;
  }
  return out;
}

const randomScalar = (r: bigint) => {
  for (;;) {
    const v = BigInt("0x" + crypto.randomBytes(40).toString("hex")) % r;
    if (v > 1n) return v;
  }
};

/**
 * L_i(tau) for the points i = start, start + step, ... (count of them) of the domain of size m with generator w:
 * w^i (tau^m - 1) / (m (tau - w^i)). The powers w^i are built by repeated multiplication (one product per point,
 * not one exponentiation).
 */
export function lagrangeAt(tau: bigint, m: number, w: bigint, start: number, step: number, count: number, r: bigint): bigint[] {
  const z = (modpow(tau, BigInt(m), r) - 1n + r) % r;
  const wi = new Array<bigint>(count);
  const ws = modpow(w, BigInt(step), r);
  let cur = modpow(w, BigInt(start), r);
  for (let k = 0; k < count; k++) {
    wi[k] = cur;
    cur = (cur * ws) % r;
  }
  const inv = batchInverse(wi.map((x) => ((BigInt(m) * ((tau - x + r) % r)) % r)), r);
  return wi.map((x, k) => (((x * z) % r) * inv[k]) % r);
}

const le = (v: bigint, n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return b;
};

function pointLEM(curve: any, group: "G1" | "G2", s: bigint): Buffer {
  const G = curve[group];
  const out = new Uint8Array(G.F.n8 * 2);
  G.toRprLEM(out, 0, G.timesScalar(G.g, s));
  return Buffer.from(out);
}

function binFile(type: string, sections: [number, Buffer][]): Buffer {
  const head = Buffer.alloc(12);
  head.write(type, 0, "latin1");
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(sections.length, 8);
  const parts: Buffer[] = [head];
  for (const [id, data] of sections) {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(id, 0);
    h.writeBigUInt64LE(BigInt(data.length), 4);
    parts.push(h, data);
  }
  return Buffer.concat(parts);
}

/** The trapdoor of a development setup. Whoever knows it can prove anything; only test code ever passes one in. */
export interface DevTrapdoor {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
  gamma: bigint;
  delta: bigint;
}

/**
 * Fast single-party development setup: writes `zkeyPath` for `r1csPath`. `trapdoor` fixes the secret scalars (test
 * code that shows what the party that ran the setup can do); by default they are drawn and dropped.
 */
export async function devSetup(r1csPath: string, zkeyPath: string, trapdoor?: DevTrapdoor): Promise<SetupResult> {
  const t0 = Date.now();
  const curve = await getCurve();
  const Fr = curve.Fr;
  const cs = readR1cs(r1csPath);
  const r: bigint = cs.prime;
  if (r !== BigInt(curve.r.toString())) throw new Error(`${r1csPath}: r1cs is not over BN254`);
  const nPublic = cs.nOutputs + cs.nPubInputs;
  const power = Math.floor(Math.log2(cs.nConstraints + nPublic)) + 1;
  const n = 2 ** power;
  if (power + 1 > Fr.s) throw new Error("circuit too big for BN254's two-adic domain");
  const w = BigInt(Fr.toObject(Fr.w[power]).toString());
  const w2 = BigInt(Fr.toObject(Fr.w[power + 1]).toString());

  const [tau, alpha, beta, gamma, delta] = trapdoor
    ? [trapdoor.tau, trapdoor.alpha, trapdoor.beta, trapdoor.gamma, trapdoor.delta]
    : [0, 0, 0, 0, 0].map(() => randomScalar(r));
  const L = lagrangeAt(tau, n, w, 0, 1, n, r);
  const [gammaInv, deltaInv] = batchInverse([gamma, delta], r);

  const a = new Array<bigint>(cs.nVars).fill(0n);
  const b = new Array<bigint>(cs.nVars).fill(0n);
  const c = new Array<bigint>(cs.nVars).fill(0n);
  const R = (1n << BigInt(Fr.n8 * 8)) % r;
  const R2 = (R * R) % r;
  const coefs: Buffer[] = [];
  const coef = (m: number, ci: number, s: number, v: bigint) => {
    const e = Buffer.alloc(12);
    e.writeUInt32LE(m, 0);
    e.writeUInt32LE(ci, 4);
    e.writeUInt32LE(s, 8);
    coefs.push(e, le((v * R2) % r, Fr.n8));
  };
  cs.constraints.forEach(([A, B, C], ci) => {
    for (const t of A) { a[t.wire] = (a[t.wire] + t.coef * L[ci]) % r; coef(0, ci, t.wire, t.coef); }
    for (const t of B) { b[t.wire] = (b[t.wire] + t.coef * L[ci]) % r; coef(1, ci, t.wire, t.coef); }
    for (const t of C) c[t.wire] = (c[t.wire] + t.coef * L[ci]) % r;
  });
  for (let s = 0; s <= nPublic; s++) {
    a[s] = (a[s] + L[cs.nConstraints + s]) % r;
    coef(0, cs.nConstraints + s, s, 1n);
  }
  const lin = (s: number) => (beta * a[s] + alpha * b[s] + c[s]) % r;
  const ic = Array.from({ length: nPublic + 1 }, (_, s) => (lin(s) * gammaInv) % r);
  const cq = Array.from({ length: cs.nVars - nPublic - 1 }, (_, k) => (lin(k + nPublic + 1) * deltaInv) % r);
  const hq = lagrangeAt(tau, 2 * n, w2, 1, 2, n, r).map((v) => (v * deltaInv) % r);

  const tField = Date.now();
  const [g1, g2] = [sharedFixedBasePool("G1"), sharedFixedBasePool("G2")];
  const [pIC, pA, pB1, pC, pH, pB2] = await Promise.all([g1.times(ic), g1.times(a), g1.times(b), g1.times(cq), g1.times(hq), g2.times(b)]);

  if (process.env.ZK_SETUP_DEBUG) console.log(`devSetup: field ${(tField - t0) / 1000}s, points ${(Date.now() - tField) / 1000}s`);
  const q: bigint = BigInt(curve.q.toString());
  const header = Buffer.concat([
    u32(Fr.n8), le(q, Fr.n8), u32(Fr.n8), le(r, Fr.n8), u32(cs.nVars), u32(nPublic), u32(n),
    pointLEM(curve, "G1", alpha), pointLEM(curve, "G1", beta), pointLEM(curve, "G2", beta),
    pointLEM(curve, "G2", gamma), pointLEM(curve, "G1", delta), pointLEM(curve, "G2", delta),
  ]);
  const nCoefs = coefs.length / 2;
  const file = binFile("zkey", [
    [1, u32(1)],
    [2, header],
    [3, pIC],
    [4, Buffer.concat([u32(nCoefs), ...coefs])],
    [5, pA],
    [6, pB1],
    [7, pB2],
    [8, pC],
    [9, pH],
    [10, Buffer.concat([Buffer.alloc(64), u32(0)])],
  ]);
  fs.mkdirSync(path.dirname(zkeyPath), { recursive: true });
  fs.writeFileSync(zkeyPath, file);
  return { zkey: zkeyPath, method: "dev", seconds: (Date.now() - t0) / 1000, domainSize: n, nVars: cs.nVars, nPublic };
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}
