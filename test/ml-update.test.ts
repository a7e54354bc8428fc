import { expect } from "chai";
import { keccak256 } from "ethers";
import { Rng } from "../lib/ml/rng";
import {
  applyUpdate,
  clipUpdate,
  decodeUpdate,
  encodeUpdate,
  l2Norm,
  modelUpdate,
  updateHash,
  withinClipBound,
} from "../lib/ml/update";
import { aggregate, coordinateMedian, meanAggregate, trimmedMean } from "../lib/ml/aggregate";

describe("model updates and robust aggregation", () => {
  it("update = after − before; applying it restores after", () => {
    const before = Float64Array.from([1, 2, 3]);
    const after = Float64Array.from([1.5, 2, -1]);
    const u = modelUpdate(before, after);
    expect(Array.from(u)).to.deep.equal([0.5, 0, -4]);
    expect(Array.from(applyUpdate(before, u))).to.deep.equal([1.5, 2, -1]);
    expect(() => modelUpdate(before, new Float64Array(2))).to.throw(/length/);
  });

  it("canonical encoding round-trips bit-exactly and hashes stably", () => {
    const v = Float64Array.from([0.1, -0, 1e-300, -123.456, 5e-324]);
    const bytes = encodeUpdate(v);
    expect(bytes.length).to.equal(8 + 40);
    expect(Buffer.from(bytes.subarray(0, 8)).toString("hex")).to.equal("564f553100000005");
    const back = decodeUpdate(bytes);
    expect(Array.from(back)).to.deep.equal([0.1, 0, 1e-300, -123.456, 5e-324]);
    expect(Object.is(back[1], 0)).to.equal(true); // −0 canonicalised
    expect(updateHash(v)).to.equal(updateHash(Float64Array.from([0.1, 0, 1e-300, -123.456, 5e-324])));
    // the hash is keccak256 of the documented byte layout (pinned so that any format change is noticed)
    expect(updateHash(Float64Array.from([1, -2.5]))).to.equal(
      keccak256("0x564f5531" + "00000002" + "000000000000f03f" + "00000000000004c0"),
    );
    expect(() => encodeUpdate(Float64Array.from([NaN]))).to.throw(/not finite/);
    expect(() => decodeUpdate(bytes.subarray(0, 20))).to.throw(/bytes/);
  });

  it("a different last bit gives a different hash", () => {
    const v = Float64Array.from([0.1, 0.2]);
    const w = Float64Array.from(v);
    new DataView(w.buffer).setUint8(0, new DataView(w.buffer).getUint8(0) ^ 1);
    expect(w[0]).to.not.equal(v[0]);
    expect(updateHash(w)).to.not.equal(updateHash(v));
  });

  it("clips to the L2 bound and rejects oversized updates", () => {
    const rng = new Rng(2);
    const big = Float64Array.from({ length: 1000 }, () => rng.gaussian());
    expect(withinClipBound(big, 1)).to.equal(false);
    const c = clipUpdate(big, 1);
    expect(l2Norm(c)).to.be.closeTo(1, 1e-12);
    expect(withinClipBound(c, 1)).to.equal(true);
    const scaled = c.map((x) => x * 1.001);
    expect(withinClipBound(scaled, 1)).to.equal(false);
    expect(withinClipBound(Float64Array.from([Infinity]), 1)).to.equal(false);
  });

  it("trimmed mean and median resist a poisoned update; the mean does not", () => {
    const honest = [0.9, 1.0, 1.1, 1.05].map((x) => Float64Array.from([x, -x]));
    const poisoned = Float64Array.from([1e6, 1e6]);
    const all = [honest[0], poisoned, ...honest.slice(1)];
    expect(meanAggregate(all)[0]).to.be.greaterThan(1e5);
    const tm = trimmedMean(all, 1);
    expect(tm[0]).to.be.closeTo((1.0 + 1.05 + 1.1) / 3, 1e-12);
    expect(tm[1]).to.be.closeTo(-(0.9 + 1.0 + 1.05) / 3, 1e-12);
    const med = coordinateMedian(all);
    expect(Array.from(med)).to.deep.equal([1.05, -1.0]);
    expect(Array.from(coordinateMedian(honest))).to.deep.equal([(1.0 + 1.05) / 2, -(1.0 + 1.05) / 2]);
    expect(Array.from(aggregate(all, "median"))).to.deep.equal(Array.from(med));
  });

  it("aggregates independently of arrival order, bit for bit", () => {
    const rng = new Rng(11);
    const ups = Array.from({ length: 7 }, () => Float64Array.from({ length: 50 }, () => rng.gaussian()));
    const rev = [...ups].reverse();
    for (const rule of ["mean", "trimmed-mean", "median"] as const) {
      expect(updateHash(aggregate(ups, rule, 2))).to.equal(updateHash(aggregate(rev, rule, 2)));
    }
  });

  it("rejects impossible aggregation requests", () => {
    expect(() => trimmedMean([new Float64Array(1), new Float64Array(1)], 1)).to.throw(/leaves nothing/);
    expect(() => meanAggregate([])).to.throw(/no updates/);
    expect(() => coordinateMedian([new Float64Array(1), new Float64Array(2)])).to.throw(/lengths differ/);
  });
});
