import { expect } from "chai";
import { erf, quantizeSpline, sigmoid, splineFunction, splineInt } from "../../lib/zk/spline";
import { rng } from "./models";

describe("zk: spline approximations (Sigmoid, Tanh, Erf, Clip, HardSigmoid)", function () {
  it("erf matches reference values", () => {
    for (const [x, v] of [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2.9, 0.9999589021219005], [-1.5, -0.9661051464753108], [3.2, 0.9999939742388483]]) {
      expect(erf(x)).to.be.closeTo(v, 2e-7);
    }
  });

  for (const fn of ["sigmoid", "tanh", "erf"]) {
    for (const sIn of [2 ** -10, 3.7e-4]) {
      it(`${fn} at input scale ${sIn.toExponential(2)}: the stated worst case holds on random inputs and is <= 1e-3`, () => {
        const f = splineFunction(fn, {});
        const q = quantizeSpline(f, sIn, 16, 32);
        expect(q.maxAbsError).to.be.at.most(1e-3);
        expect(q.exhaustive).to.equal(true);
        const r = rng(7);
        for (let k = 0; k < 2000; k++) {
          const x = Math.round(((r() * 2 - 1) * 12) / sIn);
          const err = Math.abs(Number(splineInt(q.table, BigInt(x))) * 2 ** -q.fo - f.f(x * sIn));
          expect(err).to.be.at.most(q.maxAbsError + 1e-12);
        }
        // beyond the clamp range the output saturates
        expect(Number(splineInt(q.table, BigInt(Math.round(40 / sIn)))) * 2 ** -q.fo).to.be.closeTo(f.right, 2e-3);
      });
    }
  }

  it("Clip and HardSigmoid are one exact segment", () => {
    const clip = quantizeSpline(splineFunction("clip", { lo: 0, hi: 6 }), 2 ** -12, 16, 32);
    expect(clip.table.segBits).to.equal(0);
    expect(clip.maxAbsError).to.equal(0);
    const hs = quantizeSpline(splineFunction("hardsigmoid", { alpha: 0.2, beta: 0.5 }), 2 ** -12, 16, 32);
    expect(hs.table.segBits).to.equal(0);
    expect(hs.maxAbsError).to.be.lessThan(1e-4);
    expect(sigmoid(0)).to.equal(0.5);
  });
});
