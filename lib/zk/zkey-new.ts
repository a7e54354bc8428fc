/**
 * The initial Groth16 key of a ceremony from the R1CS and a prepared ptau alone (no secret), byte for byte the file
 * snarkjs `zkey new` writes (src/zkey_new.js is the reference; test/zk/zkey-new.test.ts compares the bytes). Every
 * A, B1, B2, C and IC point is a combination of the ptau's Lagrange points with the R1CS coefficients. snarkjs
 * multiplies each by its coefficient as a 254-bit scalar; the coefficients of our circuits are small signed integers
 * (quantized weights, +-1, powers of two), so here a coefficient v > r/2 becomes |v| = r - v on the negated base, and
 * each variable's multi-exponentiation runs with scalars of the fewest bytes that hold its largest |v| (ffjavascript's
 * wasm `multiexpAffine` on its worker threads takes the scalar size as a parameter). A 13-bit coefficient then costs
 * 16 doublings instead of 254. Variables with a large coefficient keep the full-size scalars.
 */
import fs from "node:fs";
import crypto from "node:crypto";
import { CeremonyError } from "./ceremony-error";
import { binSections, writeBinFile } from "./ptau";
import { getCurve } from "./setup";

const TAU_G1 = 0;
const TAU_G2 = 1;
const ALPHATAU_G1 = 2;
const BETATAU_G1 = 3;
/** Terms per thread task (snarkjs uses 2^15 as well). */
const CHUNK = 1 << 15;
/** A variable with this many terms (the constant one, in every rescale) is a threaded multi-exponentiation of its own. */
const HEAVY = 1024;

/**
 * [bases section, constraint row, byte offset of the coefficient in the r1cs constraints section or -1 for one,
 * index of the coefficient in the signed-small table].
 */
type Term = [number, number, number, number];

const limbs = (v: bigint) => Uint32Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(32 * i)) & 0xffffffffn));
/** a - b on 8 little-endian 32-bit limbs (a >= b), written at out[o..o+32). */
function subLimbs(a: Uint32Array, b: Buffer, bo: number, out: Uint8Array, o: number): void {
  let borrow = 0;
  const dv = new DataView(out.buffer, out.byteOffset);
  for (let i = 0; i < 8; i++) {
    let d = a[i] - b.readUInt32LE(bo + 4 * i) - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 0x100000000;
    dv.setUint32(o + 4 * i, d, true);
  }
}
const byteLen = (x: number) => (x >>> 24 ? 4 : x >>> 16 ? 3 : x >>> 8 ? 2 : 1);

const floorLog2 = (v: number) => 31 - Math.clz32(v);

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let done = 0;
  while (done < len) {
    const n = fs.readSync(fd, b, done, Math.min(len - done, 1 << 30), pos + done);
    if (n <= 0) throw new CeremonyError("NotAPtauFile", "file truncated");
    done += n;
  }
  return b;
}

