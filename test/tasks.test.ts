/**
 * The protocol tasks: `deploy` against a running `hardhat node` (twice: the second run changes nothing), and every
 * other task in-process, with bad arguments giving one named line each.
 */
import { expect } from "chai";
import hre from "hardhat";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startHardhatNode } from "../lib/util/processes";
import { registerAndStake, versionSpec, deployVettedFixtureVerifier } from "./helpers/protocol";
import { fixtureInputCommitment } from "./helpers/commitments";
import { releaseCurve } from "./helpers/snarkjs";
import { readDeployment } from "../lib/chain/deployments";
import { inTaskSandbox } from "./helpers/task-sandbox";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "..");
const HARDHAT = path.join(REPO, "node_modules", ".bin", "hardhat");

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "vob-deploy-"));
}

async function expectTaskError(name: string, args: Record<string, unknown>, pattern: RegExp) {
  let message = "";
  try {
    await hre.run(name, args);
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message, `${name} should fail`).to.match(pattern);
  expect(message.includes("\n"), `${name}: one line`).to.equal(false);
}

describe("tasks", function () {
  after(releaseCurve);

  it("deploy against a running hardhat node writes the deployment file; a second run changes nothing", async function () {
    const dir = tmpDir();
    const node = await startHardhatNode();
    try {
      const env = { ...process.env, LOCAL_RPC_URL: node.url, DEPLOYMENTS_DIR: dir, HARDHAT_SKIP_TASKS: "" };
      const first = await run(HARDHAT, ["deploy", "--network", "localhost"], { cwd: REPO, env });
      expect(first.stdout).to.match(/^deployed on localhost/m);
      const file = path.join(dir, "localhost.json");
      const before = fs.readFileSync(file, "utf8");
      const d = JSON.parse(before);
      expect(d.contracts.OblivionCore.address).to.match(/^0x[0-9a-fA-F]{40}$/);
      const second = await run(HARDHAT, ["deploy", "--network", "localhost"], { cwd: REPO, env });
      expect(second.stdout).to.match(/^unchanged on localhost/m);
      expect(fs.readFileSync(file, "utf8")).to.equal(before);
    } finally {
      await node.proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("worker, model, job and audit tasks run in-process; bad arguments give one named line", async function () {
    await inTaskSandbox("vob-deploy-", async (dir, log) => {
      await expectTaskError("job:status", { job: "1", shards: "64", json: false }, /no deployment for network "hardhat"/);
      await hre.run("deploy", { unbonding: "60" });
      expect(log.pop()).to.match(/OblivionCore/);
      await expectTaskError("deploy", { unbonding: "5" }, /bad --unbonding: 5 is outside 60\.\.2592000/);
      await expectTaskError("deploy", { owner: "0x12", unbonding: "60" }, /bad --owner: "0x12" is not an address/);
      const d = readDeployment("hardhat");
      const [owner] = await hre.ethers.getSigners();
      const { ModelRegistry__factory, OblivionCore__factory } = await import("../typechain-types");
      const registry = ModelRegistry__factory.connect(d.contracts.ModelRegistry.address, owner);
      const core = OblivionCore__factory.connect(d.contracts.OblivionCore.address, owner);

      await hre.run("model:list", { json: false });
      expect(log.pop()).to.equal("no models registered");
      const adapter = await deployVettedFixtureVerifier(registry, owner, "fixture_public");
      await registry.registerModel("fixture", 1000n, versionSpec(await adapter.getAddress(), hre.ethers.ZeroHash, { batchSize: 2 }));
      await hre.run("model:list", { json: false });
      expect(log.join("\n")).to.match(/#1 fixture owner=/);

      const key = "0x02" + "ab".repeat(32);
      await hre.run("worker:register", { cid: "bafyw", key, from: "1" });
      await expectTaskError("worker:register", { cid: "bafyw", key: "0x1234", from: "1" }, /bad --key: 2 bytes, expected 33 or 65/);
      await expectTaskError("worker:register", { cid: "", key, from: "1" }, /bad --cid: must not be empty/);
      await hre.run("stake", { amount: "1.5", from: "1" });
      expect(log.pop()).to.match(/total stake 1\.5/);
      await expectTaskError("stake", { amount: "abc", from: "1" }, /bad --amount: "abc" is not an amount in ether/);
      await expectTaskError("stake", { amount: "0", from: "1" }, /bad --amount: must be greater than zero/);
      await expectTaskError("stake", { amount: "1", from: "x" }, /bad --from/);
      await expectTaskError("stake", { amount: "1", from: "2" }, /OblivionCore\.NotRegistered\(account=0x/);
      await expectTaskError("unstake", { amount: "5", from: "1" }, /OblivionCore\.InsufficientFreeStake\(available=1\.5 ETH, needed=5\.0 ETH\)/);
      await hre.run("unstake", { amount: "0.5", from: "1" });
      await expectTaskError("withdraw", { stake: true, from: "1" }, /OblivionCore\.UnbondingNotOver\(unbondingEnd=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((in [^)]+|[^)]+ ago)\)\)/);
      await expectTaskError("withdraw", { stake: false, from: "1" }, /OblivionCore\.NothingToWithdraw\(\)/);

      const inputs = path.join(dir, "inputs.json");
      const commitments = await Promise.all([[1n, 2n], [3n, 4n], [5n, 6n]].map((x) => fixtureInputCommitment(x as [bigint, bigint])));
      fs.writeFileSync(inputs, JSON.stringify({ inputCommitments: commitments.map(String) }));
      const post = { commitments: inputs, model: "1", modelVersion: "1", price: "0.01", collateral: "0.1", window: "600", minStake: "0", gated: false, from: "0" };
      await hre.run("job:post", { ...post, treeOut: path.join(dir, "tree.json") });
      expect(log.pop()).to.match(/posted job 1: 3 shards, escrow 0\.030000000000006/);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "tree.json"), "utf8")).format).to.equal("standard-v1");
      await expectTaskError("job:post", { ...post, commitments: path.join(dir, "nope.json") }, /bad --commitments: .* does not exist/);
      await expectTaskError("job:post", { ...post, inputs }, /give exactly one of --inputs and --commitments/);
      fs.writeFileSync(path.join(dir, "bad.json"), "[1, \"x\"]");
      await expectTaskError("job:post", { ...post, commitments: path.join(dir, "bad.json") }, /bad --commitments: commitment 1 \("x"\) is not an integer/);
      await expectTaskError("job:post", { ...post, price: "-1" }, /bad --price/);
      await expectTaskError("job:post", { ...post, window: "10" }, /bad --window: 10 is outside/);
      await expectTaskError("job:post", { ...post, model: "7" }, /ModelRegistry\.ModelNotFound\(modelId=7\)/);

      await core.connect((await hre.ethers.getSigners())[1]).claim(1, 2);
      await hre.run("job:status", { job: "1", shards: "64", json: false });
      expect(log.slice(-4).join("\n")).to.match(/#2 claimed 0x/);
      await hre.run("job:status", { job: "1", shards: "64", json: true });
      expect(JSON.parse(log.pop()!).shards[2].status).to.equal("claimed");
      await expectTaskError("job:status", { job: "9", shards: "64", json: false }, /OblivionCore\.JobNotFound\(jobId=9\)/);
      await expectTaskError("job:status", { job: "x", shards: "64", json: false }, /bad --job/);
      // a job nobody claims says why (issue 16, row 3): here the collateral is 50x the price, above the workers' cap
      await hre.run("job:post", { ...post, collateral: "0.5" });
      await hre.run("job:status", { job: "2", shards: "64", json: false });
      expect(log.join("\n")).to.match(/3 open shards unclaimed: collateral 0\.5 ETH is above what workers accept: 50x the price of 0\.01 ETH/);
      await hre.run("job:status", { job: "2", shards: "64", json: true });
      expect(JSON.parse(log.pop()!).unclaimedReasons[0]).to.match(/^collateral 0\.5 ETH/);

      await hre.run("audit:show", { job: "1", json: false });
      expect(log.pop()).to.equal("no audit records for job 1");
      await expectTaskError("audit:show", { json: false }, /give exactly one of --job or --record/);
      await expectTaskError("audit:show", { record: "1", json: false }, /InferenceAudit\.RecordNotFound\(recordId=1\)/);
    });
  });
});
