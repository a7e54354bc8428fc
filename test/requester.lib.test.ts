/**
 * The requester's and keeper's duties against the core on Hardhat's in-process chain: the job book ends claims on
 * ClaimVoided, the reclaim duty decides deadlines by the wall clock (the latest block is stale on an idle node), the
 * release agent sends nothing it can tell will revert and never retries an ended claim, and a post that would be
 * refused is refused before anything is sent.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther, Wallet } from "ethers";
import { JobBook, nowSeconds } from "../lib/chain/jobbook";
import { ReleaseAgent } from "../lib/requester/agent";
import { followJobs, ProgressLine, summaryLine } from "../lib/requester/follow";
import { checkPost, jobFilePath, type JobFile } from "../lib/requester/job";
import { createLogger } from "../lib/util/log";
import { ReclaimDuty } from "../keepers/keeper";
import { deployEnv, registerAndStake, postJob, jobParams, proveShard, submit, WINDOW, type Env } from "./helpers/protocol";
import { releaseCurve } from "./helpers/snarkjs";

function capture() {
  const lines: string[] = [];
  const log = createLogger({ source: "test", out: { write: (s: string) => lines.push(s) !== 0 } as unknown as NodeJS.WritableStream, tty: false });
  return { log, lines };
}

async function setup(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  return env;
}

/** A job file for `jobId` whose shards are public (no data key): the release carries the package CID only. */
function writeJobFile(dir: string, chainId: bigint, core: string, jobId: bigint, shards: number): void {
  const file: JobFile = {
    chainId: chainId.toString(), core, jobId: jobId.toString(), modelId: "1", modelVersion: 1,
    shards: Array.from({ length: shards }, (_, i) => ({ packageCid: `bafkpkg${i}`, inputCommitment: String(i + 1) })),
  };
  const f = jobFilePath(file.chainId, core, jobId, dir);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, JSON.stringify(file));
}

const blockNumber = () => ethers.provider.getBlockNumber();

