/**
 * Verifiable-inference benchmark on MNIST 784-56-10 (npm run bench:zk; `hardhat run`, in-process network).
 * Takes the demo's MLP (lib/devnet/mnist-model.ts: lib/ml, fixed split and seed, cached under .cache/models),
 * builds the circuit with weights as constants, makes the
 * development setup (no ceremony file), and measures accuracy (float vs circuit arithmetic on the test images),
 * constraints, setup, proving time and the prover process's peak RSS at B=1 and at a larger B, verify gas and
 * gas per inference; then the same model with weights as private witness (circomlib-ml style) side by side.
 * Writes bench/results/zk-mnist.json. Env: ZK_BENCH_BATCH (default 4), ZK_BENCH_TEST (test images, default all),
 * ZK_BENCH_FRESH=1 (build in a fresh cache so compile and setup are measured again; otherwise .cache/zk is reused and
 * the JSON carries the compile/setup times recorded when those artifacts were built).
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "hardhat";
import os from "node:os";
import { parseEther } from "ethers";
import { deployProtocol, type ProtocolContracts } from "../lib/chain/deployments";
import { createContentStore } from "../lib/storage";
import { buildModelArtifacts, type ModelArtifacts } from "../lib/zk/model";
import { proveBytes, ProverThread } from "../lib/zk/prover";
import { registerOnnxModel } from "../lib/zk/register";
import { argmax, quantizeInput } from "../lib/zk/quantize";
import { quantForward } from "../lib/zk/reference";
import { gasOf, settleGas } from "./zk-common";
import { createOnnxSession } from "../lib/runtime/onnx";
import { createLogger } from "../lib/util/log";
import { loadOrTrainMnistMlp } from "../lib/devnet/mnist-model";

const log = createLogger({ source: "bench:zk" });
const BATCH = Number(process.env.ZK_BENCH_BATCH ?? 4);
const cacheRoot = process.env.ZK_BENCH_FRESH ? fs.mkdtempSync(path.join(os.tmpdir(), "bench-zk-cache-")) : undefined;

async function proveTimes(art: ModelArtifacts, batches: number[][][], thread: ProverThread) {
  const times: number[] = [];
  const cpu: number[] = [];
  let rss = 0;
  let last = null as Awaited<ReturnType<ProverThread["prove"]>> | null;
  for (const bytes of batches) {
    last = await proveBytes(thread, art, bytes, 12345n);
    times.push(last.seconds);
    cpu.push(last.cpuSeconds);
    rss = Math.max(rss, last.maxRssMB);
  }
  // the median of the warm proofs (all but the first); their range says how noisy the machine was
  const median = (xs: number[]) => xs.slice(1).sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? xs[0];
  const warm = times.slice(1);
  return { cold: times[0], warm: median(times), warmMin: Math.min(...warm), warmMax: Math.max(...warm), cpu: median(cpu), rss, last: last! };
}

async function main() {
  const t0 = Date.now();
  const { onnx, data, cached, trainSeconds } = loadOrTrainMnistMlp();
  const nTest = Math.min(Number(process.env.ZK_BENCH_TEST ?? data.testX.length), data.testX.length);
  log.info("MLP 784-56-10 (the demo's model)", { train: data.trainX.length, test: nTest, cached, trainSeconds });
  const calibration = data.trainX.slice(0, 1000);

  const art1 = await buildModelArtifacts(onnx, { batch: 1, calibration, cacheRoot, log });
  log.info(`model ${art1.circuitHash.slice(0, 10)} DEV-SETUP: built`, { constraints: art1.constraints, setupSeconds: art1.setupSeconds });

  // Accuracy: float model in onnxruntime vs the circuit's arithmetic (the BigInt reference the tests tie to it).
  const session = await createOnnxSession(onnx, { inputShape: [784], threads: 1 });
  const testX = data.testX.slice(0, nTest);
  const testY = data.testY.slice(0, nTest);
  const floatOut = await session.run(testX);
  let floatOk = 0;
  let circOk = 0;
  const testBytes = testX.map((x) => quantizeInput(art1.quant, x));
  testX.forEach((_, i) => {
    if (argmax(floatOut[i]) === testY[i]) floatOk++;
    if (argmax(quantForward(art1.quant, testBytes[i]).map(Number)) === testY[i]) circOk++;
  });
  const floatAccuracy = (100 * floatOk) / nTest;
  const circuitAccuracy = (100 * circOk) / nTest;

  const thread = new ProverThread();
  const p1 = await proveTimes(art1, Array.from({ length: 12 }, (_, i) => [testBytes[i]]), thread); // 1 cold + 11 warm
  const g1 = await gasOf(art1, p1.last);
  await thread.close();

  const artB = await buildModelArtifacts(onnx, { batch: BATCH, calibration, cacheRoot, log });
  const threadB = new ProverThread();
  const pB = await proveTimes(artB, [0, 1, 2].map((k) => testBytes.slice(k * BATCH, (k + 1) * BATCH)), threadB);
  const gB = await gasOf(artB, pB.last);
  await threadB.close();

  const artW = await buildModelArtifacts(onnx, { batch: 1, calibration, privateWeights: true, unboundWeights: true, cacheRoot, log });
  const threadW = new ProverThread();
  const pW = await proveTimes(artW, [0, 1, 2].map((i) => [testBytes[i]]), threadW);
  await threadW.close();

  // Settlement through the real core (register via the library, as model:register does; artifacts are cached).
  const [owner, , worker] = await ethers.getSigners();
  const { contracts } = await deployProtocol(owner, { treasury: owner.address, unbondingPeriod: 3600 });
  const store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "bench-zk-store-")) } });
  await (await contracts.core.connect(worker).registerWorker("bafyworker", "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")).wait();
  await (await contracts.core.connect(worker).stake({ value: parseEther("10") })).wait();
  const settle: number[] = [];
  for (const b of [1, BATCH]) {
    const reg = await registerOnnxModel({ onnx, name: `mnist-b${b}`, feePerInference: parseEther("0.0001"), batch: b, calibration, cacheRoot, log }, contracts.registry, owner, store);
    const th = new ProverThread();
    // The first settlement of a model writes fresh balances (cold zero-to-nonzero stores); the second is typical.
    await settleGas(contracts, reg.modelId, reg.artifacts, testBytes.slice(8, 8 + b), worker, th);
    settle.push(await settleGas(contracts, reg.modelId, reg.artifacts, testBytes.slice(16, 16 + b), worker, th));
    await th.close();
  }
  await store.close();
  const result = {
    floatAccuracy,
    circuitAccuracy,
    accuracyLossPoints: floatAccuracy - circuitAccuracy,
    testImages: nTest,
    constraints: art1.constraints,
    setupSeconds: art1.setupSeconds,
    compileSeconds: art1.compileSeconds,
    proveSeconds: p1.warm,
    proveSecondsCold: p1.cold,
    proveSecondsWarmRange: [p1.warmMin, p1.warmMax],
    proveSamples: 11,
    proveCpuSeconds: p1.cpu,
    peakRssMB: Math.round(p1.rss),
    batch: BATCH,
    constraintsBatch: artB.constraints,
    setupSecondsBatch: artB.setupSeconds,
    proveSecondsBatch: pB.warm,
    proveCpuSecondsBatch: pB.cpu,
    peakRssMBBatch: Math.round(pB.rss),
    verifyGas: g1.verifyGas,
    verifyGasBatch: gB.verifyGas,
    settleGas: settle[0],
    settleGasBatch: settle[1],
    settleGasPerInference: settle[1] / BATCH,
    verifierBytes: g1.codeSize,
    witnessWeightsConstraints: artW.constraints,
    witnessWeightsSetupSeconds: artW.setupSeconds,
    witnessWeightsProveSeconds: pW.warm,
    witnessWeightsProveCpuSeconds: pW.cpu,
    witnessWeightsPeakRssMB: Math.round(pW.rss),
    witnessWeightsProveRatio: pW.warm / p1.warm,
    totalSeconds: (Date.now() - t0) / 1000,
    loadAverage1m: os.loadavg()[0],
    cpuCores: os.cpus().length,
  };
  fs.mkdirSync(path.join("bench", "results"), { recursive: true });
  fs.writeFileSync(path.join("bench", "results", "zk-mnist.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
