import { expect } from "chai";
import { loadMnist } from "../lib/data/mnist";
import { logRegProbabilities, predictLogReg, trainLogReg } from "../lib/ml/logreg";
import { mlpAccuracy } from "../lib/ml/mlp";
import { runSgd } from "../lib/ml/sgd";
import { PerExampleGradients } from "../lib/privacy/dpsgd";

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

describe("SGD iterate averaging (ema)", () => {
  it("returns the exponential moving average of the iterates", () => {
    // constant gradient g = 2 on one parameter: p_t = p_0 − lr·g·t
    const model: PerExampleGradients = {
      dim: 1,
      compute: () => 4,
      accumulate: (acc, scale) => void (acc[0] += 2 * scale),
    };
    const params = Float64Array.from([1]);
    runSgd(params, 4, model, { epochs: 3, lr: 0.1, batch: 2, seed: 1, ema: 0.5 });
    let avg = 1;
    for (let t = 1; t <= 6; t++) avg = 0.5 * avg + 0.5 * (1 - 0.2 * t);
    expect(params[0]).to.be.closeTo(avg, 1e-12);
    expect(() => runSgd(params, 4, model, { epochs: 1, lr: 0.1, batch: 2, seed: 1, ema: 1 })).to.throw(/ema/);
  });
});
