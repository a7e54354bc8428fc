import { expect } from "chai";
import { artifacts, ethers } from "hardhat";
import { formatLog, parseEventLogs, toEventSelector, type Abi, type AbiEvent, type RpcLog } from "viem";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PassThrough } from "node:stream";
import { JobBook, nowSeconds } from "../../lib/chain/jobbook";
import { applyCoreEvent, JobView } from "../../lib/chain/jobView";
import { createLogger } from "../../lib/util/log";
import { ReclaimDuty } from "../../keepers/keeper";
import { MeshFollower } from "../../lib/mesh/follower";
import type { OblivionCore } from "../../typechain-types";
import { deployEnv, keylessRelease, postJob, registerAndStake, spamJobParams, type Env } from "../helpers/protocol";

const MAX_SHARDS = 1_000_000;

/** G-04: two 1,000,000-shard jobs at 1 wei a shard on the attacker's own zero-fee model, beside an honest job. */
async function huge(): Promise<Env & { honestJob: bigint; postGas: bigint }> {
  const env = await deployEnv();
  const attacker = env.keeper;
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  const params = await spamJobParams(env, attacker, MAX_SHARDS, 60);
  let postGas = 0n;
  for (let i = 0; i < 2; i++) postGas = (await (await env.core.connect(attacker).postJob(params, { value: MAX_SHARDS })).wait())!.gasUsed;
  // live work in all three jobs: worker2 holds the last shard of job 1 (it will expire); worker a shard of the honest job
  await env.core.connect(env.worker2).claim(1, MAX_SHARDS - 1);
  const honest = await postJob(env);
  await env.core.connect(env.worker).claim(honest.jobId, 2);
  await env.core.connect(env.requester).releaseShardKey(honest.jobId, 2, await keylessRelease(env.core, honest.jobId, 2));
  return { ...env, honestJob: honest.jobId, postGas };
}