/** Writes `zkey` from `r1cs` and `ptau`; returns the circuit hash (blake2b-512, hex) as snarkjs does. */
export async function newZkey(r1csFile: string, ptauFile: string, zkeyFile: string): Promise<string> {
  const curve = await getCurve();
  const { G1, G2, Fr } = curve;
  const t0 = Date.now();
  const mark = (what: string) => process.env.ZKEY_TRACE && console.log(`zkey-new ${what} ${(Date.now() - t0) / 1000}s`);
  const sG1 = 64;
  const sG2 = 128;
  const ps = binSections(ptauFile, "ptau");
  const rs = binSections(r1csFile, "r1cs");
  const pfd = fs.openSync(ptauFile, "r");
  const rfd = fs.openSync(r1csFile, "r");
  try {
    const ph = readAt(pfd, ps[1].p, ps[1].size);
    const power = ph.readUInt32LE(4 + ph.readUInt32LE(0));
    const rh = readAt(rfd, rs[1].p, rs[1].size);
    const n8r = rh.readUInt32LE(0);
    const prime = BigInt("0x" + Buffer.from(rh.subarray(4, 4 + n8r)).reverse().toString("hex"));
    let q = 4 + n8r;
    const [nVars, nOutputs, nPubInputs] = [rh.readUInt32LE(q), rh.readUInt32LE(q + 4), rh.readUInt32LE(q + 8)];
    const nConstraints = rh.readUInt32LE(q + 24);
    if (prime !== BigInt(curve.r.toString())) throw new CeremonyError("PtauTooSmall", `${r1csFile} is not over BN254, the ptau's curve`);
    const cirPower = floorLog2(nConstraints + nPubInputs + nOutputs) + 1;
    if (cirPower > power) throw new CeremonyError("PtauTooSmall", `circuit too big for this ptau: ${nConstraints} constraints need 2^${cirPower}, the ptau has 2^${power}`);
    if (!ps[12]) throw new CeremonyError("PtauTooSmall", `${ptauFile} is not prepared for phase 2 (no Lagrange sections)`);
    if (cirPower >= Fr.s) throw new CeremonyError("PtauTooSmall", "circuit too big for BN254's two-adic domain");
    const nPublic = nOutputs + nPubInputs;
    const domainSize = 2 ** cirPower;
    const hasher = crypto.createHash("blake2b512");
    const out: [number, Uint8Array[]][] = [];
    const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
    const section = (id: number, parts: Uint8Array[]) => out.push([id, parts]);
    const toU = (G: any, lem: Uint8Array) => G.batchLEMtoU(lem) as Promise<Uint8Array>;
    const hashU32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); hasher.update(b); };

    section(1, [u32(1)]);
    const le = (v: bigint, n: number) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) { b[i] = Number(v & 0xffn); v >>= 8n; } return b; };
    const alpha1 = readAt(pfd, ps[4].p, sG1);
    const beta1 = readAt(pfd, ps[5].p, sG1);
    const beta2 = readAt(pfd, ps[6].p, sG2);
    const g1 = Buffer.alloc(sG1);
    G1.toRprLEM(g1, 0, G1.g);
    const g2 = Buffer.alloc(sG2);
    G2.toRprLEM(g2, 0, G2.g);
    section(2, [u32(32), le(BigInt(curve.q.toString()), 32), u32(32), le(prime, 32), u32(nVars), u32(nPublic), u32(domainSize), alpha1, beta1, beta2, g2, g1, g2]);
    for (const [G, b] of [[G1, alpha1], [G1, beta1], [G2, beta2], [G2, g2], [G1, g1], [G2, g2]] as const) hasher.update(await toU(G, b));

    // The constraints: which Lagrange points (and coefficients) make each variable's points
    const cs = readAt(rfd, rs[2].p, rs[2].size);
    const A: (Term[] | undefined)[] = new Array(nVars);
    const B1: (Term[] | undefined)[] = new Array(nVars);
    const B2: (Term[] | undefined)[] = new Array(nVars);
    const C: (Term[] | undefined)[] = new Array(nVars - nPublic - 1);
    const IC: (Term[] | undefined)[] = new Array(nPublic + 1);
    const push = (arr: (Term[] | undefined)[], s: number, t: Term) => (arr[s] ??= []).push(t);
    const icOrC = (s: number, t: Term) => (s <= nPublic ? push(IC, s, t) : push(C, s - nPublic - 1, t));
    const coefs: [number, number, number, number][] = [];
    // Each coefficient once: |v| (r - v when v > r/2) in at most 8 bytes, its byte length and sign; 32 = large
    const nTerms = (() => { let n = 0, at = 0; for (let c = 0; c < nConstraints; c++) for (let m = 0; m < 3; m++) { const k = cs.readUInt32LE(at); n += k; at += 4 + k * (4 + n8r); } return n; })();
    const absBytes = new Uint8Array(nTerms * 32);
    const absLen = new Uint8Array(nTerms);
    const absNeg = new Uint8Array(nTerms);
    const rLimbs = limbs(prime);
    let nCoef = 0;
    const classify = (p: number): number => {
      const k = nCoef++;
      let hi = 0;
      for (let i = 8; i < 32; i += 4) hi |= cs.readUInt32LE(p + i);
      if (hi === 0) {
        absBytes.set(cs.subarray(p, p + 8), k * 32);
        const w1 = cs.readUInt32LE(p + 4);
        absLen[k] = w1 ? 4 + byteLen(w1) : byteLen(cs.readUInt32LE(p));
        return k;
      }
      subLimbs(rLimbs, cs, p, absBytes, k * 32);
      const dv = new DataView(absBytes.buffer, k * 32, 32);
      let dhi = 0;
      for (let i = 8; i < 32; i += 4) dhi |= dv.getUint32(i, true);
      if (dhi === 0) {
        absNeg[k] = 1;
        const w1 = dv.getUint32(4, true);
        absLen[k] = w1 ? 4 + byteLen(w1) : byteLen(dv.getUint32(0, true));
      } else {
        absBytes.set(cs.subarray(p, p + 32), k * 32);
        absLen[k] = 32;
      }
      return k;
    };
    let pos = 0;
    for (let c = 0; c < nConstraints; c++) {
      for (let m = 0; m < 3; m++) {
        const n = cs.readUInt32LE(pos);
        pos += 4;
        for (let i = 0; i < n; i++) {
          const s = cs.readUInt32LE(pos);
          const coefp = pos + 4;
          const k = classify(coefp);
          pos += 4 + n8r;
          if (m === 0) {
            push(A, s, [TAU_G1, c, coefp, k]);
            icOrC(s, [BETATAU_G1, c, coefp, k]);
            coefs.push([0, c, s, coefp]);
          } else if (m === 1) {
            push(B1, s, [TAU_G1, c, coefp, k]);
            push(B2, s, [TAU_G2, c, coefp, k]);
            icOrC(s, [ALPHATAU_G1, c, coefp, k]);
            coefs.push([1, c, s, coefp]);
          } else icOrC(s, [TAU_G1, c, coefp, k]);
        }
      }
    }
    for (let s = 0; s <= nPublic; s++) {
      push(A, s, [TAU_G1, nConstraints + s, -1, -1]);
      push(IC, s, [BETATAU_G1, nConstraints + s, -1, -1]);
      coefs.push([0, nConstraints + s, s, -1]);
    }
    // Section 4: the A and B coefficients, each as value * R^2 (snarkjs writes Fr.mul(v, R2) in standard form)
    const R2 = Fr.e((2n ** 512n) % prime);
    const s4 = Buffer.alloc(4 + coefs.length * (12 + n8r));
    s4.writeUInt32LE(coefs.length, 0);
    const one = Buffer.alloc(n8r);
    Fr.toRprLE(one, 0, Fr.e(1));
    const tmp = new Uint8Array(n8r);
    coefs.forEach(([m, c, s, p], i) => {
      const o = 4 + i * (12 + n8r);
      s4.writeUInt32LE(m, o);
      s4.writeUInt32LE(c, o + 4);
      s4.writeUInt32LE(s, o + 8);
      Fr.toRprLE(tmp, 0, Fr.mul(Fr.fromRprLE(p >= 0 ? cs : one, p >= 0 ? p : 0), R2));
      s4.set(tmp, o + 12);
    });
    section(4, [s4]);
    mark('section(4, [s4]);');

    const lag = (id: number, sG: number) => readAt(pfd, ps[id].p + (domainSize - 1) * sG, domainSize * sG);
    const bases = [lag(12, sG1), lag(13, sG2), lag(14, sG1), lag(15, sG1)];
    const qLimbs = limbs(BigInt(curve.q.toString()));

    /** The points of one section, each the combination of its variable's terms; also hashed as snarkjs does. */
    const compose = async (id: number, group: "G1" | "G2", arr: (Term[] | undefined)[]) => {
      const G = curve[group];
      const sG = group === "G1" ? sG1 : sG2;
      hashU32(arr.length);
      const tasks: Promise<Uint8Array>[] = [];
      for (let i = 0; i < arr.length;) {
        let n = 0;
        let nP = 0;
        const len = (k: number) => arr[k]?.length ?? 0;
        while (i + n < arr.length && n < CHUNK && (n === 0 || (nP + len(i + n) < CHUNK && len(i + n) < HEAVY && nP < HEAVY))) nP += len(i + n++);
        tasks.push(composeChunk(G, sG, arr.slice(i, i + n), nP));
        i += n;
      }
      const parts = await Promise.all(tasks);
      for (const p of parts) hasher.update(await toU(G, p));
      section(id, parts);
    };

    /**
     * One thread task: per variable, its bases (negated where the coefficient is negative) and |coefficients| in the
     * fewest bytes that hold the largest, or the original 32-byte coefficients if one is large.
     */
    const composeChunk = async (G: any, sG: number, vars: (Term[] | undefined)[], nTerms: number): Promise<Uint8Array> => {
      const bBases = new Uint8Array(nTerms * sG);
      const bScalars = new Uint8Array(nTerms * 32);
      const calls: { len: number; size: number }[] = [];
      let pB = 0;
      let pS = 0;
      for (const terms of vars) {
        if (!terms) { calls.push({ len: 0, size: 0 }); continue; }
        let size = 1;
        for (const t of terms) if (t[3] >= 0) size = Math.max(size, absLen[t[3]]);
        terms.forEach(([b, row, p, k], j) => {
          const at = pB + j * sG;
          bBases.set(bases[b].subarray(row * sG, row * sG + sG), at);
          if (k < 0) bScalars[pS + j * size] = 1;
          else if (size === 32) bScalars.set(cs.subarray(p, p + 32), pS + j * size);
          else {
            bScalars.set(absBytes.subarray(k * 32, k * 32 + size), pS + j * size);
            // -P in affine Montgomery form: each y coordinate c becomes q - c (zero stays zero)
            if (absNeg[k]) for (let y = at + sG / 2; y < at + sG; y += 32) if (bBases.subarray(y, y + 32).some((v) => v !== 0)) subLimbs(qLimbs, Buffer.from(bBases.buffer, bBases.byteOffset + y, 32), 0, bBases, y);
          }
        });
        calls.push({ len: terms.length, size });
        pB += terms.length * sG;
        pS += terms.length * size;
      }
      // A heavy variable: ffjavascript's multi-exponentiation, split over its threads
      if (vars.length === 1 && calls[0].len >= HEAVY) {
        const r = await G.multiExpAffine(bBases.subarray(0, pB), bScalars.subarray(0, pS), false, "");
        return G.toAffine(r) as Uint8Array;
      }
      const prefix = G === G1 ? "g1m" : "g2m";
      const sGmid = sG * 1.5;
      const task: unknown[] = [
        { cmd: "ALLOCSET", var: 0, buff: bBases.subarray(0, Math.max(pB, 1)) },
        { cmd: "ALLOCSET", var: 1, buff: bScalars.subarray(0, Math.max(pS, 1)) },
        { cmd: "ALLOC", var: 2, len: vars.length * sGmid },
      ];
      pB = 0;
      pS = 0;
      calls.forEach(({ len, size }, i) => {
        const dst = { var: 2, offset: i * sGmid };
        if (len === 0) task.push({ cmd: "CALL", fnName: `${prefix}_zero`, params: [dst] });
        else if (len === 1) task.push({ cmd: "CALL", fnName: `${prefix}_timesScalarAffine`, params: [{ var: 0, offset: pB }, { var: 1, offset: pS }, { val: size }, dst] });
        else task.push({ cmd: "CALL", fnName: `${prefix}_multiexpAffine`, params: [{ var: 0, offset: pB }, { var: 1, offset: pS }, { val: size }, { val: len }, dst] });
        pB += len * sG;
        pS += len * size;
      });
      task.push({ cmd: "CALL", fnName: `${prefix}_batchToAffine`, params: [{ var: 2 }, { val: vars.length }, { var: 2 }] });
      task.push({ cmd: "GET", out: 0, var: 2, len: vars.length * sG });
      const res = await curve.tm.queueAction(task);
      return res[0] as Uint8Array;
    };

    await compose(3, "G1", IC);
    mark('await compose(3, "G1", IC);');

    // H: the odd powers of the doubled domain's Lagrange points (section 12), as snarkjs writes them
    const twice = readAt(pfd, ps[12].p + (domainSize * 2 - 1) * sG1, domainSize * 2 * sG1);
    const h = Buffer.alloc(domainSize * sG1);
    for (let i = 0; i < domainSize; i++) twice.copy(h, i * sG1, (i * 2 + 1) * sG1, (i * 2 + 2) * sG1);
    section(9, [h]);
    mark('section(9, [h]);');

    // The circuit hash covers tau^(i + domainSize) - tau^i (section 2), in snarkjs's chunks of 2^14
    hashU32(domainSize - 1);
    const HCHUNK = 1 << 14;
    for (let i = 0; i < domainSize - 1; i += HCHUNK) {
      const n = Math.min(domainSize - 1, HCHUNK);
      const hi = readAt(pfd, ps[2].p + (i + domainSize) * sG1, n * sG1);
      const lo = readAt(pfd, ps[2].p + i * sG1, n * sG1);
      const half = Math.floor(n / curve.tm.concurrency);
      const jobs: Promise<Uint8Array[]>[] = [];
      for (let t = 0; t < curve.tm.concurrency; t++) {
        const m = t < curve.tm.concurrency - 1 ? half : n - t * half;
        if (m === 0) continue;
        const task: unknown[] = [
          { cmd: "ALLOCSET", var: 0, buff: hi.subarray(t * half * sG1, (t * half + m) * sG1) },
          { cmd: "ALLOCSET", var: 1, buff: lo.subarray(t * half * sG1, (t * half + m) * sG1) },
          { cmd: "ALLOC", var: 2, len: m * 96 },
        ];
        for (let k = 0; k < m; k++) task.push({ cmd: "CALL", fnName: "g1m_subAffine", params: [{ var: 0, offset: k * sG1 }, { var: 1, offset: k * sG1 }, { var: 2, offset: k * 96 }] });
        task.push({ cmd: "CALL", fnName: "g1m_batchToAffine", params: [{ var: 2 }, { val: m }, { var: 2 }] });
        task.push({ cmd: "CALL", fnName: "g1m_batchLEMtoU", params: [{ var: 2 }, { val: m }, { var: 2 }] });
        task.push({ cmd: "GET", out: 0, var: 2, len: m * sG1 });
        jobs.push(curve.tm.queueAction(task));
      }
      for (const r of await Promise.all(jobs)) hasher.update(r[0]);
    }

    mark("hashH");
    await compose(8, "G1", C);
    mark('await compose(8, "G1", C);');
    await compose(5, "G1", A);
    mark('await compose(5, "G1", A);');
    await compose(6, "G1", B1);
    mark('await compose(6, "G1", B1);');
    await compose(7, "G2", B2);
    mark('await compose(7, "G2", B2);');
    const csHash = hasher.digest();
    section(10, [csHash, u32(0)]);

    writeBinFile(zkeyFile, "zkey", out);
    return csHash.toString("hex");
  } finally {
    fs.closeSync(pfd);
    fs.closeSync(rfd);
  }
}
