/**
 * Worker thread of lib/zk/sameScalar.ts: multiplies many BN254 G1 points by ONE scalar, the work of a phase-2
 * contribution (every L and H point times 1/delta). The scalar arrives as a schedule precomputed once on the main thread
 * (GLV split k = k1 + k2*lambda, both halves in width-5 NAF): about 127 doublings and 43 additions per point instead of
 * the 254 doublings and 127 additions of a generic multiplication. All points of a chunk walk the schedule together in
 * affine coordinates, so every doubling or addition of the chunk shares one field inversion (Montgomery's trick): the
 * loops below are WebAssembly functions added to ffjavascript's BN254 module (wasmcurves + wasmbuilder, as in
 * fixedBaseWorker.js).
 *
 * workerData: { steps: Int32Array } (see sameScalar.ts: [op, digit] pairs). Message in: { id, points: Uint8Array of
 * affine Montgomery (LEM) points, the .zkey encoding }; out: { id, points } the products, same encoding (the point at
 * infinity, all zero bytes, stays zero).
 */
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { ModuleBuilder } = require("wasmbuilder");
const { buildBn128 } = require("wasmcurves");

const N8 = 32;
const SP = 2 * N8; // one affine point
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Cube root of unity in Fq with (x, y) -> (BETA x, y) = LAMBDA (x, y) on G1 (LAMBDA in sameScalar.ts). */
const BETA = 2203960485148121921418603742825762020974279258880205651966n;
/** Table of odd multiples 1, 3, ..., 2*TABLE - 1 of each point (width-5 NAF digits). */
const TABLE = 8;

const le = (v) => {
  const b = new Uint8Array(N8);
  for (let i = 0; i < N8; i++) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return b;
};

const builder = new ModuleBuilder();
builder.setMemory(25);
buildBn128(builder);
const pBeta = builder.alloc(le((BETA << 256n) % Q)); // Montgomery form
const tmp = () => builder.alloc(N8);
const [D, INV, T, LAM, X3, Y3] = [tmp(), tmp(), tmp(), tmp(), tmp(), tmp()];

/**
 * vo_batchAdd(pAcc, pT, n, neg, pAux): acc[i] += (neg ? -t[i] : t[i]); vo_batchDouble(pAcc, n, pAux): acc[i] *= 2.
 * Affine, one inversion for the whole batch; pAux holds n field elements of scratch. The caller guarantees no
 * exceptional case (acc[i] != +-t[i], no infinity): sameScalar.ts checks the schedule's multiples.
 */
