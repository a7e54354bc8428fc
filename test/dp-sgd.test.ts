import { expect } from "chai";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { Rng } from "../lib/ml/rng";
import { loadMnist } from "../lib/data/mnist";
import { initMlp, mlpAccuracy, mlpGradients, mlpParameters, trainMlp } from "../lib/ml/mlp";
import { updateHash, l2Norm } from "../lib/ml/update";
import { PerExampleGradients, clipFactor, poissonBatch, privateGradient } from "../lib/privacy/dpsgd";

const ROOT = path.join(__dirname, "..");
// The DP training run whose hash is compared across processes (small: 2,000 examples, 2 epochs).
const RUN = `
const { loadMnist } = require("./lib/data/mnist");
const { trainMlp, mlpParameters } = require("./lib/ml/mlp");
const { updateHash } = require("./lib/ml/update");
const d = loadMnist();
const m = trainMlp(d.trainX.slice(0, 2000), d.trainY.slice(0, 2000),
  { hidden: [16], epochs: 2, lr: 0.2, batch: 64, seed: 42, dp: { clip: 1, sigma: 1.1 } });
process.stdout.write(updateHash(mlpParameters(m)));
`;

describe("DP-SGD", () => {
  const d = loadMnist();
  const X = d.trainX.slice(0, 120);
  const Y = d.trainY.slice(0, 120);

  it("clips every example's gradient to norm <= C (and exactly C when it was larger)", () => {
    const model = initMlp([784, 32, 10], 5);
    const g = mlpGradients(model, X, Y);
    const out = new Float64Array(g.dim);
    let clippedSeen = 0;
    for (const C of [0.01, 0.5, 2]) {
      for (let i = 0; i < X.length; i++) {
        const raw = Math.sqrt(g.compute(i));
        const clipped = privateGradient(g, [i], { clip: C, sigma: 0 }, 1, new Rng(1), out);
        const n = l2Norm(out);
        expect(n).to.be.at.most(C * (1 + 1e-12));
        if (raw > C) {
          clippedSeen++;
          expect(clipped).to.equal(1);
          expect(n).to.be.closeTo(C, 1e-12 * C);
        } else expect(n).to.be.closeTo(raw, 1e-12);
      }
    }
    expect(clippedSeen).to.be.greaterThan(120); // C = 0.01 clips (nearly) all
    // a whole batch: sensitivity of the sum is C, so the sum of B clipped gradients has norm <= B·C
    const batch = Array.from({ length: 50 }, (_, i) => i);
    privateGradient(g, batch, { clip: 0.1, sigma: 0 }, 1, new Rng(1), out);
    expect(l2Norm(out)).to.be.at.most(50 * 0.1 * (1 + 1e-12));
    expect(clipFactor(4, 1)).to.equal(0.5);
  });

  it("adds N(0, (sigma·C)²) noise per coordinate to the clipped sum, divided by the expected batch size", () => {
    const zero: PerExampleGradients = { dim: 20000, compute: () => 0, accumulate: () => undefined };
    const out = new Float64Array(zero.dim);
    privateGradient(zero, [0, 1, 2], { clip: 2, sigma: 1.5 }, 10, new Rng(9), out);
    const mean = out.reduce((s, v) => s + v, 0) / out.length;
    const sd = Math.sqrt(out.reduce((s, v) => s + (v - mean) ** 2, 0) / out.length);
    expect(mean).to.be.closeTo(0, 0.01);
    expect(sd).to.be.closeTo((1.5 * 2) / 10, 0.006);
  });

  it("samples batches by Poisson sampling at rate q", () => {
    const rng = new Rng(3);
    let total = 0;
    for (let t = 0; t < 200; t++) total += poissonBatch(rng, 1000, 0.05).length;
    expect(total / 200).to.be.closeTo(50, 1.5);
    expect(() => poissonBatch(rng, 10, 0)).to.throw(/sampling rate/);
  });

  it("is bit-identical across processes (hash of the DP-trained parameters)", function () {
    this.timeout(120_000);
    const here = updateHash(
      mlpParameters(
        trainMlp(d.trainX.slice(0, 2000), d.trainY.slice(0, 2000), {
          hidden: [16], epochs: 2, lr: 0.2, batch: 64, seed: 42, dp: { clip: 1, sigma: 1.1 },
        }),
      ),
    );
    const child = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", RUN], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    });
    expect(child).to.match(/^0x[0-9a-f]{64}$/);
    expect(child).to.equal(here);
    // and the seed matters
    const other = updateHash(
      mlpParameters(
        trainMlp(d.trainX.slice(0, 2000), d.trainY.slice(0, 2000), {
          hidden: [16], epochs: 2, lr: 0.2, batch: 64, seed: 43, dp: { clip: 1, sigma: 1.1 },
        }),
      ),
    );
    expect(other).to.not.equal(here);
  });

  it("DP training still learns (784-32-10, sigma 1, 3 epochs on 8,004 digits)", function () {
    this.timeout(120_000);
    const m = trainMlp(d.trainX, d.trainY, { hidden: [32], epochs: 3, lr: 0.5, batch: 128, seed: 1, dp: { clip: 1, sigma: 1 } });
    expect(mlpAccuracy(m, d.testX, d.testY)).to.be.greaterThan(0.8);
  });

  it("rejects bad DP parameters", () => {
    const o = { hidden: [], epochs: 1, lr: 0.1, batch: 10, seed: 1 };
    expect(() => trainMlp(X, Y, { ...o, dp: { clip: 0, sigma: 1 } })).to.throw(/clip/);
    expect(() => trainMlp(X, Y, { ...o, dp: { clip: 1, sigma: -1 } })).to.throw(/sigma/);
  });
});
