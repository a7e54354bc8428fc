/**
 * bench:ceremony: the cost of a ceremony setup for MNIST 784-56-10 (the demo's model) and LeNet-5
 * (bench/models/lenet5.onnx), each step of ours beside snarkjs on the same files in the same run:
 * - key generation from a prepared ptau (lib/zk/zkey-new.ts via initialKey) and snarkjs `zkey new` (bytes compared);
 * - three phase-2 contributions in a row (lib/zk/zkey-contribute.ts via contributeKey) and snarkjs `zkey contribute`
 *   on the key our second one built on; our beacon and snarkjs `zkey beacon` on the same key (bytes compared);
 * - verifying the 3-contribution transcript (verifyKey from the cached initial key + matchChain, as model:verify-setup
 *   and model:contribute do) and snarkjs `zkey verify` (from the R1CS);
 * - finalization gas (seal + finalizeCeremony on a fresh registry) and what a contributor downloads.
 * The ptau is made by bench/fast-ptau.ts (one party, fixed-base threads) because snarkjs `prepare phase2` takes over an
 * hour at 2^18 here; its power is the circuit's (snarkjs's rule: floor(log2(constraints + public)) + 1).
 * `--quick` (env BENCH_QUICK=1): MNIST only; BENCH_ONLY=lenet5 (or mnist-784-56-10): that model alone, the other
 * model's earlier result kept. Writes bench/results/ceremony.json and the table between the ceremony markers of
 * docs/zk.md.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { loadMnist } from "../lib/data/mnist";
import { loadOrTrainMnistMlp } from "../lib/devnet/mnist-model";
import { BEACON_ITERATIONS_EXP, beaconKey, contributeKey, initialKey, keyContributions, matchChain, NO_PARENT, sha256File, verifyKey } from "../lib/zk/ceremony";
import { buildModelArtifacts } from "../lib/zk/model";
import { verifyingKeyOf, type SnarkjsVkey } from "../lib/zk/vk-verifier";
import { createLogger } from "../lib/util/log";
import { fastPtau } from "./fast-ptau";
import { runBench } from "./local-chain";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const log = createLogger({ source: "bench:ceremony" });
const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
/** BENCH_ONLY=lenet5 (or mnist-784-56-10): that model alone. */
const only = process.env.BENCH_ONLY;
const secs = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = Date.now();
  const r = await f();
  return [r, (Date.now() - t) / 1000];
};

async function finalizationGas(r1cs: string, keys: string[], final: string, hashes: string[], finalHash: string) {
  const [owner, a, b, finalizer] = await ethers.getSigners();
  const registry = await (await ethers.getContractFactory("ModelRegistry")).deploy();
  // Gas only: the CIDs below are never fetched, and a ceremony version has no verifier until it is finalized.
  const noVerifierYet = ethers.ZeroAddress;
  const deadline = (await ethers.provider.getBlockNumber()) + 10;
  await (await registry.connect(owner).registerCeremonyModel("bench", parseEther("0.001"), {
    onnxCid: "bafyonnx", circuitCid: "bafycircuit", provingKeyCid: "", circuitHash: sha256File(r1cs), verifier: noVerifierYet, proofSystem: 1,
    layoutVersion: 1, batchSize: 1, numPublicSignals: 3, devSetup: false, modelCommitment: 0n,
  }, { r1csHash: sha256File(r1cs), ptauHash: "0x" + "11".repeat(32), r1csCid: "bafyr1cs", ptauCid: "bafyptau", deadline, firstContribution: hashes[0], firstKeyCid: "bafy0" })).wait();
  const c1 = await (await registry.connect(a).contribute(1, 1, 0, hashes[1], "bafy1")).wait();
  await (await registry.connect(b).contribute(1, 1, 1, hashes[2], "bafy2")).wait();
  await ethers.provider.send("hardhat_mine", ["0x10"]);
  const seal = await (await registry.connect(finalizer).sealCeremony(1, 1)).wait();
  const vkey = (await snarkjs.zKey.exportVerificationKey(final)) as SnarkjsVkey;
  const fin = await (await registry.connect(finalizer).finalizeCeremony(1, 1, 2, finalHash, "bafyfinal", verifyingKeyOf(vkey))).wait();
  void keys;
  return { contributeGas: Number(c1!.gasUsed), sealGas: Number(seal!.gasUsed), finalizeGas: Number(fin!.gasUsed) };
}

