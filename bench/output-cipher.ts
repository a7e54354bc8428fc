/**
 * What G-07's output cipher costs (npm run bench:cipher; `hardhat run`, in-process network): the demo's MNIST
 * 784-56-10 at B = 1 and B = 4 under signal layout 2, registered with a development setup and settled through the
 * real core with real proofs. Records constraints, output cipher words W, public signals, the raw verifier's gas and
 * the steady-state settlement gas, beside layout 1's figures for the same model (the reference below, measured on
 * main before the change). Writes bench/results/output-cipher.json.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { deployProtocol } from "../lib/chain/deployments";
import { loadOrTrainMnistMlp } from "../lib/devnet/mnist-model";
import { createContentStore } from "../lib/storage";
import { createLogger } from "../lib/util/log";
import { proveBytes, ProverThread } from "../lib/zk/prover";
import { quantizeInput } from "../lib/zk/quantize";
import { registerOnnxModel } from "../lib/zk/register";
import { gasOf, settleGas } from "./zk-common";

const log = createLogger({ source: "bench:cipher" });

/**
 * Layout 1, same model and emitter: constraints measured on main (da36631) with its lib/zk/emit.ts; the raw verifier's
 * gas for 3 signals from bench/results/zk-mnist.json (session 4). Settlement gas is compared on one core instead
 * (the fixture rows of docs/gas.md: layout 1 before and after).
 */
const LAYOUT1 = { constraints: { 1: 13_294, 4: 52_328 }, verifyGas: 253_248, signals: 3 } as const;

async function main() {
  const t0 = Date.now();
  const { onnx, data } = loadOrTrainMnistMlp();
  const calibration = data.trainX.slice(0, 1000);
  const [owner, , worker] = await ethers.getSigners();
  const { contracts } = await deployProtocol(owner, { treasury: owner.address, unbondingPeriod: 3600 });
  const store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "bench-cipher-store-")) } });
  await (await contracts.core.connect(worker).registerWorker("bafyworker", "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")).wait();
  await (await contracts.core.connect(worker).stake({ value: parseEther("10") })).wait();
  const rows = [];
  for (const b of [1, 4] as const) {
    const reg = await registerOnnxModel({ onnx, name: `mnist-b${b}`, feePerInference: parseEther("0.0001"), batch: b, calibration, log }, contracts.registry, owner, store);
    const art = reg.artifacts;
    const test = data.testX.slice(0, 24).map((x) => quantizeInput(art.quant, x));
    const th = new ProverThread();
    // the first settlement of a model writes fresh balances (cold zero-to-nonzero stores); the second is typical
    await settleGas(contracts, reg.modelId, art, test.slice(8, 8 + b), worker, th);
    const settle = await settleGas(contracts, reg.modelId, art, test.slice(16, 16 + b), worker, th);
    const { verifyGas } = await gasOf(art, await proveBytes(th, art, test.slice(0, b), 12345n));
    await th.close();
    rows.push({
      batch: b,
      cipherWords: art.cipherWords,
      publicSignals: art.publicSignals,
      constraints: art.constraints,
      constraintsLayout1: LAYOUT1.constraints[b],
      addedConstraints: art.constraints - LAYOUT1.constraints[b],
      verifyGas,
      verifyGasLayout1: LAYOUT1.verifyGas,
      addedVerifyGasPerSignal: Math.round((verifyGas - LAYOUT1.verifyGas) / (art.publicSignals - LAYOUT1.signals)),
      settleGas: settle,
      settleGasPerInference: Math.round(settle / b),
    });
    log.info(`B=${b}`, rows[rows.length - 1]);
  }
  await store.close();
  const out = { rows, totalSeconds: (Date.now() - t0) / 1000, loadAverage1m: os.loadavg()[0], cpuCores: os.cpus().length };
  fs.writeFileSync(path.join(__dirname, "results", "output-cipher.json"), JSON.stringify(out, null, 2) + "\n");
  console.table(rows);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
