/**
 * Honest output: amounts in ETH with the unit and times in ISO 8601 with a relative hint, also inside decoded custom
 * errors and node messages; labels checked by input position; a job file never overwritten by a reset chain's job.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { Interface, parseEther } from "ethers";
import { describeError } from "../lib/chain/errors";
import { deployProtocol } from "../lib/chain/deployments";
import { moveAside } from "../lib/chain/identity";
import { describeWorkerStatus, workerStatus } from "../lib/chain/worker-status";
import { postPreparedJob, prepareShards, readJobFile, type JobFile } from "../lib/requester/job";
import { readLabels, scoreAgainstLabels, type ShardOutcome } from "../lib/requester/results";
import { createContentStore } from "../lib/storage";
import { OblivionCore__factory, TrainingJobs__factory } from "../typechain-types";
import { formatEth, formatTime } from "../lib/util/format";
import { createLogger } from "../lib/util/log";
import { deployFixtureVerifier, versionSpec } from "./helpers/protocol";
import { releaseCurve } from "./helpers/snarkjs";

const core = new Interface(OblivionCore__factory.abi);
const training = new Interface(TrainingJobs__factory.abi);
/** An error as ethers throws it for a revert with this data. */
const reverted = (data: string) => Object.assign(new Error("execution reverted (unknown custom error)"), { data });