const TARGETS = { lenetContributionSeconds: 60, contributionVsSnarkjs: 0.5, lenetKeygenSeconds: 180, verifySeconds: 120 };

async function benchModel(name: string, onnx: Uint8Array, calibration: ArrayLike<number>[], dir: string) {
  const art = await buildModelArtifacts(onnx, { batch: 1, calibration, log });
  const power = Math.floor(Math.log2(art.constraints + art.publicSignals)) + 1;
  const ptauFile = path.join(".cache", "bench-ptau", `fast-${power}.ptau`);
  let ptauSeconds = 0;
  if (!fs.existsSync(ptauFile)) [, ptauSeconds] = await secs(() => fastPtau(power, ptauFile));
  log.info(`${name}: ${art.constraints} constraints, ptau 2^${power}`, { ptauSeconds });
  const load0 = os.loadavg();
  fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  const d = (f: string) => path.join(dir, name, f);
  // Each step's time is also written as it lands (.cache/bench-ceremony/<model>.steps.json), for runs cut short.
  // CPU seconds of the whole process (every thread) beside each wall time: on a shared machine, the figure that
  // does not depend on the others' load (divided by the cores it is about the idle wall time of threaded work).
  const partial: Record<string, number> = {};
  const cpuSeconds: Record<string, number> = {};
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const step = <T>(what: string, f: () => Promise<T>) => { const c0 = cpu(); return secs(f).then(([r, t]) => {
    cpuSeconds[what] = cpu() - c0;
    log.info(`${name}: ${what}`, { seconds: t, cpuSeconds: cpuSeconds[what], load: os.loadavg()[0] });
    partial[what] = t;
    partial[`${what} (cpu s)`] = cpuSeconds[what];
    fs.writeFileSync(path.join(dir, `${name}.steps.json`), JSON.stringify({ ...partial, loadBefore: load0, loadNow: os.loadavg() }, null, 1));
    return [r, t] as [T, number];
  }); };
  const [init, keygen] = await step("our key generation", () => initialKey(art.files.r1cs, ptauFile, path.join(dir, name)));
  const [, snarkNew] = await step("snarkjs zkey new", () => snarkjs.zKey.newZKey(art.files.r1cs, ptauFile, d("snarkjs-new.zkey")));
  const keygenBytesEqual = fs.readFileSync(init.file).equals(fs.readFileSync(d("snarkjs-new.zkey")));
  const signers = await ethers.getSigners();
  const keys = [init.file];
  const contribSeconds: number[] = [];
  const hashes: string[] = [];
  for (let i = 0; i < 3; i++) {
    const [c] = await step(`our contribution ${i + 1}`, () => contributeKey(keys[i], d(`c${i}.zkey`), signers[i].address));
    keys.push(d(`c${i}.zkey`));
    contribSeconds.push(c.seconds);
    hashes.push(c.hash32);
  }
  const [, snarkContribute] = await step("snarkjs zkey contribute", () => snarkjs.zKey.contribute(keys[1], d("snarkjs-contrib.zkey"), "reference", "entropy"));
  const beaconHash = "0x" + "ab".repeat(32);
  const [b] = await step("our beacon", () => beaconKey(keys[3], d("final.zkey"), beaconHash, 100));
  const [, snarkBeacon] = await step("snarkjs zkey beacon", () => snarkjs.zKey.beacon(keys[3], d("snarkjs-final.zkey"), "beacon block 100", beaconHash.slice(2), BEACON_ITERATIONS_EXP));
  const beaconBytesEqual = fs.readFileSync(d("final.zkey")).equals(fs.readFileSync(d("snarkjs-final.zkey")));
  const records = hashes.map((h, i) => ({ index: i, contributor: signers[i].address, parent: i === 0 ? NO_PARENT : i - 1, depth: i + 1, contributionHash: h, keyCid: "" }));
  const [, ours] = await step("our transcript check", async () => {
    await verifyKey(init.file, ptauFile, d("final.zkey"));
    matchChain((await keyContributions(d("final.zkey"))).slice(0, -1), records);
  });
  // BENCH_SNARKJS_VERIFY=0 leaves out the slowest reference (it rebuilds the key from the R1CS with snarkjs's zkey new).
  let snarkVerify: number | null = null;
  if (process.env.BENCH_SNARKJS_VERIFY !== "0") {
    const [ok, t] = await step("snarkjs zkey verify", () => snarkjs.zKey.verifyFromR1cs(art.files.r1cs, ptauFile, d("final.zkey")));
    if (!ok) throw new Error(`${name}: snarkjs zkey verify refused the final key`);
    snarkVerify = t;
  }
  const gas = await finalizationGas(art.files.r1cs, keys, d("final.zkey"), hashes, b.hash32);
  const size = (f: string) => fs.statSync(f).size;
  const meanContribution = contribSeconds.reduce((x, y) => x + y, 0) / contribSeconds.length;
  return {
    model: name, constraints: art.constraints, ptauPower: power, ptauSeconds,
    keygenSeconds: keygen, snarkjsZkeyNewSeconds: snarkNew, keygenBytesEqual,
    contributionSeconds: contribSeconds, snarkjsContributeSeconds: snarkContribute, contributionRatio: meanContribution / snarkContribute,
    beaconSeconds: b.seconds, snarkjsBeaconSeconds: snarkBeacon, beaconBytesEqual,
    verifyTranscriptSeconds: ours, snarkjsZkeyVerifySeconds: snarkVerify,
    ...gas,
    download: { r1csBytes: size(art.files.r1cs), ptauBytes: size(ptauFile), zkeyBytes: size(keys[3]), contributorBytes: size(art.files.r1cs) + size(ptauFile) + size(keys[3]) },
    cpuSeconds,
    loadavg: { before: load0, after: os.loadavg() },
  };
}

