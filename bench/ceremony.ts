/**
 * bench:ceremony: the cost of a ceremony setup for MNIST 784-56-10 (the demo's model) and LeNet-5
 * (bench/models/lenet5.onnx), each step beside snarkjs on the same files in the same run:
 * - key generation from a prepared ptau (lib/zk/ceremony.ts initialKey) and snarkjs `zkey new`;
 * - one phase-2 contribution (contributeKey) and snarkjs `zkey contribute`;
 * - verifying a 3-contribution transcript (verifyKey from the cached initial key + matchChain, as model:verify-setup
 *   and model:contribute do) and snarkjs `zkey verify` (from the R1CS);
 * - finalization gas (seal + finalizeCeremony on a fresh registry) and what a contributor downloads.
 * The ptau is made by bench/fast-ptau.ts (one party, fixed-base threads) because snarkjs `prepare phase2` takes over an
 * hour at 2^18 here. `--quick` (env BENCH_QUICK=1): MNIST only. Writes bench/results/ceremony.json.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { loadMnist } from "../lib/data/mnist";
import { loadOrTrainMnistMlp } from "../lib/devnet/mnist-model";
import { beaconKey, contributeKey, initialKey, keyContributions, matchChain, NO_PARENT, sha256File, verifyKey } from "../lib/zk/ceremony";
import { buildModelArtifacts } from "../lib/zk/model";
import { verifyingKeyOf, type SnarkjsVkey } from "../lib/zk/vk-verifier";
import { createLogger } from "../lib/util/log";
import { fastPtau } from "./fast-ptau";
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

async function benchModel(name: string, onnx: Uint8Array, calibration: ArrayLike<number>[], dir: string) {
  const art = await buildModelArtifacts(onnx, { batch: 1, calibration, log });
  const cirPower = Math.ceil(Math.log2(art.constraints + art.publicSignals + 1));
  const power = cirPower + 1;
  const ptauFile = path.join(".cache", "bench-ptau", `fast-${power}.ptau`);
  let ptauSeconds = 0;
  if (!fs.existsSync(ptauFile)) [, ptauSeconds] = await secs(() => fastPtau(power, ptauFile));
  log.info(`${name}: ${art.constraints} constraints, ptau 2^${power}`, { ptauSeconds });
  const load0 = os.loadavg();
  fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  const d = (f: string) => path.join(dir, name, f);
  const [init, keygen] = await secs(() => initialKey(art.files.r1cs, ptauFile, path.join(dir, name)));
  const [, snarkNew] = await secs(() => snarkjs.zKey.newZKey(art.files.r1cs, ptauFile, d("snarkjs-new.zkey")));
  const signers = await ethers.getSigners();
  const keys = [init.file];
  const contribSeconds: number[] = [];
  const hashes: string[] = [];
  for (let i = 0; i < 3; i++) {
    const c = await contributeKey(keys[i], d(`c${i}.zkey`), signers[i].address);
    keys.push(d(`c${i}.zkey`));
    contribSeconds.push(c.seconds);
    hashes.push(c.hash32);
  }
  const [, snarkContribute] = await secs(() => snarkjs.zKey.contribute(keys[1], d("snarkjs-contrib.zkey"), "reference", "entropy"));
  const b = await beaconKey(keys[3], d("final.zkey"), "0x" + "ab".repeat(32), 100);
  const records = hashes.map((h, i) => ({ index: i, contributor: signers[i].address, parent: i === 0 ? NO_PARENT : i - 1, depth: i + 1, contributionHash: h, keyCid: "" }));
  const [, ours] = await secs(async () => {
    await verifyKey(init.file, ptauFile, d("final.zkey"));
    matchChain((await keyContributions(d("final.zkey"))).slice(0, -1), records);
  });
  const [ok, snarkVerify] = await secs(() => snarkjs.zKey.verifyFromR1cs(art.files.r1cs, ptauFile, d("final.zkey")));
  if (!ok) throw new Error(`${name}: snarkjs zkey verify refused the final key`);
  const gas = await finalizationGas(art.files.r1cs, keys, d("final.zkey"), hashes, b.hash32);
  const size = (f: string) => fs.statSync(f).size;
  return {
    model: name, constraints: art.constraints, ptauPower: power, ptauSeconds,
    keygenSeconds: keygen, snarkjsZkeyNewSeconds: snarkNew,
    contributionSeconds: contribSeconds, snarkjsContributeSeconds: snarkContribute, beaconSeconds: b.seconds,
    verifyTranscriptSeconds: ours, snarkjsZkeyVerifySeconds: snarkVerify,
    ...gas,
    download: { r1csBytes: size(art.files.r1cs), ptauBytes: size(ptauFile), zkeyBytes: size(keys[3]), contributorBytes: size(art.files.r1cs) + size(ptauFile) + size(keys[3]) },
    loadavg: { before: load0, after: os.loadavg() },
  };
}

async function main() {
  const dir = path.join(".cache", "bench-ceremony");
  const results = [];
  const { onnx } = loadOrTrainMnistMlp();
  const data = loadMnist();
  const calibration = data.trainX.slice(0, 1000);
  if (!only || only === "mnist-784-56-10") results.push(await benchModel("mnist-784-56-10", onnx, calibration, dir));
  if (!quick && (!only || only === "lenet5")) results.push(await benchModel("lenet5", new Uint8Array(fs.readFileSync(path.join("bench", "models", "lenet5.onnx"))), calibration, dir));
  const out = { date: new Date().toISOString(), cpus: os.cpus().length, quick, note: "ptau made by bench/fast-ptau.ts (single party, benchmark only)", results };
  fs.mkdirSync(path.join("bench", "results"), { recursive: true });
  fs.writeFileSync(path.join("bench", "results", "ceremony.json"), JSON.stringify(out, null, 1));
  for (const r of results) {
    console.log(`| ${r.model} | ${r.constraints} | 2^${r.ptauPower} | ${r.keygenSeconds.toFixed(1)} / ${r.snarkjsZkeyNewSeconds.toFixed(1)} | ${r.contributionSeconds.map((s) => s.toFixed(1)).join(", ")} / ${r.snarkjsContributeSeconds.toFixed(1)} | ${r.verifyTranscriptSeconds.toFixed(1)} / ${r.snarkjsZkeyVerifySeconds.toFixed(1)} | ${r.finalizeGas} | ${(r.download.contributorBytes / 2 ** 20).toFixed(1)} MiB | ${r.loadavg.before[0].toFixed(1)}–${r.loadavg.after[0].toFixed(1)} |`);
  }
}

main()
  .then(async () => {
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    await g.curve_bn128?.terminate();
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
