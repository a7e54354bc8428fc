import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { readOnnx } from "../../lib/onnx/read";
import { compileCircuit, generateCircuit } from "../../lib/zk/circuit";
import { cipherWordCount, encryptOutputs, inputCommitment } from "../../lib/zk/commitment";
import { canEmit, emitR1cs, emitWitness } from "../../lib/zk/emit";
import { lowerGraph } from "../../lib/zk/lower";
import { circuitPlan } from "../../lib/zk/plan";
import { quantizeInput, quantizeModel, type QuantModel } from "../../lib/zk/quantize";
import { readR1cs } from "../../lib/zk/r1cs";
import { quantForward } from "../../lib/zk/reference";
import { cnnOnnx, mlpOnnx, rng } from "./models";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const CACHE = ".cache/zk-test";
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

function sample(inSize: number, n: number, seed: number, signed = false) {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: inSize }, () => (signed ? r() * 2 - 1 : r())));
}

describe("zk: direct R1CS and witness emission equals the circom compile", function () {
  const cases: { name: string; onnx: Uint8Array; inSize: number; batch: number; signed: boolean; fused: boolean }[] = [
    { name: "MLP 7-5-4, signed inputs, batch 2", onnx: mlpOnnx(31, [7, 5, 4]), inSize: 7, batch: 2, signed: true, fused: false },
    { name: "CNN conv/relu/maxpool (fused)/avgpool/gemm, batch 1", onnx: cnnOnnx(41), inSize: 36, batch: 1, signed: false, fused: true },
  ];
  for (const c of cases) {
    it(`${c.name}: same constraints, same public signals, accepted witnesses`, async () => {
      const calibration = sample(c.inSize, 12, c.inSize + 3, c.signed);
      const q = quantizeModel(lowerGraph(readOnnx(c.onnx)), calibration, { activationBits: 10 });
      expect(circuitPlan(q).some((s) => s.kind === "linearMax")).to.equal(c.fused);
      const opts = { batch: c.batch, privateWeights: false };
      expect(canEmit(q, opts)).to.equal(true);
      const gen = generateCircuit(q, opts);
      const circomDir = path.join(CACHE, `${gen.hash.slice(2, 14)}`);
      const emitDir = path.join(CACHE, `${gen.hash.slice(2, 14)}-emit`);
      const compiled = await compileCircuit(gen, circomDir);
      const emitted = (await emitR1cs(q, opts, emitDir, CACHE))!;
      const a = readR1cs(compiled.r1cs);
      const b = readR1cs(emitted.r1cs);
      expect(b.nConstraints).to.equal(a.nConstraints);
      expect(emitted.constraints).to.equal(a.nConstraints);
      expect([b.nOutputs, b.nPubInputs, b.nPrvInputs]).to.deep.equal([a.nOutputs, a.nPubInputs, a.nPrvInputs]);
      expect(b.nVars).to.equal(a.nVars);

      const bytes = calibration.slice(0, c.batch).map((x) => quantizeInput(q, x));
      const outs = bytes.map((x) => quantForward(q, x));
      const circomW = { type: "mem" };
      await snarkjs.wtns.calculate({ binding: "99", x: bytes, salt: "7" }, compiled.wasm, circomW);
      const wtnsFile = path.join(emitDir, "w.wtns");
      fs.writeFileSync(wtnsFile, await emitWitness(q, emitted.hashWasm, bytes, 99n, outs, 7n));
      const cw: bigint[] = (await snarkjs.wtns.exportJson(circomW)).map(BigInt);
      const ew: bigint[] = (await snarkjs.wtns.exportJson(wtnsFile)).map(BigInt);
      // one, outputCommitment, inputCommitment, the output cipher words (layout v2), binding
      const nPub = 1 + a.nOutputs + a.nPubInputs;
      expect(a.nOutputs).to.equal(2 + cipherWordCount(c.batch, q.outputSize, q.rangeBits));
      expect(ew.slice(0, nPub)).to.deep.equal(cw.slice(0, nPub));
      expect(cw.slice(3, nPub - 1)).to.deep.equal(await encryptOutputs(outs, q.rangeBits, 7n));
      expect(cw[2]).to.equal(await inputCommitment(bytes, 7n));
      expect(await snarkjs.wtns.check(emitted.r1cs, wtnsFile)).to.equal(true);
      // The circom witness satisfies circom's R1CS, and a tampered emitted witness fails the emitted R1CS.
      fs.writeFileSync(path.join(emitDir, "c.wtns"), Buffer.from((circomW as unknown as { data: Uint8Array }).data));
      expect(await snarkjs.wtns.check(compiled.r1cs, path.join(emitDir, "c.wtns"))).to.equal(true);
      const bad = Buffer.from(fs.readFileSync(wtnsFile));
      const last = bad.length - 32;
      bad[last] ^= 1;
      fs.writeFileSync(path.join(emitDir, "bad.wtns"), bad);
      expect(await snarkjs.wtns.check(emitted.r1cs, path.join(emitDir, "bad.wtns"), quiet)).to.equal(false);
    });
  }

  it("falls back (null) for private weights and unknown op kinds", async () => {
    const q = quantizeModel(lowerGraph(readOnnx(mlpOnnx(5, [3, 2]))), sample(3, 4, 1));
    expect(canEmit(q, { batch: 1, privateWeights: true })).to.equal(false);
    const odd = { ...q, ops: [...q.ops, { kind: "sigmoid", node: "s", size: 2 }] } as unknown as QuantModel;
    expect(canEmit(odd, { batch: 1, privateWeights: false })).to.equal(false);
    expect(await emitR1cs(odd, { batch: 1, privateWeights: false }, path.join(CACHE, "odd"), CACHE)).to.equal(null);
  });
});
