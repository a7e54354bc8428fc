import { expect } from "chai";
import { buildFixture, proveFixture } from "./helpers/fixtureCircuit";
import { fixtureInputCommitment } from "./helpers/commitments";
import snarkjs, { releaseCurve } from "./helpers/snarkjs";

describe("fixture circuits", function () {
  after(releaseCurve);

  for (const name of ["fixture_public", "fixture_private"] as const) {
    it(`${name}: builds, proves in layout v1 and verifies off-chain`, async function () {
      const art = await buildFixture(name);
      const p = await proveFixture(name, [3n, 11n], 12345n);
      expect(p.signals.length).to.equal(art.signalCount);
      expect(p.signals[p.signals.length - 1]).to.equal(12345n);
      expect(p.inputCommitment).to.equal(await fixtureInputCommitment([3n, 11n]));
      expect(await snarkjs.groth16.verify(art.vkey, p.signals.map(String), p.raw)).to.equal(true);
    });
  }
});
