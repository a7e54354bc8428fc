/** `model:register` and `model:prove` in-process: ONNX file -> registered dev-setup model -> proof valid on-chain. */
import { expect } from "chai";
import hre from "hardhat";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildOnnxModel } from "../../lib/onnx/write";
import { uniformCalibration } from "../../lib/zk/model";
import { mlpOnnx } from "./models";

async function capture(name: string, args: Record<string, unknown>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await hre.run(name, args);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

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
    expect(out).to.match(/^constraints \d+, batch 1, public signals 3/m);
    expect(out).to.match(/^setup dev [\d.]+ s/m);
    const input = path.join(dir, "input.json");
    fs.writeFileSync(input, JSON.stringify([Array.from(uniformCalibration(6, 1, 77)[0])]));
    const proofFile = path.join(dir, "proof.json");
    // Another seed than the calibration's: a value may lie just past its range, which --clamp accepts and counts.
    const proved = await capture("model:prove", { model: "1", input, out: proofFile, job: "0", shard: "0", clamp: true });
    expect(proved).to.match(/DEV-SETUP: proved in [\d.]+ s/);
    expect(proved).to.match(/on-chain verifier 0x[0-9a-fA-F]{40}: valid/);
    const saved = JSON.parse(fs.readFileSync(proofFile, "utf8"));
    expect(saved.publicSignals.length).to.equal(3);
    expect(saved.devSetup).to.equal(true);
  });

  it("gives one named line for bad input", async () => {
    expect(await taskError("model:register", { onnx: path.join(dir, "nope.onnx"), name: "x", fee: "0", batch: "1", privateWeights: false })).to.match(/model:register: --onnx: file not found/);
    const bad = path.join(dir, "sigmoid.onnx");
    fs.writeFileSync(bad, buildOnnxModel({ inputs: [{ name: "x", dims: ["N", 2] }], outputs: [{ name: "y", dims: ["N", 2] }], initializers: [], nodes: [{ op: "Sigmoid", inputs: ["x"], outputs: ["y"], name: "s0" }] }));
    const msg = await taskError("model:register", { onnx: bad, name: "x", fee: "0", batch: "1", privateWeights: false });
    expect(msg).to.match(/unsupported ONNX operator Sigmoid \(node "s0"\)/);
    expect(msg.includes("\n")).to.equal(false);
    const input = path.join(dir, "two.json");
    fs.writeFileSync(input, JSON.stringify([[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]]));
    expect(await taskError("model:prove", { model: "1", input, job: "0", shard: "0" })).to.match(/proves batches of 1 inputs; the file has 2/);
    fs.writeFileSync(input, JSON.stringify([[0.5, 0.5, 5, 0.5, 0.5, 0.5]]));
    const outside = await taskError("model:prove", { model: "1", input, job: "0", shard: "0" });
    expect(outside).to.match(/model:prove: input 0 value 2 is 5, outside the calibration range \[0, 0\.\d+\] \(1 value in all\); pass --clamp/);
    expect(outside.includes("\n")).to.equal(false);
  });
});
