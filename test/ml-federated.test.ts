import { expect } from "chai";
import { loadMnist, poolMnist2x2 } from "../lib/data/mnist";
import { initMlp, mlpAccuracy } from "../lib/ml/mlp";
import { aggregateRound, localUpdate } from "../lib/ml/federated";
import { dpSgdEpsilon } from "../lib/privacy/accountant";

describe("federated rounds (DP-SGD participants, robust aggregation)", () => {
  const d = loadMnist();
  const X = d.trainX.map(poolMnist2x2);
  const testX = d.testX.map(poolMnist2x2);
  const parts = [0, 1, 2, 3].map((p) => ({
    X: X.filter((_, i) => i % 4 === p),
    Y: d.trainY.filter((_, i) => i % 4 === p),
  }));
  const opts = { epochs: 2, lr: 8, batch: 500, seed: 0, dp: { clip: 1, sigma: 1.5 }, updateClip: 5 };

  it("four participants improve the model over rounds; replicas agree on hashes; the privacy spent is reported", function () {
    this.timeout(120_000);
    let global = initMlp([196, 32, 10], 1);
    const start = mlpAccuracy(global, testX, d.testY);
    for (let round = 0; round < 3; round++) {
      const ups = parts.map((p, k) => localUpdate(global, p.X, p.Y, { ...opts, seed: 100 * round + k }));
      // an honest replica of participant 0 gets the same hash
      expect(localUpdate(global, parts[0].X, parts[0].Y, { ...opts, seed: 100 * round }).hash).to.equal(ups[0].hash);
      const r = aggregateRound(global, ups.map((u) => u.update), { updateClip: opts.updateClip, rule: "trimmed-mean", trim: 1 });
      expect(r.verdicts.every((v) => v.accepted)).to.equal(true);
      global = r.next;
    }
    expect(mlpAccuracy(global, testX, d.testY)).to.be.greaterThan(Math.max(0.75, start + 0.5));
    // per-participant privacy: 3 rounds x 2 local epochs of DP-SGD on its 2,001 examples
    const eps = dpSgdEpsilon({ samples: parts[0].X.length, batch: 500, sigma: 1.5, epochs: 6, delta: 1e-5 }).epsilon;
    expect(eps).to.be.within(1, 20);
  });

  it("rejects an oversized or malformed update and aggregates the rest", () => {
    const global = initMlp([196, 8, 10], 2);
    const ups = parts.slice(0, 3).map((p, k) => localUpdate(global, p.X.slice(0, 300), p.Y.slice(0, 300), { ...opts, epochs: 1, batch: 100, seed: k }).update);
    const oversized = ups[0].map((x) => x * 1e3);
    const r = aggregateRound(global, [...ups, oversized, new Float64Array(5)], { updateClip: opts.updateClip, rule: "median" });
    expect(r.verdicts.map((v) => v.accepted)).to.deep.equal([true, true, true, false, false]);
    expect((r.verdicts[3] as { reason: string }).reason).to.match(/exceeds the clip bound/);
    expect((r.verdicts[4] as { reason: string }).reason).to.match(/coordinates/);
    expect(() => aggregateRound(global, [oversized], { updateClip: 5, rule: "mean" })).to.throw(/no acceptable update/);
  });
});
