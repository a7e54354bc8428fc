/**
 * Benchmark-only phase-1 file: a prepared snarkjs `.ptau` of 2^power made by ONE party that knows τ, α and β, with the
 * project's fixed-base threads (lib/zk/fixedBase.ts) instead of snarkjs's `powersoftau new` + `prepare phase2` (which
 * takes over an hour at 2^18 on this machine). It has no contributions section content and no proofs: it is only good
 * for timing phase 2 (key generation, contributions, transcript checks) at sizes snarkjs cannot prepare here in time.
 * Never use it for a real model.
 *
 * Layout as snarkjs writes it: 1 header; 2 τ^i·G1 (2^(p+1) − 1); 3 τ^i·G2, 4 ατ^i·G1, 5 βτ^i·G1 (2^p each); 6 β·G2;
 * 7 contributions (none); 12–15 the Lagrange bases of every level 0..p (12 also p + 1, whose last power is taken as
 * zero as prepare phase2 does): L_i(τ)·G1, ·G2, α·L_i(τ)·G1, β·L_i(τ)·G1.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { FixedBasePool } from "../lib/zk/fixedBase";
import { writeBinFile } from "../lib/zk/ptau";
import { getCurve, lagrangeAt, modpow } from "../lib/zk/setup";

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
};
const le = (v: bigint, n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return b;
};

export async function fastPtau(power: number, out: string): Promise<{ file: string; seconds: number }> {
  const t0 = Date.now();
  const curve = await getCurve();
  const Fr = curve.Fr;
  const r = BigInt(curve.r.toString());
  const q = BigInt(curve.q.toString());
  const rnd = () => BigInt("0x" + crypto.randomBytes(40).toString("hex")) % r;
  const [tau, alpha, beta] = [rnd(), rnd(), rnd()];
  const N = 2 ** power;
  const powers = (count: number) => {
    const p = new Array<bigint>(count);
    let cur = 1n;
    for (let i = 0; i < count; i++) { p[i] = cur; cur = (cur * tau) % r; }
    return p;
  };
  const pw = powers(2 * N - 1);
  const mul = (k: bigint, xs: bigint[]) => xs.map((x) => (x * k) % r);
  const levels: bigint[][] = [];
  for (let p = 0; p <= power + 1; p++) {
    const n = 2 ** p;
    const w = BigInt(Fr.toObject(Fr.w[p]).toString());
    let L = lagrangeAt(tau, n, w, 0, 1, n, r);
    if (p === power + 1) {
      // prepare phase2 takes the IFFT of τ^0..τ^(2N−2) and a zero: L_i(τ) − ω^i τ^(2N−1) / 2N
      const k = (modpow(tau, BigInt(n - 1), r) * modpow(BigInt(n), r - 2n, r)) % r;
      let wi = 1n;
      L = L.map((v) => { const o = (((v - wi * k) % r) + r) % r; wi = (wi * w) % r; return o; });
    }
    levels.push(L);
  }
  const flatUpTo = (maxP: number) => levels.slice(0, maxP + 1).flat();
  const g1 = new FixedBasePool("G1");
  const g2 = new FixedBasePool("G2");
  const lag = flatUpTo(power);
  const [s2, s3, s4, s5, s12, s13, s14, s15] = await Promise.all([
    g1.times(pw), g2.times(pw.slice(0, N)), g1.times(mul(alpha, pw.slice(0, N))), g1.times(mul(beta, pw.slice(0, N))),
    g1.times(flatUpTo(power + 1)), g2.times(lag), g1.times(mul(alpha, lag)), g1.times(mul(beta, lag)),
  ]).finally(() => Promise.all([g1.close(), g2.close()]));
  const betaG2 = new Uint8Array(curve.G2.F.n8 * 2);
  curve.G2.toRprLEM(betaG2, 0, curve.G2.timesScalar(curve.G2.g, beta));
  const sections: [number, Buffer][] = [
    [1, Buffer.concat([u32(32), le(q, 32), u32(power), u32(power)])],
    [2, s2], [3, s3], [4, s4], [5, s5], [6, Buffer.from(betaG2)], [7, u32(0)],
    [12, s12], [13, s13], [14, s14], [15, s15],
  ];
  fs.mkdirSync(path.dirname(out), { recursive: true });
  writeBinFile(out, "ptau", sections.map(([id, data]) => [id, [data]]));
  return { file: out, seconds: (Date.now() - t0) / 1000 };
}