type Result = Awaited<ReturnType<typeof benchModel>>;

const f1 = (v: number) => v.toFixed(1);
const mib = (v: number) => (v / 2 ** 20).toFixed(1);
const met = (ok: boolean) => (ok ? "met" : "**not met**");

/** The table between the ceremony markers of docs/zk.md, with the targets and whether each is met. */
function docsTable(results: Result[], date: string): string {
  const rows = results.map((r) => `| ${r.model} | ${r.constraints.toLocaleString("en-US")} | 2^${r.ptauPower} | **${f1(r.keygenSeconds)}** / ${f1(r.snarkjsZkeyNewSeconds)} (${r.keygenBytesEqual ? "same bytes" : "bytes differ"}) | **${r.contributionSeconds.map(f1).join(", ")}** / ${f1(r.snarkjsContributeSeconds)} (${r.contributionRatio.toFixed(2)}×) | ${f1(r.beaconSeconds)} / ${f1(r.snarkjsBeaconSeconds)} (${r.beaconBytesEqual ? "same bytes" : "bytes differ"}) | **${f1(r.verifyTranscriptSeconds)}** / ${r.snarkjsZkeyVerifySeconds === null ? "not run" : f1(r.snarkjsZkeyVerifySeconds)} | ${r.contributeGas.toLocaleString("en-US")} / ${r.sealGas.toLocaleString("en-US")} / ${r.finalizeGas.toLocaleString("en-US")} | ${mib(r.download.contributorBytes)} MiB (R1CS ${mib(r.download.r1csBytes)} + ptau ${mib(r.download.ptauBytes)} + key ${mib(r.download.zkeyBytes)}) | ${r.loadavg.before[0].toFixed(1)} → ${r.loadavg.after[0].toFixed(1)} |`);
  const lenet = results.find((r) => r.model === "lenet5");
  const targets = lenet
    ? [
      `- LeNet-5 contribution ≤ ${TARGETS.lenetContributionSeconds} s: ${Math.max(...lenet.contributionSeconds).toFixed(1)} s at most here, ${met(Math.max(...lenet.contributionSeconds) <= TARGETS.lenetContributionSeconds)} (at the load above).`,
      `- LeNet-5 contribution ≤ ${TARGETS.contributionVsSnarkjs}× snarkjs \`zkey contribute\`: ${lenet.contributionRatio.toFixed(2)}×, ${met(lenet.contributionRatio <= TARGETS.contributionVsSnarkjs)}.`,
      `- LeNet-5 key generation ≤ ${TARGETS.lenetKeygenSeconds} s: ${f1(lenet.keygenSeconds)} s (snarkjs \`zkey new\` ${f1(lenet.snarkjsZkeyNewSeconds)} s, ${(lenet.keygenSeconds / lenet.snarkjsZkeyNewSeconds).toFixed(2)}×), ${met(lenet.keygenSeconds <= TARGETS.lenetKeygenSeconds)} (at the load above).`,
      `- Transcript verification ≤ ${TARGETS.verifySeconds} s: ${f1(lenet.verifyTranscriptSeconds)} s, ${met(lenet.verifyTranscriptSeconds <= TARGETS.verifySeconds)} (at the load above).`,
    ]
    : ["- LeNet-5 not in this run: the targets are for LeNet-5."];
  return [
    `<!-- ceremony:begin (written by npm run bench:ceremony) -->`,
    `Run of ${date} on this 2-core machine (1-minute load average before → after each model in the last column; the targets are for an idle machine, ratios beside snarkjs hold under load). Bold: ours; the other figure is snarkjs on the same files in the same run.`,
    "",
    "| model | constraints | ptau | key gen from ptau s (ours / snarkjs `zkey new`) | one contribution s (three of ours / snarkjs `zkey contribute`) | beacon s (ours / snarkjs) | 3-contribution transcript check s (ours / snarkjs `zkey verify`) | gas: contribute / seal / finalize | contributor download | load |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...targets,
    `<!-- ceremony:end -->`,
  ].join("\n");
}

