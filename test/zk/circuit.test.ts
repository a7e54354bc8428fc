import { expect } from "chai";
import { readOnnx } from "../../lib/onnx/read";
import { compileCircuit, generateCircuit } from "../../lib/zk/circuit";
import { encryptOutputs, FIELD_R, inputCommitment, modelCommitment, modelWeights, outputCommitment } from "../../lib/zk/commitment";
import { lowerGraph } from "../../lib/zk/lower";
import { uniformCalibration } from "../../lib/zk/model";
import { quantizeInput, quantizeModel } from "../../lib/zk/quantize";
import { deviationReport, quantForward } from "../../lib/zk/reference";
import { cnnOnnx, dagOnnx, mlpOnnx, rng } from "./models";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const field = (v: bigint) => (((v % FIELD_R) + FIELD_R) % FIELD_R).toString();

describe("zk: circuit equals the BigInt reference", function () {
  const cases = [
    { name: "random MLP, public weights, batch 2, signed inputs", onnx: mlpOnnx(101, [7, 5, 4]), inSize: 7, batch: 2, priv: false, signed: true },
    { name: "random CNN, private weights, batch 1", onnx: cnnOnnx(202), inSize: 36, batch: 1, priv: true, signed: false },
    { name: "graph (residual Add, Mul, Concat, LeakyRelu, BatchNorm, Sigmoid, Tanh), public weights, batch 2", onnx: dagOnnx(303), inSize: 6, batch: 2, priv: false, signed: true },
    { name: "graph, private weights, batch 1", onnx: dagOnnx(304), inSize: 6, batch: 1, priv: true, signed: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const lowered = lowerGraph(readOnnx(c.onnx));
      const r = rng(c.inSize);
      const calibration = Array.from({ length: 16 }, () => Float64Array.from({ length: c.inSize }, () => (c.signed ? r() * 2 - 1 : r())));
      const q = quantizeModel(lowered, calibration, { rangeBits: 24, activationBits: 12 });
      expect(q.inputZeroPoint).to.equal(c.signed ? 128 : 0);
      const dev = deviationReport(lowered, q, calibration);
      expect(dev.maxAbsDeviation).to.be.lessThan(0.05);
      const gen = generateCircuit(q, { batch: c.batch, privateWeights: c.priv });
      expect(generateCircuit(q, { batch: c.batch, privateWeights: c.priv }).hash).to.equal(gen.hash);
      const compiled = await compileCircuit(gen, `.cache/zk-test/${gen.hash.slice(2, 14)}`);
      const bytes = calibration.slice(0, c.batch).map((x) => quantizeInput(q, x));
      const input: Record<string, unknown> = { binding: "77", x: bytes, salt: "4242" };
      if (c.priv) input.weights = modelWeights(q).map(field);
      const wtns = { type: "mem" };
      await snarkjs.wtns.calculate(input, compiled.wasm, wtns);
      const w: bigint[] = await snarkjs.wtns.exportJson(wtns);
      const outs = bytes.map((b) => quantForward(q, b));
      // layout 2: output and input commitments (under the salt), (model commitment), the output cipher, binding
      const expected = [await outputCommitment(outs, q.rangeBits), await inputCommitment(bytes, 4242n)];
      if (c.priv) expected.push(await modelCommitment(q));
      expected.push(...(await encryptOutputs(outs, q.rangeBits, 4242n)), 77n);
      expect(gen.publicSignals).to.equal(expected.length);
      expect(w.slice(1, 1 + expected.length).map(BigInt)).to.deep.equal(expected);
    });
  }

  it("refuses a witness with an input byte out of range", async () => {
    const q = quantizeModel(lowerGraph(readOnnx(mlpOnnx(5, [3, 2]))), uniformCalibration(3, 4), { rangeBits: 24, activationBits: 12 });
    const gen = generateCircuit(q, { batch: 1, privateWeights: false });
    const compiled = await compileCircuit(gen, `.cache/zk-test/${gen.hash.slice(2, 14)}`);
    let err: Error | null = null;
    try {
      await snarkjs.wtns.calculate({ binding: "1", x: [[256, 0, 0]], salt: "0" }, compiled.wasm, { type: "mem" });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message ?? "").to.match(/Assert Failed|Error in template/);
  });
});
