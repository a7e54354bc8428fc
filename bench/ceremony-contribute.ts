/**
 * One phase-2 contribution of ours beside snarkjs `zkey contribute` on the same key, alternating (ours, snarkjs, ours)
 * in one process, without a ptau: the key is any Groth16 zkey of the model (default: LeNet-5's cached development key,
 * whose L and H sections have the ceremony key's sizes). For machines where bench:ceremony's full LeNet-5 run (ptau,
 * snarkjs `zkey new`) does not fit. Usage: `npx hardhat run bench/ceremony-contribute.ts` with BENCH_ZKEY=file.
 * Writes bench/results/ceremony-contribute.json. With BENCH_PTAU=file (BENCH_ZKEY then being the initial key made from
 * that ptau): one contribution of ours, then the transcript check of the key it writes (verifyKey, snarkjs
 * `zkey verify` from the initial key), timed; written to bench/results/ceremony-verify.json.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { contributeKey, verifyKey } from "../lib/zk/ceremony";
import { binSections } from "../lib/zk/ptau";
import { runBench } from "./local-chain";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

async function main() {
  const zkey = process.env.BENCH_ZKEY;
  if (!zkey || !fs.existsSync(zkey)) throw new Error("BENCH_ZKEY must name an existing zkey");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-contribute-"));
  const s = binSections(zkey, "zkey");
  const points = (s[8].size + s[9].size) / 64;
  const load0 = os.loadavg();
  // CPU seconds of the process (every thread): the figure that does not depend on the other jobs on the machine
  const runs: { tool: string; seconds: number; cpuSeconds: number; load: number }[] = [];
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const time = async (tool: string, f: () => Promise<unknown>) => {
    const t = Date.now();
    const c = cpu();
    await f();
    runs.push({ tool, seconds: (Date.now() - t) / 1000, cpuSeconds: cpu() - c, load: os.loadavg()[0] });
    console.log(JSON.stringify(runs[runs.length - 1]));
  };
  await time("ours", () => contributeKey(zkey, path.join(dir, "ours1.zkey"), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
  const ptau = process.env.BENCH_PTAU;
  if (ptau) {
    await time("verify", () => verifyKey(zkey, ptau, path.join(dir, "ours1.zkey")));
    const out = { date: new Date().toISOString(), zkey, ptau, points, runs, loadavg: { before: load0, after: os.loadavg() } };
    fs.writeFileSync(path.join("bench", "results", "ceremony-verify.json"), JSON.stringify(out, null, 1));
    return;
  }
  await time("snarkjs", () => snarkjs.zKey.contribute(zkey, path.join(dir, "snarkjs.zkey"), "reference", "entropy"));
  await time("ours", () => contributeKey(zkey, path.join(dir, "ours2.zkey"), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
  const mean = (tool: string, k: "seconds" | "cpuSeconds") => { const r = runs.filter((x) => x.tool === tool); return r.reduce((a, b) => a + b[k], 0) / r.length; };
  const out = {
    date: new Date().toISOString(), zkey, lPoints: s[8].size / 64, hPoints: s[9].size / 64, points, runs,
    oursMeanSeconds: mean("ours", "seconds"), snarkjsSeconds: mean("snarkjs", "seconds"), ratio: mean("ours", "seconds") / mean("snarkjs", "seconds"),
    oursMeanCpuSeconds: mean("ours", "cpuSeconds"), snarkjsCpuSeconds: mean("snarkjs", "cpuSeconds"), cpuRatio: mean("ours", "cpuSeconds") / mean("snarkjs", "cpuSeconds"),
    loadavg: { before: load0, after: os.loadavg() },
  };
  fs.writeFileSync(path.join("bench", "results", "ceremony-contribute.json"), JSON.stringify(out, null, 1));
  console.log(JSON.stringify(out));
  fs.rmSync(dir, { recursive: true, force: true });
}

// one line and exit 1 on failure; process.exit also ends the curve's worker threads
runBench("bench:ceremony-contribute", main);
