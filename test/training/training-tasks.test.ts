/** train:* tasks in-process: bad input gives one line naming the task and the problem, and changes nothing. */
import { expect } from "chai";
import hre from "hardhat";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { advanceLocalTime } from "../../lib/chain/time";

async function taskError(name: string, args: Record<string, unknown>): Promise<string> {
  try {
    await hre.run(name, args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${name} succeeded`);
}

describe("train:* tasks", function () {
  const saved = process.env.DEPLOYMENTS_DIR;
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "train-tasks-"));
    process.env.DEPLOYMENTS_DIR = dir;
  });
  after(() => {
    if (saved === undefined) delete process.env.DEPLOYMENTS_DIR;
    else process.env.DEPLOYMENTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("name the problem in one line", async function () {
    const status = await taskError("train:status", { job: "1", json: false });
    expect(status).to.match(/^train:status: no TrainingJobs deployment for network "hardhat": .* \(run train:deploy\)$/);
    const post = { participants: "4", epsilon: "8", delta: "1e-5", sigma: "1", clip: "1", samples: "2001", batch: "100", localEpochs: "1", updateClip: "5", hidden: "32", reward: "0.01", fee: "0", collateral: "0.1", mode: "federated", replication: "0.25", lr: "0.5", rule: "median", trim: "0", window: "60", closeWindow: "60", seed: "1", from: "0" };
    expect(await taskError("train:post", { ...post, mode: "gossip" })).to.equal('train:post: bad --mode: "gossip" is not federated or outsourced');
    expect(await taskError("train:post", { ...post, rule: "max" })).to.equal('train:post: bad --rule: "max" is not mean, trimmed-mean, median');
    expect(await taskError("train:post", { ...post, mode: "outsourced", replication: "1.5" })).to.equal('train:post: bad --replication: "1.5" is not a share in (0, 1]');
    expect(await taskError("train:post", { ...post, mode: "outsourced", participants: "86" })).to.equal("train:post: bad --participants: 86 is outside 1..85");
    expect(await taskError("train:release", { job: "1", loop: false, interval: "1", from: "0" })).to.match(/^train:release: no TrainingJobs deployment for network "hardhat"/);
    expect(await taskError("train:work", { job: "x", loop: false, interval: "1", from: "1" })).to.match(/^train:work: bad --job: /);
    expect(await taskError("train:join", { job: "1", shard: "4", of: "4", lr: "0.5", seed: "1", from: "1" })).to.equal(
      "train:join: bad --shard: 4 is outside 0..3",
    );
    expect(await taskError("train:close", { job: "0", from: "0" })).to.match(/^train:close: /);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it("time:advance moves a local chain's clock and mines a block; another network is refused in one line", async function () {
    const before = (await hre.ethers.provider.getBlock("latest"))!;
    await hre.run("time:advance", { seconds: "100" });
    const after = (await hre.ethers.provider.getBlock("latest"))!;
    expect(after.number).to.equal(before.number + 1);
    expect(after.timestamp).to.be.at.least(before.timestamp + 100);
    expect(await taskError("time:advance", { seconds: "0" })).to.equal("time:advance: bad --seconds: 0 is outside 1..1000000000");
    await expect(advanceLocalTime("shardeum", hre.ethers.provider, 1)).to.be.rejectedWith(/^time:advance works on a local development chain only \(localhost or hardhat, chain id 31337\), not "shardeum"$/);
  });
});