function buildBatch(name, isAdd) {
  const f = builder.addFunction(name);
  f.addParam("pAcc", "i32");
  if (isAdd) f.addParam("pT", "i32");
  f.addParam("n", "i32");
  if (isAdd) f.addParam("neg", "i32");
  f.addParam("pAux", "i32");
  f.addLocal("i", "i32");
  f.addLocal("a", "i32");
  f.addLocal("t", "i32");
  const c = f.getCodeBuilder();
  const acc = () => c.i32_add(c.getLocal("pAcc"), c.i32_mul(c.getLocal("i"), c.i32_const(SP)));
  const accY = () => c.i32_add(acc(), c.i32_const(N8));
  const tp = () => c.i32_add(c.getLocal("pT"), c.i32_mul(c.getLocal("i"), c.i32_const(SP)));
  const tpY = () => c.i32_add(tp(), c.i32_const(N8));
  const aux = (d) => c.i32_add(c.getLocal("pAux"), c.i32_mul(c.i32_sub(c.getLocal("i"), c.i32_const(d)), c.i32_const(N8)));
  // D = denominator of point i: x_t - x_acc (add) or 2 y_acc (double)
  const denom = () => (isAdd ? c.call("f1m_sub", tp(), acc(), c.i32_const(D)) : c.call("f1m_add", accY(), accY(), c.i32_const(D)));
  f.addCode(
    c.setLocal("i", c.i32_const(0)),
    c.block(c.loop(
      c.br_if(1, c.i32_eq(c.getLocal("i"), c.getLocal("n"))),
      denom(),
      c.if(
        c.i32_eqz(c.getLocal("i")),
        c.call("int_copy", c.i32_const(D), aux(0)),
        c.call("f1m_mul", aux(1), c.i32_const(D), aux(0)),
      ),
      c.setLocal("i", c.i32_add(c.getLocal("i"), c.i32_const(1))),
      c.br(0),
    )),
    c.setLocal("i", c.i32_sub(c.getLocal("n"), c.i32_const(1))),
    c.call("f1m_inverse", aux(0), c.i32_const(INV)),
    c.block(c.loop(
      c.br_if(1, c.i32_lt_s(c.getLocal("i"), c.i32_const(0))),
      denom(),
      c.if(
        c.i32_eqz(c.getLocal("i")),
        c.call("int_copy", c.i32_const(INV), c.i32_const(T)),
        [
          ...c.call("f1m_mul", c.i32_const(INV), aux(1), c.i32_const(T)),
          ...c.call("f1m_mul", c.i32_const(INV), c.i32_const(D), c.i32_const(INV)),
        ],
      ),
      // LAM = numerator * T
      ...(isAdd
        ? [
          c.if(
            c.getLocal("neg"),
            [...c.call("f1m_add", tpY(), accY(), c.i32_const(LAM)), ...c.call("f1m_neg", c.i32_const(LAM), c.i32_const(LAM))],
            c.call("f1m_sub", tpY(), accY(), c.i32_const(LAM)),
          ),
        ]
        : [
          c.call("f1m_square", acc(), c.i32_const(X3)),
          c.call("f1m_add", c.i32_const(X3), c.i32_const(X3), c.i32_const(LAM)),
          c.call("f1m_add", c.i32_const(X3), c.i32_const(LAM), c.i32_const(LAM)),
        ]),
      c.call("f1m_mul", c.i32_const(LAM), c.i32_const(T), c.i32_const(LAM)),
      // X3 = LAM^2 - x_acc - (x_t | x_acc)
      c.call("f1m_square", c.i32_const(LAM), c.i32_const(X3)),
      c.call("f1m_sub", c.i32_const(X3), acc(), c.i32_const(X3)),
      c.call("f1m_sub", c.i32_const(X3), isAdd ? tp() : acc(), c.i32_const(X3)),
      // Y3 = LAM (x_acc - X3) - y_acc
      c.call("f1m_sub", acc(), c.i32_const(X3), c.i32_const(Y3)),
      c.call("f1m_mul", c.i32_const(LAM), c.i32_const(Y3), c.i32_const(Y3)),
      c.call("f1m_sub", c.i32_const(Y3), accY(), accY()),
      c.call("int_copy", c.i32_const(X3), acc()),
      c.setLocal("i", c.i32_sub(c.getLocal("i"), c.i32_const(1))),
      c.br(0),
    )),
  );
  builder.exportFunction(name);
}

/**
 * vo_batchPhi(pSrc, pDst, n, 0): dst[i] = (BETA x, y) = LAMBDA * src[i];
 * vo_batchCopy(pSrc, pDst, n, neg): dst[i] = neg ? -src[i] : src[i].
 */
function buildPointwise(name, phi) {
  const f = builder.addFunction(name);
  f.addParam("pSrc", "i32");
  f.addParam("pDst", "i32");
  f.addParam("n", "i32");
  f.addParam("neg", "i32");
  f.addLocal("i", "i32");
  const c = f.getCodeBuilder();
  const at = (p, off = 0) => c.i32_add(c.getLocal(p), c.i32_add(c.i32_mul(c.getLocal("i"), c.i32_const(SP)), c.i32_const(off)));
  f.addCode(
    c.setLocal("i", c.i32_const(0)),
    c.block(c.loop(
      c.br_if(1, c.i32_eq(c.getLocal("i"), c.getLocal("n"))),
      phi ? c.call("f1m_mul", at("pSrc"), c.i32_const(pBeta), at("pDst")) : c.call("int_copy", at("pSrc"), at("pDst")),
      c.if(c.getLocal("neg"), c.call("f1m_neg", at("pSrc", N8), at("pDst", N8)), c.call("int_copy", at("pSrc", N8), at("pDst", N8))),
      c.setLocal("i", c.i32_add(c.getLocal("i"), c.i32_const(1))),
      c.br(0),
    )),
  );
  builder.exportFunction(name);
}

