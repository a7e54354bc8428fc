/**
 * The README's ceremony commands in-process: model:register --ptau, model:contribute from two more addresses,
 * model:finalize, model:verify-setup, model:list and job:post's trust line; and the DEV rule off local chains.
 */
import { expect } from "chai";
import hre from "hardhat";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { attach, readDeployment } from "../../lib/chain/deployments";
import { createContentStore } from "../../lib/storage";
import { uniformCalibration } from "../../lib/zk/model";
import { checkSetupForUse } from "../../lib/zk/setup-policy";
import { prewarmTestPtau, testPtau } from "../helpers/ptau";
import { mlpOnnx } from "./models";
import { taskOutput } from "../helpers/task-output";

const capture = taskOutput;

prewarmTestPtau(12);

describe("ceremony tasks: register --ptau, contribute, finalize, verify-setup, and the DEV rule", function () {
  this.timeout(900_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ceremony-tasks-"));
  const saved = { d: process.env.DEPLOYMENTS_DIR, s: process.env.OBLIVION_STORE_DIR };
  let onnx: string;
  let cal: string;
  before(async () => {
    process.env.DEPLOYMENTS_DIR = dir;
    process.env.OBLIVION_STORE_DIR = path.join(dir, "store");
    await capture("deploy", { unbonding: "60" });
    onnx = path.join(dir, "mlp.onnx");
    fs.writeFileSync(onnx, mlpOnnx(31, [6, 4, 3]));
    cal = path.join(dir, "cal.json");
    fs.writeFileSync(cal, JSON.stringify(uniformCalibration(6, 16, 3).map((x) => Array.from(x))));
  });
  after(() => {
    for (const [k, v] of [["DEPLOYMENTS_DIR", saved.d], ["OBLIVION_STORE_DIR", saved.s]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("runs the README's four steps: the requester who contributed needs to trust no one", async () => {
    const ptau = await testPtau(12);
    const reg = await capture("model:register", { onnx, name: "tiny-ceremony", fee: "0.001", batch: "1", privateWeights: false, calibration: cal, ptau, ceremonyBlocks: "30" });
    expect(reg).to.match(/^model id 1 version 1: setup CEREMONY open until block \d+/m);
    expect(reg).to.match(/verified, 4 phase-1 contributions/);
    const list0 = await capture("model:list", { json: false });
    expect(list0).to.match(/setup: ceremony OPEN, 1 contribution so far/);
    expect(await capture("model:contribute", { model: "1", from: "2" })).to.match(/^contribution #1 to model 1 v1 by 0x[0-9a-fA-F]{40}, built on #0/m);
    expect(await capture("model:contribute", { model: "1", from: "3" })).to.match(/^contribution #2 to model 1 v1 .* built on #1/m);
    const fin = await capture("model:finalize", { model: "1", from: "4" });
    expect(fin).to.match(/finalized on contributions #0 -> #1 -> #2 \+ beacon of block \d+/);
    const v = await capture("model:verify-setup", { model: "1", from: "3", json: false });
    expect(v.split("\n").filter((l) => /^#\d 0x/.test(l))).to.have.length(3);
    expect(v).to.match(/you contributed to its ceremony: you need to trust no one for this version/);
    const other = await capture("model:verify-setup", { model: "1", from: "5", json: false });
    expect(other).to.match(/ceremony with 3 contributors: you trust that one of 0x.*, 0x.*, 0x.* was honest/);
    const list = JSON.parse(await capture("model:list", { json: true }));
    expect(list[0].versions[0].setup.kind).to.equal("ceremony");
    expect(list[0].versions[0].setup.contributors).to.have.length(3);
  });

  it("refuses a DEV model off local chains unless opted in (DevSetupRefused); a ceremony model passes", async () => {
    await capture("model:register", { onnx, name: "tiny-dev", fee: "0.001", batch: "1", privateWeights: false, calibration: cal });
    const [signer] = await hre.ethers.getSigners();
    const { registry } = attach(readDeployment("hardhat", dir), signer);
    const store = createContentStore({ kind: "embedded", embedded: { dir: path.join(dir, "store") } });
    try {
      const ctx = { registry, store, chainId: 8082n, cacheDir: path.join(dir, "policy") };
      await checkSetupForUse(ctx, 2n, 1, false, "--accept-dev-setup").then(
        () => expect.fail("a DEV model was accepted off a local chain"),
        (e: Error) => expect(e.message).to.match(/^DevSetupRefused: model 2 v1 has a DEV setup: .* needs --accept-dev-setup/),
      );
      expect((await checkSetupForUse(ctx, 2n, 1, true, "--accept-dev-setup")).kind).to.equal("dev");
      expect((await checkSetupForUse({ ...ctx, chainId: 31337n }, 2n, 1, false, "--accept-dev-setup")).kind).to.equal("dev");
      expect((await checkSetupForUse(ctx, 1n, 1, false, "--accept-dev-setup")).ok).to.equal(true);
    } finally {
      await store.close();
    }
  });
});
