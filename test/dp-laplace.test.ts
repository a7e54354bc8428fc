import { expect } from "chai";
import { Rng } from "../lib/ml/rng";
import { clipL1, laplaceScalar, laplaceScale, laplaceVector, releaseUpdateLaplace } from "../lib/privacy/laplace";

describe("Laplace mechanism", () => {
  it("adds Laplace(0, Δ/ε) noise: empirical mean ≈ 0, mean |noise| ≈ Δ/ε", () => {
    const rng = new Rng(7);
    const n = 200000;
    const v = laplaceVector(new Float64Array(n), 2, 0.5, rng); // b = 4
    let s = 0;
    let a = 0;
    for (const x of v) {
      s += x;
      a += Math.abs(x);
    }
    expect(s / n).to.be.closeTo(0, 0.05);
    expect(a / n).to.be.closeTo(4, 0.05);
    // P(|X| > b ln 10) = 1/10 for Laplace(0, b)
    const tail = v.filter((x) => Math.abs(x) > 4 * Math.log(10)).length / n;
    expect(tail).to.be.closeTo(0.1, 0.005);
  });

  it("is deterministic given the seed", () => {
    expect(laplaceScalar(1, 1, 1, new Rng("s"))).to.equal(laplaceScalar(1, 1, 1, new Rng("s")));
    expect(laplaceScale(3, 1.5)).to.equal(2);
  });

  it("clips updates to the L1 bound before release", () => {
    const c = clipL1(Float64Array.from([3, -4, 1]), 4);
    expect(c.reduce((s, x) => s + Math.abs(x), 0)).to.be.closeTo(4, 1e-12);
    expect(Array.from(clipL1(Float64Array.from([0.5, -0.5]), 4))).to.deep.equal([0.5, -0.5]);
    const r = releaseUpdateLaplace(Float64Array.from([3, -4, 1]), 4, 1, new Rng(1));
    expect(r.length).to.equal(3);
    expect(Array.from(r).every(Number.isFinite)).to.equal(true);
  });

  it("rejects a non-positive epsilon or sensitivity", () => {
    expect(() => laplaceScale(1, 0)).to.throw(/epsilon/);
    expect(() => laplaceScale(-1, 1)).to.throw(/sensitivity/);
  });
});
