/**
 * A small multi-party Powers of Tau for offline tests, made with snarkjs exactly as a public ceremony is:
 * `powersoftau new`, three `contribute`s, a `beacon` and `prepare phase2`. Cached under .cache/ptau/ keyed by the power
 * and the contributions (prepare phase2 takes about a minute at 2^12 on an idle 2-core machine): the files that use it
 * call `prewarmTestPtau` when they load, so that a cold run makes it in the background while earlier files run.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../lib/util/processes";
import { backgroundDone, startInBackground } from "./background";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

export const TEST_PTAU_CONTRIBUTORS = ["alice", "bob", "carol"];

const DEFAULT_CACHE = path.join(REPO_ROOT, ".cache", "ptau");

function ptauFile(power: number, cacheDir: string): string {
  const key = crypto.createHash("sha256").update(JSON.stringify({ v: 1, power, c: TEST_PTAU_CONTRIBUTORS })).digest("hex").slice(0, 16);
  return path.join(cacheDir, `test-${power}-${key}.ptau`);
}

/** Starts making the .ptau of 2^power in the background (test/helpers/background.ts) unless it is cached. */
export function prewarmTestPtau(power = 12): void {
  if (!fs.existsSync(ptauFile(power, DEFAULT_CACHE))) startInBackground(`ptau-${power}`, path.join(__dirname, "make-ptau.ts"), [String(power)]);
}

/** The prepared .ptau of 2^power, made once per cache. */
export async function testPtau(power = 12, cacheDir = DEFAULT_CACHE): Promise<string> {
  const out = ptauFile(power, cacheDir);
  if (cacheDir === DEFAULT_CACHE) await backgroundDone(`ptau-${power}`);
  if (fs.existsSync(out)) return out;
  await makeTestPtau(power, cacheDir);
  return out;
}

/** Makes the .ptau of 2^power in `cacheDir` (written by rename: a reader never sees part of it). */
export async function makeTestPtau(power: number, cacheDir = DEFAULT_CACHE): Promise<string> {
  const out = ptauFile(power, cacheDir);
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
