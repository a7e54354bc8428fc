/**
 * The train:* tasks against a Hardhat node, as operators run them. Federated: train:deploy, train:post, two
 * train:join participants, train:close, train:status. Outsourced: train:post seals MNIST shards and commits them,
 * then separate processes follow the job to its end: the requester's train:release --loop, six train:work --loop
 * workers (two take the shards as primaries, four enlist in the standby pool from which a replica and a referee are
 * drawn per audited shard), and the aggregator's keeper (keeper:run, whose training duty runs the draws and
 * closes the rounds it aggregates). Every shard is replicated, so each primary's update is recomputed by a drawn
 * replica in another process and must match bit for bit. The draws wait for the join cutoff (45 min into the default
 * hour-long window): once a round's two primaries committed and four standby entries are in, the test runs
 * `time:advance` past the cutoff, as the README prints it. Every answer is committed blind and revealed once its
 * shard's verifiers committed; the federated model is exported (train:export) and read at its CID (store:get).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { ethers } from "ethers";
import { hexlify, keccak256, parseEther } from "ethers";
import { artifacts } from "hardhat";
import { devnetEnv, spawnKeeper, spawnTask, startDevnet, DEVNET_NETWORK, type Devnet } from "../../lib/devnet/devnet";
import { generateWorkerKeyPair, saveWorkerKey } from "../../lib/crypto";
import { readTrainingDeployment } from "../../lib/training/deploy";
import { TrainingJobs__factory } from "../../typechain-types";
import { REPO_ROOT } from "../../lib/util/processes";

const run = promisify(execFile);
const HARDHAT = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");
const WORKERS = [2, 3, 4, 6, 7, 8];
const AGGREGATOR = 5;
const REQUESTER = 1;

describe("e2e: train:* tasks against a node", function () {
  this.timeout(900_000);
  let d: Devnet;
  const keyFile = (i: number) => path.join(d.home, "keys", `trainer-${i}.json`);
  const cli = (args: string[]) => run(HARDHAT, [...args, "--network", DEVNET_NETWORK], { cwd: REPO_ROOT, env: devnetEnv(d) }).then((r) => r.stdout);
  const training = () => TrainingJobs__factory.connect(readTrainingDeployment(DEVNET_NETWORK, d.deploymentsDir).TrainingJobs.address, d.provider);

  before(async () => {
    // the core pins the TrainingJobs build that the train:deploy child reads (the instrumented one under coverage)
    d = await startDevnet({ managerCodeHash: keccak256((await artifacts.readArtifact("TrainingJobs")).bytecode) });
    fs.mkdirSync(path.join(d.home, "keys"), { recursive: true });
    for (const i of WORKERS) {
      const key = generateWorkerKeyPair();
      saveWorkerKey(keyFile(i), key);
      const core = d.contracts.core.connect(d.accounts[i]);
      await (await core.registerWorker("bafy-trainer", hexlify(key.publicKey))).wait();
      await (await core.stake({ value: parseEther("1") })).wait();
    }
    expect(await cli(["train:deploy"])).to.match(/^TrainingJobs 0x[0-9a-fA-F]{40} over core /);
  });
  after(async () => {
    await d?.stop();
    if (d) fs.rmSync(d.home, { recursive: true, force: true });
  });

  /** train:post arguments both jobs share: logistic regression on 200 digits per participant, ε = 8, mean rule. */
  const post = (args: string[]) =>
    cli(["train:post", ...args, "--samples", "200", "--epsilon", "8", "--batch", "20", "--hidden", "", "--rule", "mean", "--trim", "0", "--reward", "0.01", "--collateral", "0.1", "--from", String(REQUESTER), "--aggregator", d.accounts[AGGREGATOR].address]);

  it("federated: post, two participants join and submit, the aggregator closes, status reads it back", async () => {
    const posted = await post(["--participants", "2", "--rounds", "1"]);
    expect(posted).to.match(/^training job 1: 1 rounds within epsilon 8, escrow 0\.021 ETH/);
    const joins = await Promise.all(
      [0, 1].map((s) => cli(["train:join", "--job", "1", "--shard", String(s), "--of", "2", "--from", String(WORKERS[s])])),
    );
    for (const out of joins) expect(out).to.match(/^job 1 round 0 slot [01]: update \S+ hash 0x[0-9a-f]{64}/);
    const waiting = await cli(["train:status", "--job", "1"]);
    expect(waiting).to.match(/deadline submit: \S+ \(in \d+ s\)/);
    expect(waiting).to.match(/waiting for: the aggregator's train:close/);
    const closed = await cli(["train:close", "--job", "1", "--from", String(AGGREGATOR)]);
    expect(closed.match(/: accepted/g)).to.have.length(2);
    expect(closed).to.match(/round 0 closed: next model \S+/);
    const status = JSON.parse(await cli(["train:status", "--job", "1", "--json"]));
    expect(status).to.deep.include({ mode: "federated", status: "finished", round: 1, maxRounds: 1 });
    for (const i of WORKERS.slice(0, 2)) expect(await training().balanceOf(d.accounts[i].address)).to.equal(parseEther("0.01"));
    // the trained model leaves the job: as ONNX, and as the raw record at its CID
    const onnx = path.join(d.home, "model.onnx");
    expect(await cli(["train:export", "--job", "1", "--out", onnx])).to.match(/^job 1 model \S+ \(1 round\(s\) trained\): wrote \d+ bytes of ONNX/);
    expect(fs.statSync(onnx).size).to.be.greaterThan(1000);
    expect(await cli(["store:get", "--cid", status.modelCid, "--out", path.join(d.home, "model.vom1")])).to.match(/^wrote \d+ bytes/);

    // a federated job is not for train:work, and an outsourced one not for train:join: one line each, nothing changes
    await expect(cli(["train:work", "--job", "1", "--from", "2", "--key-file", keyFile(2)])).to.be.rejectedWith(/train:work: training job 1 is federated/);
  });

  it("outsourced: requester, six workers and the aggregator's keeper as processes follow the job to its end", async () => {
    const posted = await post(["--mode", "outsourced", "--replication", "1", "--participants", "2", "--rounds", "2"]);
    expect(posted).to.match(/^training job 2: 2 rounds/);
    expect(posted).to.match(/2 encrypted shards, data root 0x[0-9a-f]{64}, 100% replicated; keys kept in /);
    await expect(cli(["train:join", "--job", "2", "--shard", "0", "--of", "2", "--from", "2"])).to.be.rejectedWith(/train:join: job 2 is outsourced: workers take it with train:work/);

    const logs: string[] = [];
    const proc = (name: string, account: number, args: string[]) =>
      spawnTask(d, [...args, "--from", String(account)], { account, onLine: (l) => logs.push(`${name}: ${l}`) });
    const procs = [
      proc("requester", REQUESTER, ["train:release", "--job", "2", "--loop", "--interval", "0.5"]),
      ...WORKERS.map((i) => proc(`w${i}`, i, ["train:work", "--job", "2", "--loop", "--interval", "0.5", "--key-file", keyFile(i)])),
    ];
    const keeper = spawnKeeper(d, { account: AGGREGATOR, intervalMs: 500, onLine: (l) => logs.push(`keeper: ${l}`) });
    let watching = true;
    const fastForward = (async () => {
      const t = training();
      while (watching) {
        const job = await t.getJob(2);
        if (job.status !== 0n) break;
        const rd = await t.getRound(2, job.round);
        const cutoff = rd.submitDeadline - job.roundWindow / 4n;
        const now = BigInt((await d.provider.getBlock("latest"))!.timestamp);
        const committed = (await Promise.all([0, 2].map((s) => t.getSlot(2, job.round, s)))).every((s) => s.state === 2n);
        if (rd.joined === 2n && rd.standby >= 4n && committed && now <= cutoff) {
          // as the README prints it: once both primaries committed, move the clock past the join cutoff
          logs.push(`test: ${(await cli(["time:advance", "--seconds", String(cutoff - now + 1n)])).trim()}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    // every process exits 0 once the job has finished; the first to fail (or a stall) ends the test with the logs
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`training job did not finish:\n${logs.slice(-40).join("\n")}`)), 700_000);
      procs.forEach((p, i) =>
        p.exited.then((code) => {
          if (code !== 0) reject(new Error(`process ${i} exited with ${code}:\n${logs.slice(-40).join("\n")}`));
        }),
      );
      Promise.all(procs.map((p) => p.exited)).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    watching = false;
    await fastForward;
    await keeper.stop();
    const t = training();
    const job = await t.getJob(2);
    expect(job.status).to.equal(1n); // Finished
    const decided = await t.queryFilter(t.filters.ShardDecided(2));
    expect(decided).to.have.length(4); // 2 shards × 2 rounds
    expect(decided.every((e) => e.args.paidHash !== ethers.ZeroHash)).to.equal(true); // blind answers, bit-identical
    expect(await t.queryFilter(t.filters.UpdateCommitted(2))).to.have.length(12);
    expect(await t.queryFilter(t.filters.DataKeyReleased(2))).to.have.length(12);
    expect(await t.queryFilter(t.filters.VerifierAssigned(2))).to.have.length(8); // a replica and a referee per shard and round
    // every standby entry that was not drawn was released by its worker: nothing stays locked
    for (const i of WORKERS) expect(await d.contracts.core.lockedByManager(d.accounts[i].address)).to.equal(0n);
    let paid = 0n;
    for (const i of WORKERS) paid += await t.balanceOf(d.accounts[i].address);
    expect(paid).to.equal(parseEther("0.01") * (2n + 12n)); // job 1's two updates + 12 accepted seats of job 2
    expect(logs.filter((l) => /committed blind/.test(l))).to.have.length(12);
    expect(logs.filter((l) => /revealed update/.test(l))).to.have.length(12);
    expect(logs.filter((l) => l.startsWith("keeper:") && l.includes('"training round closed"'))).to.have.length(2);
  });
});
