import { expect } from "chai";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { AFFINE_BYTES, FixedBasePool, scalarsLE } from "../../lib/zk/fixedBase";
import { getCurve } from "../../lib/zk/setup";

/** The setup's fixed-base multiplication equals ffjavascript's s * g, point for point, in the zkey encoding. */
describe("zk: fixed-base generator multiplication (development setup)", function () {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let curve: any;
  let r: bigint;
  before(async () => {
    curve = await getCurve();
    r = BigInt(curve.r.toString());
  });

  for (const group of ["G1", "G2"] as const) {
    it(`${group}: 0, 1, 255, 256, r-1, 2^253 and a run across a chunk boundary equal ffjavascript's timesScalar`, async () => {
      const edge = [0n, 1n, 255n, 256n, 257n, r - 1n, 1n << 253n, (1n << 254n) - 1n];
      const run = Array.from({ length: 4100 }, (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15f39cc0605cedc834n + 7n) % r);
      const scalars = [...edge, ...run];
      const pool = new FixedBasePool(group, 2);
      const [a, b] = await Promise.all([pool.times(edge), pool.times(scalars)]).finally(() => pool.close());
      const G = curve[group];
      const size = AFFINE_BYTES[group];
      expect(b.length).to.equal(scalars.length * size);
      expect(a.equals(b.subarray(0, edge.length * size))).to.equal(true);
      for (const k of [...edge.keys(), edge.length + 4095, edge.length + 4096, scalars.length - 1]) {
        const want = Buffer.alloc(size);
        G.toRprLEM(want, 0, G.timesScalar(G.g, scalars[k]));
        expect(b.subarray(k * size, (k + 1) * size).toString("hex"), `scalar ${k}`).to.equal(want.toString("hex"));
      }
    });
  }

  it("works under `hardhat run` (a process that preloads hardhat/register, whose flags threads would inherit)", async () => {
    const root = path.join(__dirname, "..", "..");
    const code = `const { FixedBasePool } = require("./lib/zk/fixedBase");
      const p = new FixedBasePool("G1", 1); p.times([2n]).then((b) => p.close().then(() => console.log(b.length)));`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--require", "ts-node/register/transpile-only", "--require", "hardhat/register", "-e", code], {
      cwd: root,
      env: { ...process.env, HARDHAT_NETWORK: "hardhat" },
    });
    expect(stdout.trim().split("\n").pop()).to.equal("64");
    expect(stderr, "a thread that loaded Hardhat prints web-worker's TypeError").to.equal("");
  });

  it("refuses a negative scalar or one of 2^256 and more, by index", () => {
    expect(() => scalarsLE([1n, -1n])).to.throw(RangeError, "scalar 1 out of range");
    expect(() => scalarsLE([1n << 256n])).to.throw(RangeError, "scalar 0 out of range");
  });
});