describe("output: ETH, ISO times, labels, job files", function () {
  after(releaseCurve);

  it("formats amounts with the unit and times with a relative hint", () => {
    expect(formatEth(10n ** 16n)).to.equal("0.01 ETH");
    expect(formatEth("60777216167772160")).to.equal("0.06077721616777216 ETH");
    const now = Date.parse("2026-12-01T09:55:00Z");
    expect(formatTime(Date.parse("2026-12-01T10:00:00Z") / 1000, now)).to.equal("2026-12-01T10:00:00Z (in 5 min)");
    expect(formatTime(Date.parse("2026-12-01T09:52:00Z") / 1000, now)).to.equal("2026-12-01T09:52:00Z (3 min ago)");
    expect(formatTime(Date.parse("2026-12-02T12:00:00Z") / 1000, now)).to.equal("2026-12-02T12:00:00Z (in 26 h 5 min)");
  });

  it("decoded custom errors show amounts in ETH and times in ISO 8601; other arguments stay as they are", () => {
    const end = Math.floor(Date.now() / 1000) + 300;
    expect(describeError(reverted(core.encodeErrorResult("UnbondingNotOver", [end])))).to.match(
      /^OblivionCore\.UnbondingNotOver\(unbondingEnd=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 5 min\)\)$/,
    );
    expect(describeError(reverted(core.encodeErrorResult("InsufficientFreeStake", [parseEther("0.1"), parseEther("0.25")])))).to.equal(
      "OblivionCore.InsufficientFreeStake(available=0.1 ETH, needed=0.25 ETH)",
    );
    expect(describeError(reverted(training.encodeErrorResult("IncorrectEscrow", [parseEther("0.088"), 5n])))).to.equal(
      "TrainingJobs.IncorrectEscrow(expected=0.088 ETH, sent=0.000000000000000005 ETH)",
    );
    expect(describeError(reverted(training.encodeErrorResult("MaskMismatch", [3n, 5n])))).to.equal("TrainingJobs.MaskMismatch(expected=3, given=5)");
    expect(describeError(reverted(core.encodeErrorResult("ShardNotOpen", [3n, 2n])))).to.equal("OblivionCore.ShardNotOpen(jobId=3, shardIndex=2)");
  });

  it("node messages with raw wei, a dead RPC or an empty address are restated in one line", () => {
    const edr = new Error("Sender doesn't have enough funds to send tx. The max upfront cost is: 60777216167772160 and the sender's balance is: 1000000000000000.");
    expect(describeError(edr)).to.equal("insufficient funds: the transaction may cost up to 0.06077721616777216 ETH (gas + value) but the sender holds 0.001 ETH");
    const geth = new Error("insufficient funds for gas * price + value: address 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 have 1000 want 60777216167772160");
    expect(describeError(geth)).to.match(/^insufficient funds: .* up to 0\.06077721616777216 ETH .* 0x7099.* holds 0\.000000000000001 ETH$/);
    const decode = new Error('could not decode result data (value="0x", info={ "method": "modelCount", "signature": "modelCount()" }, code=BAD_DATA, version=6.17.0)');
    expect(describeError(decode)).to.match(
      /^no contract answers modelCount at the deployment's address: the chain was reset/,
    );
    const refused = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" }) });
    expect(describeError(refused)).to.equal("RPC unreachable (ECONNREFUSED 127.0.0.1:8545)");
  });

  it("log fields named …Wei read in ETH in text mode and stay wei in JSON", () => {
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    createLogger({ source: "t", out }).info("settled", { job: 1n, earnedWei: 10n ** 16n });
    createLogger({ source: "t", out, json: true }).info("settled", { earnedWei: 10n ** 16n });
    expect(lines[0]).to.match(/\[t\] settled job=1 earned="0\.01 ETH"\n$/);
    expect(JSON.parse(lines[1]).earnedWei).to.equal("10000000000000000");
  });

  it("labels are scored by input position and must be one per input of the job", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vob-labels-"));
    const job: JobFile = { chainId: "1", core: "0x", jobId: "1", modelId: "1", modelVersion: 1, shards: [{}, {}, {}] as JobFile["shards"], inputCount: 5 };
    const row = (shardIndex: number, predictions: number[]) => ({ shardIndex, firstInput: 2 * shardIndex, predictions }) as ShardOutcome;
    // shard 1 (inputs 2, 3) not settled yet; shard 2 holds input 4 and one padding output
    const rows = [row(0, [7, 2]), row(2, [4, 4])];
    expect(scoreAgainstLabels(rows, [7, 1, 0, 0, 4], job)).to.deep.equal({ correct: 2, compared: 3, inputs: 5 });
    expect(() => scoreAgainstLabels(rows, [7, 1, 0], job)).to.throw("bad --labels: 3 labels for a job of 5 inputs");
    fs.writeFileSync(path.join(dir, "l.json"), "[7, 2, 1]");
    fs.writeFileSync(path.join(dir, "l.csv"), "7\n2\n1\n");
    fs.writeFileSync(path.join(dir, "bad.csv"), "7,1\n2,2\n");
    expect(readLabels(path.join(dir, "l.json"))).to.deep.equal([7, 2, 1]);
    expect(readLabels(path.join(dir, "l.csv"))).to.deep.equal([7, 2, 1]);
    expect(() => readLabels(path.join(dir, "bad.csv"))).to.throw("one label per row");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("moveAside names the old file with a timestamp and never overwrites", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vob-aside-"));
    const f = path.join(dir, "localhost.json");
    const at = new Date("2026-12-01T09:00:00.123Z");
    fs.writeFileSync(f, "1");
    expect(path.basename(moveAside(f, at))).to.equal("localhost.2026-12-01T09-00-00Z.json");
    fs.writeFileSync(f, "2");
    expect(path.basename(moveAside(f, at))).to.equal("localhost.2026-12-01T09-00-00Z-2.json");
    expect(fs.existsSync(f)).to.equal(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a job posted again under the same chain, core and job id (a reset chain) moves the old job file aside; worker:status reads in ETH", async () => {
    const [owner, requester, worker] = await ethers.getSigners();
    const { contracts } = await deployProtocol(owner, { unbondingPeriod: 60 });
    const adapter = await deployFixtureVerifier(owner, "fixture_public");
    await contracts.registry.registerModel("fixture", 1000n, versionSpec(await adapter.getAddress(), ethers.ZeroHash, { batchSize: 2 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vob-jobs-"));
    const store = createContentStore({}, { ...process.env, OBLIVION_STORE: "embedded", OBLIVION_STORE_DIR: path.join(dir, "ipfs") });
    try {
      const terms = { modelId: 1n, modelVersion: 1n, pricePerShard: parseEther("0.01"), collateral: parseEther("0.05"), claimWindow: 600n, minStake: 0n, gated: false, acceptUnvettedVerifier: true };
      const prepared = await prepareShards(store, [[[1, 2]], [[3, 4]]], true);
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      const first = await postPreparedJob(contracts.core, requester, { ...prepared, inputCount: 3 }, terms, dir);
      expect(first.replaced).to.equal(undefined);
      // 3 inputs in 2 shards of batch 2: the padding row of the last shard is posted as such and carries no owner fee
      expect((await contracts.core.getJob(first.jobId)).paddingFee).to.equal(1000n);
      expect(first.escrow).to.equal(2n * (parseEther("0.01") + 2000n) - 1000n);
      const firstFile = fs.readFileSync(first.file, "utf8");
      await ethers.provider.send("evm_revert", [snapshot]); // the chain "resets": job 1 again at the same core,
      await ethers.provider.send("evm_mine", []); // in another history
      const second = await postPreparedJob(contracts.core, requester, { ...prepared, inputCount: 3 }, terms, dir);
      expect(second.jobId).to.equal(first.jobId);
      expect(second.file).to.equal(first.file);
      expect(second.replaced).to.match(/-1\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json$/);
      expect(fs.readFileSync(second.replaced!, "utf8")).to.equal(firstFile);
      const now = readJobFile(JSON.parse(firstFile).chainId, await contracts.core.getAddress(), second.jobId, dir);
      expect(now.posted!.blockHash).not.to.equal(JSON.parse(firstFile).posted.blockHash);
      expect(now.inputCount).to.equal(3);

      await contracts.core.connect(worker).registerWorker("bafyw", "0x02" + "ab".repeat(32));
      await contracts.core.connect(worker).stake({ value: parseEther("1.5") });
      await contracts.core.connect(worker).requestUnstake(parseEther("0.5"));
      const s = await workerStatus(contracts.core, worker.address);
      expect(s.stakeWei).to.equal(parseEther("1"));
      const chainNow = (await ethers.provider.getBlock("latest"))!.timestamp * 1000;
      const lines = describeWorkerStatus(s, chainNow);
      expect(lines[1]).to.equal("  stake 1.0 ETH (locked as collateral 0.0 ETH, free 1.0 ETH)");
      expect(lines[2]).to.match(/^ {2}unbonding 0\.5 ETH, withdrawable from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 1 min\)$/);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
