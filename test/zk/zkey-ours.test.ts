/**
 * The ceremony's own key generation and contributions against snarkjs, on a synthetic R1CS whose coefficients cover
 * every path of lib/zk/zkey-new.ts (small positive, small negative, 254-bit, +-1, unused variables, the constant one
 * in every B, a heavy variable): the initial key is byte-equal to snarkjs `zkey new`'s, a chain mixing our contributions and snarkjs's
 * passes snarkjs `zkey verify`, and our beacon writes the very bytes of snarkjs `zkey beacon`.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beaconKey, contributeKey, keyContributions } from "../../lib/zk/ceremony";
import { LAMBDA, R, SameScalarPool, schedule } from "../../lib/zk/sameScalar";
import { getCurve } from "../../lib/zk/setup";
import { newZkey } from "../../lib/zk/zkey-new";
import { prewarmTestPtau, testPtau } from "../helpers/ptau";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const le = (v: bigint, n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return b;
};

/** A seeded random R1CS in circom's binary format (header and constraints sections). */
function syntheticR1cs(file: string, nConstraints: number, nVars: number, nPub: number): void {
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const coef = (): bigint => {
    const k = rnd(10);
    if (k < 3) return BigInt(1 + rnd(40000)); // small positive
    if (k < 6) return R - BigInt(1 + rnd(40000)); // small negative
    if (k < 7) return BigInt("0x" + crypto.createHash("sha256").update(String(rnd(1e9))).digest("hex")) % R; // 254-bit
    if (k < 8) return 1n << BigInt(rnd(60)); // a power of two
    return k < 9 ? 1n : R - 1n;
  };
  const lc = (n: number, wires: () => number, withOne = false) => {
    const ws = [...new Set([...(withOne ? [0] : []), ...Array.from({ length: n }, wires)])].sort((a, b) => a - b);
    return Buffer.concat([le(BigInt(ws.length), 4), ...ws.map((w) => Buffer.concat([le(BigInt(w), 4), le(coef(), 32)]))]);
  };
  const used = Math.floor(nVars * 0.95); // the last variables appear nowhere
  const cons: Buffer[] = [];
  for (let c = 0; c < nConstraints; c++) {
    cons.push(lc(1 + rnd(3), () => rnd(used)), lc(rnd(4), () => rnd(used), true), lc(1 + rnd(3), () => rnd(used)));
  }
  const header = Buffer.concat([le(32n, 4), le(R, 32), ...[nVars, 1, nPub - 1, 0].map((v) => le(BigInt(v), 4)), le(BigInt(nVars), 8), le(BigInt(nConstraints), 4)]);
  const section = (id: number, data: Buffer) => Buffer.concat([le(BigInt(id), 4), le(BigInt(data.length), 8), data]);
  fs.writeFileSync(file, Buffer.concat([Buffer.from("r1cs"), le(1n, 4), le(2n, 4), section(1, header), section(2, Buffer.concat(cons))]));
}

prewarmTestPtau(12);

describe("zk: our key generation and contributions, byte-compatible with snarkjs", function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkey-ours-"));
  const f = (n: string) => path.join(dir, n);
  let ptau: string;

  before(async () => {
    ptau = await testPtau(12);
    syntheticR1cs(f("c.r1cs"), 1100, 900, 3);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("multiplies G1 points (and the point at infinity) by one scalar as ffjavascript does, for edge and random scalars", async () => {
    const curve = await getCurve();
    const G1 = curve.G1;
    const n = 300;
    const pts = Buffer.alloc(n * 64);
    let P = G1.timesScalar(G1.g, 7n);
    for (let i = 0; i < n; i++) {
      if (i % 50 !== 3) G1.toRprLEM(pts, i * 64, P);
      P = G1.add(P, G1.timesScalar(G1.g, 1000003n));
    }
    for (const k of [1n, 2n, R - 1n, 2n ** 200n + 12345n]) expect(schedule(k).length).to.be.greaterThan(0); // each checks its own multiple
    for (const k of [R - LAMBDA, BigInt("0x" + crypto.randomBytes(32).toString("hex")) % R]) {
      const pool = new SameScalarPool(k, 1);
      const got = await pool.times(pts).finally(() => pool.close());
      const want = Buffer.from(await G1.batchApplyKey(pts, curve.Fr.e(k), curve.Fr.e(1)));
      for (let i = 3; i < n; i += 50) expect(want.subarray(i * 64, i * 64 + 64).every((b) => b === 0)).to.equal(true);
      expect(got.equals(want), `scalar ${k}`).to.equal(true);
    }
  });

  it("writes the initial key snarkjs zkey new writes, byte for byte", async () => {
    await newZkey(f("c.r1cs"), ptau, f("ours.zkey"));
    await snarkjs.zKey.newZKey(f("c.r1cs"), ptau, f("snarkjs.zkey"));
    expect(fs.readFileSync(f("ours.zkey")).equals(fs.readFileSync(f("snarkjs.zkey")))).to.equal(true);
  });

  it("contributes in snarkjs's format: a chain of ours, snarkjs's and ours passes zkey verify; our beacon equals snarkjs's", async () => {
    const alice = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const carol = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    const a = await contributeKey(f("ours.zkey"), f("1.zkey"), alice);
    await snarkjs.zKey.contribute(f("1.zkey"), f("2.zkey"), "bob", "bob's entropy");
    const c = await contributeKey(f("2.zkey"), f("3.zkey"), carol);
    const beacon = "0x" + "5a".repeat(32);
    await beaconKey(f("3.zkey"), f("final.zkey"), beacon, 77);
    await snarkjs.zKey.beacon(f("3.zkey"), f("final-snarkjs.zkey"), "beacon block 77", beacon.slice(2), 10);
    expect(fs.readFileSync(f("final.zkey")).equals(fs.readFileSync(f("final-snarkjs.zkey")))).to.equal(true);
    const chain = await keyContributions(f("final.zkey"));
    expect(chain.map((x) => x.name)).to.deep.equal([alice, "bob", carol, "beacon block 77"]);
    expect([chain[0].hash, chain[2].hash]).to.deep.equal([a.hash, c.hash]);
    const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
    expect(await snarkjs.zKey.verifyFromInit(f("snarkjs.zkey"), ptau, f("final.zkey"), quiet)).to.equal(true);
  });
});
