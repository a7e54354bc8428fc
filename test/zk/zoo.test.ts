/**
 * The PyTorch zoo (test/fixtures/onnx-zoo, built by build_zoo.py): every model registers (development setup,
 * cached under .cache/zk), proves one held-out digit with the on-chain verifier accepting it, and agrees with the
 * float model in onnxruntime-node on >= 99.5 % of the 360 held-out digits.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { deployProtocol, type ProtocolContracts } from "../../lib/chain/deployments";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { onnxAgreement } from "../../lib/zk/agreement";
import { proveBatch, ProverThread } from "../../lib/zk/prover";
import { registerOnnxModel } from "../../lib/zk/register";
import { backgroundDone, startInBackground } from "../helpers/background";
import { Groth16VkVerifier__factory } from "../../typechain-types";

const DIR = path.join(__dirname, "..", "fixtures", "onnx-zoo");
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, "manifest.json"), "utf8")) as {
  models: { name: string; file: string; opset: number; inputShape: number[]; patterns: string[]; onnxOps: string[] }[];
};
const digits = JSON.parse(fs.readFileSync(path.join(DIR, "digits.json"), "utf8")) as { calibration: number[][]; heldout: number[][] };

/** The patterns of issue 13's table, each covered by at least one zoo model at the opsets listed. */
const TABLE = ["view", "batchnorm1d", "softmax", "sigmoid", "tanh", "leakyrelu", "residual", "globalavgpool", "avgpool-defaults", "mlp", "cnn", "maxpool"];

startInBackground("zoo-artifacts", path.join(__dirname, "zoo-ahead.ts"), []);

describe("zk: the PyTorch ONNX zoo registers, proves and agrees with onnxruntime", function () {
  let c: ProtocolContracts;
  let store: ContentStore;
  let thread: ProverThread;
  let t0 = 0;
  const rows: string[] = [];

  before(async function () {
    // the models' artifacts are made ahead, in the background from the start of the run (test/zk/zoo-ahead.ts; the
    // soundness test's background compiles write the circom-only ones' folders too, test/zk/compile-ahead.ts)
    await Promise.all([backgroundDone("zoo-artifacts"), backgroundDone("soundness-circuits")]);
    t0 = Date.now();
    const [owner] = await ethers.getSigners();
    ({ contracts: c } = await deployProtocol(owner, { treasury: owner.address, unbondingPeriod: 3600 }));
    store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "zoo-store-")) } });
    thread = new ProverThread();
  });
  after(async () => {
    await thread?.close();
    await store?.close();
    console.log(rows.join("\n"));
    console.log(`      zoo: ${manifest.models.length} models in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it("has at least 20 models covering the table's patterns, exported at opsets 11, 13 and 17", () => {
    expect(manifest.models.length).to.be.at.least(20);
    const opsets = new Set(manifest.models.map((m) => m.opset));
    for (const o of [11, 13, 17]) expect(opsets.has(o), `opset ${o}`).to.equal(true);
    for (const p of TABLE) expect(manifest.models.some((m) => m.patterns.includes(p)), p).to.equal(true);
    const ops = new Set(manifest.models.flatMap((m) => m.onnxOps));
    for (const op of ["Shape", "Gather", "Unsqueeze", "Concat", "Constant", "ConstantOfShape", "Cast", "Identity", "Dropout", "BatchNormalization", "Pad",
      "GlobalAveragePool", "LeakyRelu", "PRelu", "Clip", "HardSigmoid", "HardSwish", "Mul", "Div", "Sub", "Gemm", "MatMul", "Transpose", "Sigmoid", "Tanh",
      "Erf", "Softmax", "LogSoftmax", "ArgMax", "Add", "Conv", "MaxPool", "AveragePool", "Squeeze", "Reshape", "Flatten", "Relu"]) {
      expect(ops.has(op), op).to.equal(true);
    }
  });

  for (const m of manifest.models) {
    it(`${m.name} (opset ${m.opset}: ${m.patterns.join(", ")})`, async function () {
      const onnx = new Uint8Array(fs.readFileSync(path.join(DIR, m.file)));
      const [, modelOwner] = await ethers.getSigners();
      const reg = await registerOnnxModel({ onnx, name: m.name, feePerInference: parseEther("0.001"), calibration: digits.calibration }, c.registry.connect(modelOwner), modelOwner, store);
      const art = reg.artifacts;
      expect(art.dev).to.equal(true);
      expect(art.deviation.onnxruntimeAgreement).to.be.at.least(0.995);
      const held = await onnxAgreement(onnx, art.inputShape, art.quant, digits.heldout);
      expect(held.samples).to.equal(360);
      expect(held.agreement, `held-out disagreements ${held.disagreements}`).to.be.at.least(0.995);
      for (const ap of art.quant.approximations ?? []) expect(ap.maxAbsError, ap.fn).to.be.lessThan(ap.fn.startsWith("clip") || ap.fn.startsWith("hardsigmoid") ? 1e-4 : 1.5e-3);
      const res = await proveBatch(art, [digits.heldout[1]], 12345n, { thread });
      expect(res.argmaxAgree).to.equal(true);
      const approx = (art.quant.approximations ?? []).map((ap) => ` ${ap.fn} ${ap.maxAbsError.toExponential(1)}`).join("");
      rows.push(`      ${m.name.padEnd(24)} ${String(art.constraints).padStart(6)} constraints, compile ${art.compileSeconds.toFixed(1)} s, setup ${art.setupSeconds.toFixed(1)} s, prove ${res.proveSeconds.toFixed(2)} s, agreement ${(100 * held.agreement).toFixed(2)} %${approx}`);
      // the vetted verifier the registry deployed and the core calls: accepts the proof, rejects it for other outputs
      const verifier = Groth16VkVerifier__factory.connect(reg.verifier, modelOwner);
      expect((await c.registry.getVersion(reg.modelId, reg.version)).vetted).to.equal(true);
      expect(await verifier.verifyProof(res.proofBytes, res.publicSignals)).to.equal(true);
      expect(await verifier.verifyProof(res.proofBytes, res.publicSignals.map((v, i) => (i === 0 ? v + 1n : v)))).to.equal(false);
    });
  }
});