describe("security G-04: million-shard jobs cost the job book nothing per untouched shard", function () {
  it("G-04 two 1,000,000-shard jobs: the book holds state for the 2 touched shards only, and every pass is O(claims)", async function () {
    const env = await loadFixture(huge);
    // what the attack costs: one Merkle root, whatever the shard count (instrumented contracts under coverage cost more)
    if (process.env.SOLIDITY_COVERAGE !== "true") expect(env.postGas).to.be.below(260_000n);
    const book = new JobBook(env.core, ethers.provider);
    await book.sync();
    const [a, b, h] = [book.job(1n), book.job(2n), book.job(env.honestJob)];
    expect([a.shardCount, b.shardCount]).to.deep.equal([MAX_SHARDS, MAX_SHARDS]);
    expect([a.touched.size, b.touched.size, h.touched.size]).to.deep.equal([1, 0, 1]);
    expect(a.counts).to.deep.equal({ open: MAX_SHARDS - 1, claimed: 1, settled: 0, forfeited: 0 });
    expect(book.totals().open).to.equal(2 * MAX_SHARDS - 1 + 3);
    // untouched shards read as open without being stored
    expect(b.shard(123_456)).to.deep.include({ state: "open" });
    expect(b.touched.size).to.equal(0);

    // worker pass: a bounded sample of open shards per job, never one it holds or one claimed
    const picks = book.openShardsFor(env.worker2.address, () => true);
    for (const job of [a, b, h]) expect(picks.filter((p) => p.job === job).length).to.be.at.most(16);
    expect(picks.some((p) => p.job === a && p.shardIndex === MAX_SHARDS - 1)).to.equal(false);
    expect(a.openShards(3, MAX_SHARDS - 2)).to.deep.equal([MAX_SHARDS - 2, 0, 1]); // range minus the claimed one, wrapping
    // agent and mesh passes: claims only
    expect(book.claimsOf(env.worker.address).map((c) => [c.job.jobId, c.shardIndex])).to.deep.equal([[env.honestJob, 2]]);
    expect(book.totals().claimed).to.equal(2);

    // keeper pass: the expired claim in the huge job is found among claims, and reclaimed
    await time.increase(61); // the huge job's 60-second window, not the honest job's
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    expect(book.expiredClaims(now).map((c) => [c.job.jobId, c.shardIndex])).to.deep.equal([[1n, MAX_SHARDS - 1]]);
    const log = createLogger({ source: "test", json: true, out: new PassThrough() });
    const duty = new ReclaimDuty(env.core, env.others[0], log, book, () => now);
    await duty.run();
    expect(duty.stats.reclaimed).to.equal(1);
    await book.sync();
    expect(a.counts.claimed).to.equal(0);
    expect(a.openShards(1, MAX_SHARDS - 1)).to.deep.equal([MAX_SHARDS - 1]); // open again ...
    // ... but not for worker2, whom the core bars from it after the void
    expect(a.openShards(1, MAX_SHARDS - 1, (s) => s.claimedBy.has(env.worker2.address.toLowerCase()))).to.deep.equal([0]);
  });

  it("G-04 the mesh view over two 1,000,000-shard jobs reads no shard: its job rows come from the book's counts", async function () {
    const env = await loadFixture(huge);
    // every core read the view makes, counted (it used to read each shard of a job an event touched: a million calls)
    const reads = new Map<string, number>();
    const core = new Proxy(env.core, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof prop !== "string" || typeof v !== "function" || !/^get|^lockedBy/.test(prop)) return v;
        return (...args: unknown[]) => (reads.set(prop, (reads.get(prop) ?? 0) + 1), (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    }) as OblivionCore;
    const follower = new MeshFollower({ network: "hardhat", core, audit: env.audit, registry: env.registry, provider: ethers.provider, fromBlock: 0 });
    await follower.sync();
    expect(reads.get("getShard") ?? 0, JSON.stringify([...reads])).to.equal(0);
    const rows = new Map(follower.snapshot().jobs.map((j) => [j.jobId, [j.shardCount, j.open, j.claimed, j.settled]]));
    expect(rows.get("1")).to.deep.equal([MAX_SHARDS, MAX_SHARDS - 1, 1, 0]);
    expect(rows.get("2")).to.deep.equal([MAX_SHARDS, MAX_SHARDS, 0, 0]);
    // the counts are the core's statuses: a settlement, a leave and a reclaim move them as the core does
    await env.core.connect(env.worker).leaveClaim(env.honestJob, 2);
    await time.increase(61);
    await env.core.connect(env.keeper).reclaimExpired(1, MAX_SHARDS - 1);
    await follower.sync();
    expect(reads.get("getShard") ?? 0).to.equal(0);
    const after = new Map(follower.snapshot().jobs.map((j) => [j.jobId, [j.open, j.claimed, j.settled]]));
    expect(after.get("1")).to.deep.equal([MAX_SHARDS, 0, 0]);
    const honest = await env.core.getJob(env.honestJob);
    expect(after.get(env.honestJob.toString())).to.deep.equal([Number(honest.shardCount), 0, 0]);
    for (let i = 0; i < Number(honest.shardCount); i++) expect((await env.core.getShard(env.honestJob, i)).status).to.equal(0n);
  });

  it("G-04 honest path: an honest job's claim, release and settlement read as before; nowSeconds deadlines kept", async function () {
    const env = await loadFixture(huge);
    const book = new JobBook(env.core, ethers.provider);
    await book.sync();
    const s = book.job(env.honestJob).shard(2);
    expect(s.state).to.equal("claimed");
    expect(s.worker).to.equal(env.worker.address.toLowerCase());
    expect(s.release?.claimNonce).to.equal(1n);
    expect(s.deadline! > nowSeconds() - 3600n).to.equal(true);
    // the shard's view object is the book's own: later events update it in place
    await env.core.connect(env.worker).leaveClaim(env.honestJob, 2);
    await book.sync();
    expect(s.state).to.equal("open");
    expect(book.job(env.honestJob).shard(2)).to.equal(s);
  });

  it("G-04 the dashboard's job screen state: one job's events, asked by its jobId topic and decoded by viem, give the job book's view; only shards with events are listed", async function () {
    const env = await loadFixture(huge);
    await env.core.connect(env.worker).claim(1, 7);
    await env.core.connect(env.worker).leaveClaim(1, 7); // touched, open again
    const book = new JobBook(env.core, ethers.provider);
    await book.sync();
    // what web/src/chain/job.ts does: the job's events only (topic 1 = jobId), decoded by viem, on a view made from getJob
    const abi = (await artifacts.readArtifact("OblivionCore")).abi as Abi;
    const events = abi.filter((x): x is AbiEvent => x.type === "event" && x.inputs[0]?.name === "jobId");
    const screen = async (jobId: bigint) => {
      const raw = (await ethers.provider.send("eth_getLogs", [{ address: await env.core.getAddress(), topics: [events.map((e) => toEventSelector(e)), ethers.toBeHex(jobId, 32)], fromBlock: "0x0", toBlock: "latest" }])) as RpcLog[];
      const logs = parseEventLogs({ abi: events, logs: raw.map((l) => formatLog(l)), strict: true });
      const j = await env.core.getJob(jobId);
      const view = new JobView(jobId, j.requester.toLowerCase(), j.modelId, j.modelVersion, Number(j.shardCount), j.inputRoot, 0);
      const jobs = new Map([[jobId, view]]);
      for (const l of logs) if (l.eventName !== "JobPosted") applyCoreEvent(jobs, { name: l.eventName, args: l.args as Record<string, unknown>, blockNumber: Number(l.blockNumber), txHash: l.transactionHash! });
      return { view, logs: logs.length };
    };
    for (const jobId of [1n, 2n, env.honestJob]) {
      const { view, logs } = await screen(jobId);
      const want = book.job(jobId);
      expect(view.counts, `job ${jobId}`).to.deep.equal(want.counts);
      expect([...view.touched.keys()].sort()).to.deep.equal([...want.touched.keys()].sort());
      for (const [i, s] of want.touched) expect(view.shard(i), `job ${jobId} shard ${i}`).to.deep.equal(s);
      expect(logs).to.be.at.most(6); // the job's own events, not the chain's
    }
    const big = (await screen(1n)).view;
    expect(big.listed(100)).to.deep.equal([7, MAX_SHARDS - 1]); // a million-shard job lists its two touched shards
    expect(big.shard(7)).to.deep.include({ state: "open", claimNonce: undefined });
    expect(big.shard(MAX_SHARDS - 1).claimNonce).to.be.a("bigint"); // viem's uint32 numbers become the book's bigints
    const honest = (await screen(env.honestJob)).view;
    expect(honest.listed(100)).to.deep.equal(Array.from({ length: honest.shardCount }, (_, i) => i)); // a small job lists every shard
  });
});