describe("requester and keeper duties", function () {
  after(releaseCurve);
  const jobsDir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-jobs-"));
  after(() => fs.rmSync(jobsDir, { recursive: true, force: true }));

  it("the job book reopens a voided claim: other workers see the shard open, the first claimant does not", async function () {
    const env = await loadFixture(setup);
    const job = await postJob(env, { shards: 2 });
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await time.increase(WINDOW + 1);
    await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 0)).to.emit(env.core, "ClaimVoided");
    const book = new JobBook(env.core, ethers.provider);
    const events = await book.sync();
    expect(events.map((e) => e.name)).to.include("ClaimVoided");
    expect(book.job(job.jobId).shards[0].state).to.equal("open");
    expect(book.claimsOf(env.worker.address)).to.have.length(0); // the worker's slot is free
    const open = (w: string) => book.openShardsFor(w, () => true).map((s) => s.shardIndex).sort((a, b) => a - b);
    expect(open(env.worker.address)).to.deep.equal([1]);
    expect(open(env.worker2.address)).to.deep.equal([0, 1]);
  });

  it("the reclaim duty acts on the wall clock while the idle node's latest block is stale, checking first", async function () {
    const env = await loadFixture(setup);
    const job = await postJob(env, { shards: 1 });
    await env.core.connect(env.worker).claim(job.jobId, 0);
    // The chain's clock runs ahead of this process's by the fixture's time travel: measure it, then move to 2 s
    // before the deadline with one block and let 4 s of wall-clock time pass with no block (an idle node).
    await time.increase(WINDOW - 2);
    const offset = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) - nowSeconds();
    await new Promise((r) => setTimeout(r, 4_000));
    const [canExecLatest] = await env.core.checker(); // what the old duty asked: evaluated on the stale latest block
    expect(canExecLatest, "checker() on the latest block does not see the expiry").to.equal(false);
    const { log, lines } = capture();
    const duty = new ReclaimDuty(env.core, env.keeper, log, undefined, () => nowSeconds() + offset);
    const before = await blockNumber();
    expect(await duty.run()).to.equal(1);
    expect(await blockNumber()).to.equal(before + 1); // the reclaim itself mined the block with a fresh timestamp
    expect(duty.stats.skipped).to.equal(0);
    expect(lines.filter((l) => l.includes("voided expired claim"))).to.have.length(1);
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(0n);
    expect(await duty.run()).to.equal(0); // nothing left: no transaction
    expect(await blockNumber()).to.equal(before + 1);
  });

  it("the reclaim duty sends nothing for a claim the chain says has not expired (clock ahead of the node)", async function () {
    const env = await loadFixture(setup);
    const job = await postJob(env, { shards: 1 });
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const { log } = capture();
    const duty = new ReclaimDuty(env.core, env.keeper, log, undefined, () => nowSeconds() + BigInt(WINDOW + 60));
    const before = await blockNumber();
    // The book's deadline is read back from the core first (a key release restarts it) and then the static call decides.
    expect(await duty.run()).to.equal(0);
    expect(await blockNumber()).to.equal(before);
  });

  it("the release agent releases a live claim once, and never sends for an expired or voided claim", async function () {
    const env = await loadFixture(setup);
    const job = await postJob(env, { shards: 2 });
    const chainId = (await ethers.provider.getNetwork()).chainId;
    writeJobFile(jobsDir, chainId, await env.core.getAddress(), job.jobId, 2);
    const book = new JobBook(env.core, ethers.provider);
    const { log, lines } = capture();
    const agent = new ReleaseAgent(env.core, env.requester, book, log, { jobsDir });

    await env.core.connect(env.worker).claim(job.jobId, 0);
    await book.sync();
    expect(await agent.tick()).to.equal(1);
    await book.sync();
    expect(await agent.tick()).to.equal(0); // released: nothing more
    expect(agent.released).to.equal(1);

    // Shard 1: claimed, then the clock passes its deadline with no block (idle node).
    await env.core.connect(env.worker2).claim(job.jobId, 1);
    await book.sync();
    await ethers.provider.send("evm_increaseTime", [WINDOW + 5]);
    const before = await blockNumber();
    for (let i = 0; i < 5; i++) expect(await agent.tick()).to.equal(0);
    expect(await blockNumber(), "no release transaction sent").to.equal(before);
    expect(agent.refused, "checked once, then dropped for good").to.equal(1);
    expect(lines.filter((l) => /claim over before release/.test(l))).to.have.length(1);

    // The keeper voids it; the book reopens the shard and the agent has nothing to do.
    await env.core.connect(env.keeper).reclaimExpired(job.jobId, 1);
    await book.sync();
    expect(book.job(job.jobId).shards[1].state).to.equal("open");
    const after = await blockNumber();
    expect(await agent.tick()).to.equal(0);
    expect(await blockNumber()).to.equal(after);
  });

  it("followJobs follows a job to the end: releases on claims, returns complete once every shard settled", async function () {
    const env = await loadFixture(setup);
    const job = await postJob(env, { shards: 2 });
    writeJobFile(jobsDir, (await ethers.provider.getNetwork()).chainId, await env.core.getAddress(), job.jobId, 2);
    const { log, lines } = capture();
    const following = followJobs({ core: env.core, requester: env.requester, log, jobsDir, jobs: [job.jobId], pollMs: 100 });
    for (const [i, w] of [env.worker, env.worker2].entries()) {
      await env.core.connect(w).claim(job.jobId, i);
      while ((await env.core.queryFilter(env.core.filters.ShardKeyReleased(job.jobId, i))).length === 0) await new Promise((r) => setTimeout(r, 100));
      await submit(env, job, i, w, await proveShard(env, job, i, w.address));
    }
    const out = await following;
    expect(out).to.deep.include({ complete: true, released: 2, refused: 0 });
    expect(out.progress[0]).to.include({ settled: 2, claimed: 0, open: 0 });
    expect(lines.some((l) => /job \d+: settled 2\/2, claimed 0, open 0/.test(l))).to.equal(true);
  });

  it("the requester service serves every job of the account with a job file until stopped", async function () {
    const env = await loadFixture(setup);
    const a = await postJob(env, { shards: 1 });
    const b = await postJob(env, { shards: 1, salt: 1 });
    const chainId = (await ethers.provider.getNetwork()).chainId;
    for (const j of [a, b]) writeJobFile(jobsDir, chainId, await env.core.getAddress(), j.jobId, 1);
    const { log } = capture();
    const stop = new AbortController();
    const serving = followJobs({ core: env.core, requester: env.requester, log, jobsDir, pollMs: 100, signal: stop.signal });
    await env.core.connect(env.worker).claim(a.jobId, 0);
    await env.core.connect(env.worker2).claim(b.jobId, 0);
    while ((await env.core.queryFilter(env.core.filters.ShardKeyReleased())).length < 2) await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    const out = await serving;
    expect(out).to.deep.include({ complete: false, released: 2 });
    expect(out.progress.map((p) => p.jobId)).to.deep.equal([a.jobId, b.jobId]);
  });

  it("the requester service: counts over live jobs only, plain lines at most every 10 s, a pointer to job:results when a job ends", async function () {
    const env = await loadFixture(setup);
    const a = await postJob(env, { shards: 1 });
    const b = await postJob(env, { shards: 2, salt: 1 });
    const chainId = (await ethers.provider.getNetwork()).chainId;
    writeJobFile(jobsDir, chainId, await env.core.getAddress(), a.jobId, 1);
    writeJobFile(jobsDir, chainId, await env.core.getAddress(), b.jobId, 2);
    const { log, lines } = capture();
    const stop = new AbortController();
    const serving = followJobs({
      core: env.core, requester: env.requester, log, jobsDir, pollMs: 100, signal: stop.signal, plainEveryMs: 10_000,
      resultsCommand: (id) => `npx hardhat job:results --job ${id} --from 1 --network localhost`,
    });
    await env.core.connect(env.worker).claim(a.jobId, 0);
    while ((await env.core.queryFilter(env.core.filters.ShardKeyReleased(a.jobId))).length === 0) await new Promise((r) => setTimeout(r, 100));
    await submit(env, a, 0, env.worker, await proveShard(env, a, 0, env.worker.address));
    while (!lines.some((l) => l.includes(`job ${a.jobId}: every shard settled`))) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_000)); // ten polls, with the line unchanged
    stop.abort();
    await serving;
    expect(lines.find((l) => l.includes(`job ${a.jobId}: every shard settled`))).to.match(/results: npx hardhat job:results --job \d+ --from 1 --network localhost/);
    const progress = lines.filter((l) => /serving 2 jobs/.test(l));
    // the first line at once, then the changed ones only after 10 s (none here) or when an event line flushes them
    expect(progress.length, progress.join("")).to.be.at.most(3);
    expect(progress.at(-1)).to.match(/serving 2 jobs \(1 live\): settled 0\/2, claimed 0, open 2/);
    expect(lines.join("")).to.not.match(/settled 1\/3|3\/3/);
  });

  it("a requester whose released shards are left is told once that workers cannot reach its content", async function () {
    const env = await loadFixture(setup);
    const job = await postJob(env, { shards: 2, salt: 2 });
    writeJobFile(jobsDir, (await ethers.provider.getNetwork()).chainId, await env.core.getAddress(), job.jobId, 2);
    const { log, lines } = capture();
    const stop = new AbortController();
    const following = followJobs({ core: env.core, requester: env.requester, log, jobsDir, jobs: [job.jobId], pollMs: 100, signal: stop.signal });
    for (const [i, w] of [env.worker, env.worker2].entries()) {
      await env.core.connect(w).claim(job.jobId, i);
      while ((await env.core.queryFilter(env.core.filters.ShardKeyReleased(job.jobId, i))).length === 0) await new Promise((r) => setTimeout(r, 100));
      await env.core.connect(w).leaveClaim(job.jobId, i); // the package was out of its reach
    }
    const told = () => lines.filter((l) => l.includes("workers cannot reach this job's content"));
    while (told().length === 0) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_000));
    stop.abort();
    await following;
    expect(told(), lines.join("")).to.have.length(1);
    expect(told()[0]).to.match(/job=\d+ left=[12] published=none/);
  });

  it("the progress line: one line redrawn on a terminal, the latest plain line flushed at the end; summary counts agree", () => {
    const drawn: string[] = [];
    const infos: string[] = [];
    const fake = { info: (m: string) => infos.push(m), warn: () => undefined, error: () => undefined, progress: (l: string) => drawn.push(l), child: () => fake };
    const tty = new ProgressLine(fake, true, 10_000);
    tty.update("job 1: settled 0/2", 0, 2);
    tty.update("job 1: settled 1/2", 1, 2);
    expect(drawn).to.deep.equal(["job 1: settled 0/2", "job 1: settled 1/2"]);
    expect(infos).to.deep.equal([]);
    const plain = new ProgressLine(fake, false, 10_000);
    plain.update("job 1: settled 0/2", 0, 2);
    plain.update("job 1: settled 1/2", 1, 2);
    plain.update("job 1: settled 1/2, ETA 5 s", 1, 2);
    expect(infos).to.deep.equal(["job 1: settled 0/2"]);
    plain.flush();
    expect(infos).to.deep.equal(["job 1: settled 0/2", "job 1: settled 1/2, ETA 5 s"]);
    const done = { jobId: 1n, shardCount: 33, settled: 33, claimed: 0, open: 0, cancelled: false };
    expect(summaryLine([done])).to.equal("serving 1 job (0 live): nothing left to do");
    expect(summaryLine([done, { ...done, jobId: 2n, shardCount: 4, settled: 1, open: 3 }])).to.equal("serving 2 jobs (1 live): settled 1/4, claimed 0, open 3");
  });

  it("a post the requester cannot pay for is refused before anything is sent or stored", async function () {
    const env = await loadFixture(setup);
    const poor = Wallet.createRandom().connect(ethers.provider);
    await env.owner.sendTransaction({ to: poor.address, value: parseEther("0.001") });
    const { params } = await jobParams(env, { shards: 3 });
    const before = await blockNumber();
    await checkPost(env.core, poor, params).then(
      () => expect.fail("accepted"),
      (err: Error) => expect(err.message).to.match(/^insufficient funds: 0x[0-9a-fA-F]{40} has 0\.001 ETH, the job needs 0\.0\d+ ETH escrow plus gas/),
    );
    // A post the core would refuse (price 0) is caught by the static call.
    await checkPost(env.core, env.requester, { ...params, pricePerShard: 0n }).then(
      () => expect.fail("accepted"),
      (err: Error) => expect(err.message).to.equal("postJob would revert: OblivionCore.ZeroPrice()"),
    );
    expect(await blockNumber()).to.equal(before);
    expect((await checkPost(env.core, env.requester, params)).escrow).to.equal(await env.core.jobEscrowFor(params));
  });
});
