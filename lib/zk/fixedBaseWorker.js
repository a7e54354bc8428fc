/**
 * Worker thread of lib/zk/fixedBase.ts: multiplies the generator of G1 or G2 by many scalars with a table of the
 * generator at every byte position and byte value, T[j][v] = v * 2^(8j) * g (32 x 255 affine points), so that each
 * product is at most 32 mixed additions in ffjavascript's BN254 WebAssembly (the same module snarkjs runs, built
 * here from wasmcurves and wasmbuilder, direct dependencies pinned to the versions ffjavascript 0.3.1 uses).
 *
 * workerData: { group: "G1" | "G2" }. Message in: { id, scalars: Uint8Array (32-byte little-endian, standard form) };
 * out: { id, points: Uint8Array } of affine Montgomery (LEM) points, the encoding of a .zkey file.
 */
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { ModuleBuilder } = require("wasmbuilder");
const { buildBn128 } = require("wasmcurves");

const N8 = 32;
const builder = new ModuleBuilder();
builder.setMemory(25);
buildBn128(builder);
const code = builder.build();
const bn = builder.modules.bn128;
const g2 = workerData.group === "G2";
const prefix = g2 ? "g2m" : "g1m";
const nF = g2 ? 2 * N8 : N8; // one coordinate
const sAff = 2 * nF;
const sJac = 3 * nF;
const pGen = g2 ? bn.pG2gen : bn.pG1gen;

const memory = new WebAssembly.Memory({ initial: 25 });
const instance = new WebAssembly.Instance(new WebAssembly.Module(code), { env: { memory } });
const x = instance.exports;
const zero = x[`${prefix}_zero`];
const add = x[`${prefix}_add`];
const addMixed = x[`${prefix}_addMixed`];
const double = x[`${prefix}_double`];
const copy = x[`${prefix}_copy`];
const batchToAffine = x[`${prefix}_batchToAffine`];

let free = (new Uint32Array(memory.buffer, 0, 1)[0] + 63) & ~63;
/** Reserves `bytes`, and `scratch` more above the free pointer at address 0 (the batch functions' scratch space). */
function alloc(bytes, scratch = 1 << 20) {
  const p = free;
  free += (bytes + 63) & ~63;
  const need = Math.ceil((free + scratch) / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) memory.grow(need);
  new Uint32Array(memory.buffer, 0, 1)[0] = free;
  return p;
}

// The table, built as Jacobian points and converted in one batch: T[j][0] is unused (a zero byte adds nothing).
const TABLE = 32 * 256;
const pTable = alloc(TABLE * sJac); // Jacobian, then unused
const pBase = alloc(sJac);
copy(pGen, pBase);
for (let j = 0; j < 32; j++) {
  const row = pTable + j * 256 * sJac;
  zero(row);
  copy(pBase, row + sJac);
  for (let v = 2; v < 256; v++) add(row + (v - 1) * sJac, pBase, row + v * sJac);
  for (let k = 0; k < 8; k++) double(pBase, pBase);
}
const pJac = pTable;
const pAffTable = alloc(TABLE * sAff);
batchToAffine(pJac, TABLE, pAffTable);

let cap = 0;
let pScalars = 0;
let pOut = 0;
let pAff = 0;
parentPort.on("message", ({ id, scalars }) => {
  const count = scalars.length / N8;
  if (count > cap) {
    cap = count;
    pScalars = alloc(cap * N8);
    pOut = alloc(cap * sJac);
    pAff = alloc(cap * sAff, 2 * cap * sJac);
  }
  const u8 = new Uint8Array(memory.buffer);
  u8.set(scalars, pScalars);
  for (let k = 0; k < count; k++) {
    const acc = pOut + k * sJac;
    zero(acc);
    const s = pScalars + k * N8;
    for (let j = 0; j < N8; j++) {
      const b = u8[s + j];
      if (b !== 0) addMixed(acc, pAffTable + ((j << 8) | b) * sAff, acc);
    }
  }
  batchToAffine(pOut, count, pAff);
  const points = new Uint8Array(memory.buffer).slice(pAff, pAff + count * sAff);
  parentPort.postMessage({ id, points }, [points.buffer]);
});