buildBatch("vo_batchAdd", true);
buildBatch("vo_batchDouble", false);
buildPointwise("vo_batchPhi", true);
buildPointwise("vo_batchCopy", false);

const memory = new WebAssembly.Memory({ initial: 25 });
const x = new WebAssembly.Instance(new WebAssembly.Module(builder.build()), { env: { memory } }).exports;
const gen = new Uint8Array(memory.buffer).slice(builder.modules.bn128.pG1gen, builder.modules.bn128.pG1gen + SP); // Jacobian x, y (z = 1)

let free = (new Uint32Array(memory.buffer, 0, 1)[0] + 63) & ~63;
function alloc(bytes) {
  const p = free;
  free += (bytes + 63) & ~63;
  const need = Math.ceil(free / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) memory.grow(need);
  new Uint32Array(memory.buffer, 0, 1)[0] = free;
  return p;
}

const steps = workerData.steps;
let cap = 0;
let pAcc = 0, pTwo = 0, pAux = 0, pT1 = 0, pT2 = 0;
parentPort.on("message", ({ id, points }) => {
  const n = points.length / SP;
  if (n > cap) {
    cap = n;
    pAcc = alloc(cap * SP);
    pTwo = alloc(cap * SP);
    pAux = alloc(cap * N8);
    pT1 = alloc(TABLE * cap * SP);
    pT2 = alloc(TABLE * cap * SP);
  }
  let u8 = new Uint8Array(memory.buffer);
  // The point at infinity (all zero) is replaced by the generator for the arithmetic and written back as zero.
  const zeros = [];
  for (let i = 0; i < n; i++) {
    let z = true;
    for (let j = i * SP; j < (i + 1) * SP; j++) if (points[j] !== 0) { z = false; break; }
    if (z) zeros.push(i);
  }
  u8.set(points, pT1);
  for (const i of zeros) u8.set(gen, pT1 + i * SP);
  // Tables: T1[j] = (2j+1) P, T2[j] = LAMBDA T1[j]
  x.vo_batchCopy(pT1, pTwo, n, 0);
  x.vo_batchDouble(pTwo, n, pAux);
  for (let j = 1; j < TABLE; j++) {
    x.vo_batchCopy(pT1 + (j - 1) * n * SP, pT1 + j * n * SP, n, 0);
    x.vo_batchAdd(pT1 + j * n * SP, pTwo, n, 0, pAux);
  }
  x.vo_batchPhi(pT1, pT2, TABLE * n, 0);
  const entry = (op, d) => (op === 1 || op === 3 ? pT1 : pT2) + ((Math.abs(d) - 1) >> 1) * n * SP;
  for (let s = 0; s < steps.length; s += 2) {
    const op = steps[s];
    const d = steps[s + 1];
    if (op === 0) for (let k = 0; k < d; k++) x.vo_batchDouble(pAcc, n, pAux);
    else if (op === 1 || op === 2) x.vo_batchAdd(pAcc, entry(op, d), n, d < 0 ? 1 : 0, pAux);
    else x.vo_batchCopy(entry(op, d), pAcc, n, d < 0 ? 1 : 0);
  }
  u8 = new Uint8Array(memory.buffer);
  const out = u8.slice(pAcc, pAcc + n * SP);
  for (const i of zeros) out.fill(0, i * SP, (i + 1) * SP);
  parentPort.postMessage({ id, points: out }, [out.buffer]);
});
