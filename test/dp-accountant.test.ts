import { expect } from "chai";
import {
  DEFAULT_ORDERS,
  computeRdp,
  dpSgdEpsilon,
  epsilonFromRdp,
  logErfc,
  maxRoundsForEpsilon,
  maxStepsForEpsilon,
  sigmaForEpsilon,
} from "../lib/privacy/accountant";

// Reference figures from tensorflow/privacy:
//  - tensorflow_privacy/privacy/analysis/rdp_accountant_test.py (compute_rdp, get_privacy_spent)
//  - tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py: the current version (improved RDP→DP
//    conversion) and the 2019 version (classic conversion) of the same three cases
//  - tutorials/README.md: "--N=60000 --batch_size=256 --noise_multiplier=1.1 --epochs=60 --delta=1e-5 ... eps = 3.01"
describe("RDP accountant (Poisson-subsampled Gaussian)", () => {
  it("matches TF Privacy compute_rdp", () => {
    expect(computeRdp(0.1, 2, 10, [5])[0]).to.be.closeTo(0.07737, 1e-5);
    const got = computeRdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100, Infinity]);
    const want = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
    want.forEach((w, k) => expect(got[k]).to.be.closeTo(w, 1e-5));
    expect(got[5]).to.equal(Infinity);
    expect(computeRdp(0, 10, 1, [20])[0]).to.equal(0);
    expect(computeRdp(1, 10, 1, [20])[0]).to.equal(0.1);
  });

  const cases: [number, number, number, number, number, number, number, number][] = [
    // n, batch, sigma, epochs, delta, eps improved, eps classic, optimal order
    [60000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 0.941870567, 19],
    [100000, 100, 1.0, 30, 1e-7, 1.4154988495444845, 1.70928734, 13],
    [100000000, 1024, 0.1, 10, 1e-7, 5907982.31138195, 5907984.81339406, 1.25],
  ];
  for (const [samples, batch, sigma, epochs, delta, improved, classic, order] of cases) {
    it(`compute_dp_sgd_privacy(${samples}, ${batch}, ${sigma}, ${epochs}, ${delta})`, () => {
      const a = dpSgdEpsilon({ samples, batch, sigma, epochs, delta });
      expect(a.epsilon).to.be.closeTo(improved, 1e-6 * Math.max(1, improved));
      expect(a.order).to.equal(order);
      const c = dpSgdEpsilon({ samples, batch, sigma, epochs, delta, conversion: "classic" });
      expect(c.epsilon).to.be.closeTo(classic, 1e-6 * Math.max(1, classic));
      expect(c.order).to.equal(order);
    });
  }

  it("matches the TF Privacy MNIST tutorial figure (classic conversion: eps = 3.01)", () => {
    const c = dpSgdEpsilon({ samples: 60000, batch: 256, sigma: 1.1, epochs: 60, delta: 1e-5, conversion: "classic" });
    expect(c.steps).to.equal(14063);
    expect(c.epsilon.toFixed(2)).to.equal("3.01");
    const i = dpSgdEpsilon({ samples: 60000, batch: 256, sigma: 1.1, epochs: 60, delta: 1e-5 });
    expect(i.epsilon).to.be.lessThan(c.epsilon);
  });

  it("matches TF Privacy get_privacy_spent (pure-DP constant RDP, unsampled Gaussian)", () => {
    const orders = Array.from({ length: 31 }, (_, k) => k + 2);
    const r = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5);
    expect(r.epsilon).to.be.closeTo(1.32783806176, 1e-9);
    expect(r.order).to.equal(32);
    const fine = Array.from({ length: 99000 }, (_, k) => 0.001 * (k + 1000)).filter((a) => a > 1);
    expect(epsilonFromRdp(fine, computeRdp(1, 4.530877117, 1, fine), 1e-6).epsilon).to.be.closeTo(1, 1e-7);
  });

  it("computes log erfc accurately over its whole range", () => {
    expect(Math.exp(logErfc(1))).to.be.closeTo(0.15729920705028513, 1e-15);
    expect(Math.exp(logErfc(3))).to.be.closeTo(2.209049699858544e-5, 1e-18);
    expect(Math.exp(logErfc(-2))).to.be.closeTo(1.9953222650189528, 1e-14);
    // asymptotic series: erfc(x) = e^{−x²}/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − …), next term 15/(8x⁶) ≈ 3e-9 at x = 30
    const x = 30;
    const asym = -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log1p(-1 / (2 * x * x) + 3 / (4 * x ** 4));
    expect(logErfc(x)).to.be.closeTo(asym, 1e-8);
  });

  it("maxStepsForEpsilon is the exact step budget", () => {
    const q = 256 / 60000;
    const T = maxStepsForEpsilon(q, 1.1, 3, 1e-5);
    const eps = (t: number) => epsilonFromRdp(DEFAULT_ORDERS, computeRdp(q, 1.1, t), 1e-5).epsilon;
    expect(eps(T)).to.be.at.most(3);
    expect(eps(T + 1)).to.be.greaterThan(3);
    expect(maxStepsForEpsilon(1, 0.5, 0.1, 1e-5)).to.equal(0);
  });

  it("maxRoundsForEpsilon: the round budget stays within epsilon and one more round exceeds it", () => {
    const job = { samples: 2000, batch: 100, sigma: 1.2, localEpochs: 1, delta: 1e-5, epsilon: 4 };
    const b = maxRoundsForEpsilon(job);
    expect(b.stepsPerRound).to.equal(20);
    expect(b.rounds).to.be.greaterThan(0);
    const eps = (rounds: number) => dpSgdEpsilon({ ...job, epochs: rounds * job.localEpochs }).epsilon;
    expect(eps(b.rounds)).to.be.at.most(4);
    expect(eps(b.rounds + 1)).to.be.greaterThan(4);
  });

  it("sigmaForEpsilon inverts the accountant", () => {
    const s = sigmaForEpsilon(0.01, 1000, 2, 1e-5);
    const eps = (x: number) => epsilonFromRdp(DEFAULT_ORDERS, computeRdp(0.01, x, 1000), 1e-5).epsilon;
    expect(eps(s)).to.be.at.most(2);
    expect(eps(s * 0.999)).to.be.greaterThan(2);
  });

  it("rejects bad arguments with named errors", () => {
    expect(() => dpSgdEpsilon({ samples: 100, batch: 200, sigma: 1, epochs: 1, delta: 1e-5 })).to.throw(/batch/);
    expect(() => dpSgdEpsilon({ samples: 100, batch: 10, sigma: 0, epochs: 1, delta: 1e-5 })).to.throw(/sigma/);
    expect(() => dpSgdEpsilon({ samples: 100, batch: 10, sigma: 1, epochs: 1, delta: 1 })).to.throw(/delta/);
    expect(() => dpSgdEpsilon({ samples: 100, batch: 10, sigma: 1, epochs: -1, delta: 1e-5 })).to.throw(/epochs/);
    expect(() => computeRdp(0.1, 1, 1, [0.5])).to.throw(/orders/);
  });
});
