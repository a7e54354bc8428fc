import { expect } from "chai";
import { loadMnist } from "../lib/data/mnist";
import { MlpModel, mlpLogits, mlpToOnnx, predictMlp, trainMlp } from "../lib/ml/mlp";
import { trainLogReg } from "../lib/ml/logreg";
import { createOnnxSession } from "../lib/runtime/onnx";
import { readOnnx } from "../lib/onnx/read";

describe("ONNX export of trained models (onnxruntime-node)", () => {
  const d = loadMnist();

  const cases: [string, () => MlpModel][] = [
    ["MLP 784-56-10", () => trainMlp(d.trainX, d.trainY, { hidden: [56], epochs: 2, lr: 0.1, batch: 16, seed: 3 })],
    [
      "MLP 784-32-16-10 trained with DP-SGD",
      () => trainMlp(d.trainX, d.trainY, { hidden: [32, 16], epochs: 1, lr: 1, batch: 256, seed: 3, dp: { clip: 1, sigma: 1 } }),
    ],
    ["logistic regression", () => trainLogReg(d.trainX, d.trainY, { epochs: 1, lr: 0.1, batch: 16, seed: 3 })],
  ];

  for (const [name, train] of cases) {
    it(`${name}: same predictions as the TypeScript model on the whole test set`, async function () {
      this.timeout(60_000);
      const model = train();
      const bytes = mlpToOnnx(model);
      const session = await createOnnxSession(bytes, { inputShape: [784] });
      expect([session.inputName, session.outputName]).to.deep.equal(["input", "logits"]);
      const out = await session.run(d.testX);
      let maxDiff = 0;
      let mismatches = 0;
      d.testX.forEach((x, i) => {
        const ts = mlpLogits(model, x);
        ts.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - out[i][j]))));
        let arg = 0;
        for (let j = 1; j < 10; j++) if (out[i][j] > out[i][arg]) arg = j;
        if (arg !== predictMlp(model, x)) mismatches++;
      });
      expect(maxDiff).to.be.lessThan(1e-3); // float32 weights and arithmetic
      expect(mismatches).to.equal(0);
    });
  }

  it("the zk pipeline's ONNX reader reads the export back as the same dense/relu layers", () => {
    const model = trainMlp(d.trainX.slice(0, 500), d.trainY.slice(0, 500), { hidden: [8], epochs: 1, lr: 0.1, batch: 16, seed: 4 });
    const ir = readOnnx(mlpToOnnx(model));
    expect(ir.inputName).to.equal("input");
    expect(ir.outputName).to.equal("logits");
    expect(ir.layers.map((l) => l.kind)).to.deep.equal(["dense", "relu", "dense"]);
    const dense = ir.layers.filter((l) => l.kind === "dense") as { W: Float64Array; b: Float64Array }[];
    dense.forEach((l, k) => {
      expect(Array.from(l.W)).to.deep.equal(Array.from(model.layers[k].W, Math.fround));
      expect(Array.from(l.b)).to.deep.equal(Array.from(model.layers[k].b, Math.fround));
    });
  });
});
