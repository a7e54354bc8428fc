import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256 } from "ethers";
import { createContentStore } from "../../lib/storage";
import { fetchArtifacts, uploadArtifacts } from "../../lib/zk/bundle";
import { circuitHashOf } from "../../lib/zk/circuit";
import { FIELD_R } from "../../lib/zk/commitment";
import { wtnsFile } from "../../lib/zk/emit";
import { buildModelArtifacts } from "../../lib/zk/model";
import { readR1cs, R1csDuplicateTermError } from "../../lib/zk/r1cs";
import { devSetup } from "../../lib/zk/setup";
import { chainOnnx, rng } from "../zk/models";
import { CACHE } from "./zkHelpers";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const fe = (v: bigint) => { const b = Buffer.alloc(32); for (let i = 0; i < 32; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn); return b; };
const lc = (terms: [number, bigint][]) => Buffer.concat([u32(terms.length), ...terms.flatMap(([w, c]) => [u32(w), fe(c)])]);
const section = (type: number, data: Buffer) => Buffer.concat([u32(type), u64(data.length), data]);

/** An R1CS of one constraint (w1 + w1) * 1 = w2 over wires [one, w1, w2], its A term on w1 written twice. */
function duplicateTermR1cs(): Buffer {
  const header = Buffer.concat([u32(32), fe(FIELD_R), u32(3), u32(0), u32(0), u32(2), u64(3), u32(1)]);
  const constraints = Buffer.concat([lc([[1, 1n], [1, 1n]]), lc([[0, 1n]]), lc([[2, 1n]])]);
  const labels = Buffer.concat([u64(0), u64(1), u64(2)]);
  return Buffer.concat([Buffer.from("r1cs"), u32(1), u32(3), section(1, header), section(2, constraints), section(3, labels)]);
}

/**
 * Z-03: the emitted R1CS could hold duplicate terms, which the project's setup summed and snarkjs's reader keeps
 * the last of: the key and the tools that check it saw two circuits. And the circuit hash covered the circom
 * source only, not the R1CS the key is made from. Now the emitter writes one reduced, nonzero term per wire, an
 * R1CS with duplicate terms is refused before any key is made from it, and the circuit hash covers the R1CS: a
 * fetched bundle's R1CS must hash to the registry's value.
 */
describe("security Z-03: one R1CS, one meaning, under the circuit hash", function () {
  it("Z-03 an R1CS with a duplicate term means two circuits: snarkjs accepts w2 = w1, a summing reader w2 = 2 w1; it is refused (R1csDuplicateTermError) before any setup", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "z03-"));
    const r1cs = path.join(dir, "dup.r1cs");
    fs.writeFileSync(r1cs, duplicateTermR1cs());
    const keepLast = path.join(dir, "last.wtns");
    fs.writeFileSync(keepLast, wtnsFile([1n, 3n, 3n]));
    const sum = path.join(dir, "sum.wtns");
    fs.writeFileSync(sum, wtnsFile([1n, 3n, 6n]));
    const quiet = { info() {}, warn() {}, debug() {}, error() {} };
    const snarkjsSays = [await snarkjs.wtns.check(r1cs, keepLast, quiet), await snarkjs.wtns.check(r1cs, sum, quiet)];
    expect(snarkjsSays).to.deep.equal([true, false]); // snarkjs: the last term only; a setup that sums would prove 2 w1
    expect(() => readR1cs(r1cs)).to.throw(R1csDuplicateTermError, /constraint 0 has two terms on wire 1/);
    let err: unknown;
    await devSetup(r1cs, path.join(dir, "dup.zkey")).catch((e) => (err = e));
    expect(err).to.be.instanceOf(R1csDuplicateTermError);
    expect(fs.existsSync(path.join(dir, "dup.zkey"))).to.equal(false);
  });

  it("Z-03 the emitted R1CS has one reduced, nonzero term per wire, and the circuit hash covers it: a bundle with another R1CS is refused", async () => {
    const r = rng(5);
    const calibration = Array.from({ length: 8 }, () => Float64Array.from({ length: 16 }, () => r()));
    const onnx = chainOnnx(74, [1, 4, 4], [{ op: "MaxPool", k: 2, stride: 2 }, { op: "Relu" }, { op: "Flatten" }, { op: "Gemm", out: 3 }]);
    const art = await buildModelArtifacts(onnx, { calibration, cacheRoot: path.join(CACHE, "security", "z03") });
    expect(art.compiler).to.equal("emit");
    expect(art.witnessesChecked).to.be.at.least(1);
    const bytes = fs.readFileSync(art.files.r1cs);
    for (const [A, B, C] of readR1cs(art.files.r1cs).constraints) {
      for (const terms of [A, B, C]) {
        terms.forEach((t, i) => {
          expect(t.coef > 0n && t.coef < FIELD_R, "reduced, nonzero").to.equal(true);
          if (i > 0) expect(t.wire).to.be.greaterThan(terms[i - 1].wire);
        });
      }
    }
    expect(art.r1csHash).to.equal(keccak256(bytes));
    expect(art.circuitHash).to.equal(circuitHashOf(art.sourceHash, bytes));

    const store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "z03-store-")) } });
    try {
      const cids = await uploadArtifacts(art, store);
      const fetched = await fetchArtifacts(cids, art.circuitHash, store, fs.mkdtempSync(path.join(os.tmpdir(), "z03-fetch-")));
      expect(fs.readFileSync(fetched.files.r1cs).equals(bytes)).to.equal(true);
      // the same bundle with one coefficient of its R1CS changed, under the registry's circuit hash
      const bundle = JSON.parse(new TextDecoder().decode(await store.get(cids.circuitCid)));
      const other = Buffer.from(bytes);
      other[other.length >> 1] ^= 1;
      bundle.r1cs = other.toString("base64");
      const circuitCid = await store.put(new TextEncoder().encode(JSON.stringify(bundle)));
      let err: unknown;
      await fetchArtifacts({ ...cids, circuitCid }, art.circuitHash, store, fs.mkdtempSync(path.join(os.tmpdir(), "z03-fetch-"))).catch((e) => (err = e));
      expect((err as Error).message).to.match(/its source and R1CS hash to 0x[0-9a-f]{64}, the registry says/);
    } finally {
      await store.close();
    }
  });
});
