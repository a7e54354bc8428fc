/**
 * A small multi-party Powers of Tau for offline tests, made with snarkjs exactly as a public ceremony is:
 * `powersoftau new`, three `contribute`s, a `beacon` and `prepare phase2`. Cached under .cache/ptau/ keyed by the power
 * and the contributions (prepare phase2 takes about a minute at 2^12 on an idle 2-core machine).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

export const TEST_PTAU_CONTRIBUTORS = ["alice", "bob", "carol"];

/** The prepared .ptau of 2^power, made once per cache. */
export async function testPtau(power = 12, cacheDir = path.join(".cache", "ptau")): Promise<string> {
  const key = crypto.createHash("sha256").update(JSON.stringify({ v: 1, power, c: TEST_PTAU_CONTRIBUTORS })).digest("hex").slice(0, 16);
  const out = path.join(cacheDir, `test-${power}-${key}.ptau`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir, "tmp-"));
  const f = (n: string) => path.join(tmp, n);
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  await snarkjs.powersOfTau.newAccumulator(curve, power, f("0.ptau"));
  for (const [i, who] of TEST_PTAU_CONTRIBUTORS.entries()) {
    await snarkjs.powersOfTau.contribute(f(`${i}.ptau`), f(`${i + 1}.ptau`), who, `${who} entropy ${crypto.randomBytes(16).toString("hex")}`);
  }
  const n = TEST_PTAU_CONTRIBUTORS.length;
  await snarkjs.powersOfTau.beacon(f(`${n}.ptau`), f("beacon.ptau"), "test beacon", "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 10);
  await snarkjs.powersOfTau.preparePhase2(f("beacon.ptau"), f("final.ptau"));
  fs.renameSync(f("final.ptau"), out);
  fs.rmSync(tmp, { recursive: true, force: true });
  return out;
}
