/** `model:register` and `model:prove` in-process: ONNX file -> registered dev-setup model -> proof valid on-chain. */
import { expect } from "chai";
import hre from "hardhat";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildOnnxModel } from "../../lib/onnx/write";
import { uniformCalibration } from "../../lib/zk/model";
import { mlpOnnx } from "./models";
import { taskOutput } from "../helpers/task-output";

const capture = taskOutput;

async function taskError(name: string, args: Record<string, unknown>): Promise<string> {
  try {
    await capture(name, args);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${name} should have failed`);
}

describe("zk tasks: model:register and model:prove", function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-tasks-"));
  const saved = { d: process.env.DEPLOYMENTS_DIR, s: process.env.OBLIVION_STORE_DIR };
  before(async () => {
    process.env.DEPLOYMENTS_DIR = dir;
    process.env.OBLIVION_STORE_DIR = path.join(dir, "store");
    await capture("deploy", { unbonding: "60" });
  });
  after(() => {
    for (const [k, v] of [["DEPLOYMENTS_DIR", saved.d], ["OBLIVION_STORE_DIR", saved.s]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("registers an ONNX file and proves a batch that the on-chain verifier accepts", async () => {
    const onnx = path.join(dir, "mlp.onnx");
    fs.writeFileSync(onnx, mlpOnnx(31, [6, 4, 3]));
    const cal = path.join(dir, "cal.json");
    fs.writeFileSync(cal, JSON.stringify(uniformCalibration(6, 16, 3).map((x) => Array.from(x))));
    const out = await capture("model:register", { onnx, name: "tiny", fee: "1000", batch: "1", privateWeights: false, calibration: cal });
    expect(out).to.match(/^model id 1 version 1 \(DEV-SETUP/m);
    expect(out).to.match(/^verifier 0x[0-9a-fA-F]{40}/m);
    expect(out).to.match(/^constraints \d+, batch 1, public signals 4/m); // layout 2: one output cipher word
    // a rerun finds the artifacts in .cache/zk and says so, with the time the setup took when it ran
    expect(out).to.match(/^setup dev ([\d.]+ s|cached in \.cache\/ \(it took [\d.]+ s when it ran\)),/m);
    const input = path.join(dir, "input.json");
    fs.writeFileSync(input, JSON.stringify([Array.from(uniformCalibration(6, 1, 77)[0])]));
    const proofFile = path.join(dir, "proof.json");
    // Another seed than the calibration's: a value may lie just past its range, which --clamp accepts and counts.
    const proved = await capture("model:prove", { model: "1", input, out: proofFile, job: "0", shard: "0", clamp: true });
    expect(proved).to.match(/DEV-SETUP: proved in [\d.]+ s/);
    expect(proved).to.match(/on-chain verifier 0x[0-9a-fA-F]{40}: valid/);
    const saved = JSON.parse(fs.readFileSync(proofFile, "utf8"));
    expect(saved.publicSignals.length).to.equal(4);
    expect(saved.devSetup).to.equal(true);

    // the same name again: refused without --new-version or --force; --new-version publishes version 2 of model 1
    // (the artifacts are cached: no second compile); model:version does the same from the model id
    const again = { onnx, name: "tiny", fee: "1000", batch: "1", privateWeights: false, calibration: cal };
    expect(await taskError("model:register", again)).to.match(/^model:register: 0x[0-9a-fA-F]{40} already owns a model named "tiny" \(#1\): pass --new-version .* or --force/);
    expect(await capture("model:register", { ...again, newVersion: true })).to.match(/^model id 1 version 2 /m);
    expect(await capture("model:version", { model: "1", onnx, batch: "1", privateWeights: false, calibration: cal })).to.match(/^model id 1 version 3 /m);
  });

  it("reports approximations, the output head and onnxruntime agreement; model:list shows the committed outputs", async () => {
    const onnx = path.join(dir, "sig.onnx");
    const w = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 0.8);
    fs.writeFileSync(onnx, buildOnnxModel({
      inputs: [{ name: "x", dims: ["N", 6] }], outputs: [{ name: "p", dims: ["N", 3] }],
      initializers: [{ name: "W1", dims: [4, 6], data: w(24, 1) }, { name: "b1", dims: [4], data: w(4, 2) }, { name: "W2", dims: [3, 4], data: w(12, 3) }, { name: "b2", dims: [3], data: w(3, 4) }],
      nodes: [
        { op: "Gemm", inputs: ["x", "W1", "b1"], outputs: ["h"], attributes: { transB: 1 } },
        { op: "Sigmoid", inputs: ["h"], outputs: ["s"], name: "act" },
        { op: "Gemm", inputs: ["s", "W2", "b2"], outputs: ["l"], attributes: { transB: 1 } },
        { op: "Softmax", inputs: ["l"], outputs: ["p"], attributes: { axis: 1 } },
      ],
    }));
    const cal = path.join(dir, "cal6.json");
    fs.writeFileSync(cal, JSON.stringify(uniformCalibration(6, 16, 9).map((x) => Array.from(x))));
    const out = await capture("model:register", { onnx, name: "sig", fee: "0", batch: "1", privateWeights: false, calibration: cal });
    expect(out).to.match(/argmax agreement 100\.00%, 100\.00% with onnxruntime on 16 calibration inputs/);
    expect(out).to.match(/^committed outputs: logits \(the Softmax head is applied outside the proof; argmax unchanged\)/m);
    expect(out).to.match(/^approximation: sigmoid at node "act", \d+ segment\(s\), worst-case error \d\.\d\de-\d+ over the quantized input range/m);
    const listed = await capture("model:list", { json: false });
    expect(listed).to.match(/#2 sig owner=[\s\S]*outputs: logits \(the Softmax head is applied outside the proof; argmax unchanged\); sigmoid approximated \(worst-case error/);
  });

  it("gives one named line for bad input", async () => {
    expect(await taskError("model:register", { onnx: path.join(dir, "nope.onnx"), name: "x", fee: "0", batch: "1", privateWeights: false })).to.match(/model:register: --onnx: file not found/);
    const bad = path.join(dir, "elu.onnx");
    fs.writeFileSync(bad, buildOnnxModel({ inputs: [{ name: "x", dims: ["N", 2] }], outputs: [{ name: "y", dims: ["N", 2] }], initializers: [], nodes: [{ op: "Elu", inputs: ["x"], outputs: ["y"], name: "s0" }] }));
    const msg = await taskError("model:register", { onnx: bad, name: "x", fee: "0", batch: "1", privateWeights: false });
    expect(msg).to.match(/unsupported ONNX operator Elu \(node "s0"\): nn\.ELU is not supported/);
    expect(msg.includes("\n")).to.equal(false);
    const input = path.join(dir, "two.json");
    fs.writeFileSync(input, JSON.stringify([[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]]));
    expect(await taskError("model:prove", { model: "1", input, job: "0", shard: "0" })).to.match(/proves batches of 1 inputs; the file has 2/);
    fs.writeFileSync(input, JSON.stringify([[0.5, 0.5, 5, 0.5, 0.5, 0.5]]));
    const outside = await taskError("model:prove", { model: "1", input, job: "0", shard: "0" });
    expect(outside).to.match(/model:prove: input 0 has 5 at position 2, outside the calibration range \[0, 0\.\d+\] \(1 value in all\); pass --clamp/);
    expect(outside.includes("\n")).to.equal(false);
  });
});
