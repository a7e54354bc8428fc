import { expect } from "chai";
import { loadMnist } from "../lib/data/mnist";
import { logRegProbabilities, predictLogReg, trainLogReg } from "../lib/ml/logreg";
import { mlpAccuracy } from "../lib/ml/mlp";

describe("multinomial logistic regression", () => {
  const d = loadMnist();

  it("reaches >= 88% on the MNIST split, probabilities sum to 1", function () {
    this.timeout(60_000);
    const m = trainLogReg(d.trainX, d.trainY, { epochs: 5, lr: 0.1, batch: 16, seed: 2 });
    expect(m.layers.map((l) => [l.in, l.out])).to.deep.equal([[784, 10]]);
    expect(mlpAccuracy(m, d.testX, d.testY)).to.be.at.least(0.88);
    const p = logRegProbabilities(m, d.testX[0]);
    expect(p.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-12);
    expect(predictLogReg(m, d.testX[0])).to.equal(p.indexOf(Math.max(...p)));
  });

  it("trains with DP-SGD (sigma 1, C 1) to >= 80%", function () {
    this.timeout(60_000);
    const m = trainLogReg(d.trainX, d.trainY, { epochs: 5, lr: 1, batch: 256, seed: 2, dp: { clip: 1, sigma: 1 } });
    expect(mlpAccuracy(m, d.testX, d.testY)).to.be.at.least(0.8);
  });
});