async function main() {
  const dir = path.join(".cache", "bench-ceremony");
  const resultsFile = path.join("bench", "results", "ceremony.json");
  const earlier: Result[] = fs.existsSync(resultsFile) ? (JSON.parse(fs.readFileSync(resultsFile, "utf8")).results ?? []) : [];
  const results: Result[] = [];
  const { onnx } = loadOrTrainMnistMlp();
  const data = loadMnist();
  const calibration = data.trainX.slice(0, 1000);
  const want = (m: string) => (only ? only === m : m !== "lenet5" || !quick);
  if (want("mnist-784-56-10")) results.push(await benchModel("mnist-784-56-10", onnx, calibration, dir));
  if (want("lenet5")) results.push(await benchModel("lenet5", new Uint8Array(fs.readFileSync(path.join("bench", "models", "lenet5.onnx"))), calibration, dir));
  // A model left out of this run keeps its earlier figures only if they were measured with both tools' columns.
  const all = ["mnist-784-56-10", "lenet5"].map((m) => results.find((r) => r.model === m) ?? earlier.find((r) => r.model === m && r.snarkjsBeaconSeconds !== undefined)).filter((r): r is Result => !!r);
  const date = new Date().toISOString();
  const out = { date, cpus: os.cpus().length, quick, only: only ?? null, note: "ptau made by bench/fast-ptau.ts (single party, benchmark only)", targets: TARGETS, results: all };
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.writeFileSync(resultsFile, JSON.stringify(out, null, 1));
  const docs = path.join("docs", "zk.md");
  const md = fs.readFileSync(docs, "utf8");
  const table = docsTable(all, date.slice(0, 16).replace("T", " ") + " UTC");
  const re = /<!-- ceremony:begin[\s\S]*?<!-- ceremony:end -->/;
  if (!re.test(md)) throw new Error("docs/zk.md has no ceremony markers");
  fs.writeFileSync(docs, md.replace(re, table));
  console.log(table);
}

// one line and exit 1 on failure; process.exit also ends the curve's worker threads
runBench("bench:ceremony", main);
