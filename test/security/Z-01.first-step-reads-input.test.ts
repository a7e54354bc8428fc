import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { readOnnx } from "../../lib/onnx/read";
import { lowerGraph } from "../../lib/zk/lower";
import { circuitPlan } from "../../lib/zk/plan";
import { quantizeInput, quantizeModel } from "../../lib/zk/quantize";
import { quantForward } from "../../lib/zk/reference";
import { checkWitnesses, WitnessCheckError } from "../../lib/zk/witnessCheck";
import { chainOnnx, rng } from "../zk/models";
import { emittedCircuit } from "./zkHelpers";

/**
 * Z-01: the emitter's max and relu steps read the previous step's wires from a list that is empty for the first step,
 * so a missing wire id became wire 0, the constant one: a model starting with MaxPool or a standalone ReLU computed on
 * 1 whatever its committed input, and a forger chose the output. The steps now read the first step's input (the
 * committed bytes minus the zero point), a reference to a wire that does not exist is refused, and registration
 * checks the witness of its calibration inputs.
 */
describe("security Z-01: a first MaxPool or ReLU step computes on the committed input", function () {
  const models = [
    { name: "maxpool-first", plan: "max,linear", onnx: chainOnnx(71, [1, 4, 4], [{ op: "MaxPool", k: 2, stride: 2 }, { op: "Flatten" }, { op: "Gemm", out: 3 }]) },
    { name: "relu-first", plan: "relu,linear", onnx: chainOnnx(72, [1, 4, 4], [{ op: "Relu" }, { op: "Flatten" }, { op: "Gemm", out: 3 }]) },
  ];
  for (const m of models) {
    it(`Z-01 ${m.name}: the constant-one witness (the unfixed circuit's) fails a constraint; honest proofs verify`, async () => {
      const r = rng(9);
      const cal = Array.from({ length: 8 }, () => Float64Array.from({ length: 16 }, () => r() * 2 - 1));
      const q = quantizeModel(lowerGraph(readOnnx(m.onnx)), cal);
      expect(circuitPlan(q).map((s) => s.kind).join(",")).to.equal(m.plan);
      const c = await emittedCircuit(q, `z01-${m.name}`);
      const bytes = quantizeInput(q, cal[0]);

      // The forgery's shape: the committed bytes are range-checked and hashed, the model computes on 1 everywhere.
      const forged = await c.witness(bytes, { input: () => 1n });
      const honest = await c.witness(bytes);
      expect(honest.outputs).to.deep.equal(quantForward(q, bytes));
      expect(forged.outputs).to.not.deep.equal(honest.outputs);
      expect(forged.values[2], "same input commitment").to.equal(honest.values[2]);
      expect(forged.values[1], "another output commitment").to.not.equal(honest.values[1]);
      const failing = c.checker.firstFailing(forged.values);
      expect(failing).to.be.greaterThan(-1);
      // the Poseidon hashes hold (the forger re-hashed its outputs): a constraint of the model's part refuses it
      expect(failing).to.be.at.least(c.hashConstraints);
      expect(c.checker.firstFailing(honest.values)).to.equal(-1);

      // Honest proving works (it crashed with "Cannot mix BigInt and other types") and verifies.
      const p = await c.proveAndVerify(bytes);
      expect(p.ok).to.equal(true);
      expect(BigInt(p.publicSignals[0])).to.equal(honest.values[1]);
    });
  }

  it("Z-01 registration's witness check refuses a circuit that does not compute its model (WitnessCheckError)", async () => {
    const r = rng(10);
    const cal = Array.from({ length: 8 }, () => Float64Array.from({ length: 16 }, () => r() * 2 - 1));
    const [a, b] = [71, 73].map((seed) => quantizeModel(lowerGraph(readOnnx(chainOnnx(seed, [1, 4, 4], [{ op: "MaxPool", k: 2, stride: 2 }, { op: "Flatten" }, { op: "Gemm", out: 3 }]))), cal));
    const ca = await emittedCircuit(a, "z01-check-a");
    const cb = await emittedCircuit(b, "z01-check-b");
    const batches = [[quantizeInput(a, cal[0])]];
    await checkWitnesses({ quant: a, compiler: "emit", r1cs: ca.r1cs, wasm: ca.hashWasm }, batches);
    // model a's witness against model b's R1CS (same layout, other weights): the circuit does not prove model a
    let err: unknown;
    try {
      await checkWitnesses({ quant: a, compiler: "emit", r1cs: cb.r1cs, wasm: cb.hashWasm }, batches);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(WitnessCheckError);
    expect((err as Error).message).to.match(/^the circuit cannot prove its own model: calibration batch 0: /);
    expect(fs.existsSync(path.join(cb.dir, "model.zkey"))).to.equal(false);
  });
});
