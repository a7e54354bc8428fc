/**
 * G-02: a requester releases a key to a package nobody serves. Before the fix, the worker retried its reads past the
 * chain's inspection end (claimWindow / 4 after the release), its late leaveClaim reverted InspectionOver, and the
 * claim was slashed. Now every read and check runs against the inspection end read from the chain, less the time to
 * mine a leave, and a worker refuses a window whose inspection time its storage timeout does not fit.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { parseEther } from "ethers";
import type { ContentStore } from "../../lib/storage";
import { loadWorkerConfig } from "../../worker/config";
import { proverEnv, type ProverEnv } from "../helpers/prover-worker";

describe("security G-02: inspection ends in time, taken from the chain", function () {
  this.timeout(300_000);
  let env: ProverEnv;

  before(async () => {
    env = await proverEnv();
  });

  it("G-02 a real 60 s window and a store that never answers: the worker leaves before the inspection end, nobody slashed", async () => {
    const { jobId, packageCid } = await env.post({ claimWindow: 60 });
    const reads: string[] = [];
    // Serves the model's artifacts, never the package: each read of it hangs forever.
    const silent: ContentStore = Object.assign(Object.create(env.store) as ContentStore, {
      get: (cid: string) => (cid === packageCid ? (reads.push(cid), new Promise<Uint8Array>(() => undefined)) : env.store.get(cid)),
    });
    const { worker, records } = await env.worker(4, { fetchTimeoutMs: 2_000, txMarginMs: 8_000 }, silent);
    await worker.ensureReady();
    const stake = (await env.c.core.getWorker(worker.address)).stake;
    await env.drive(worker, async () => worker.stats.left > 0 || worker.stats.abandoned > 0, 90_000);
    expect(worker.stats.abandoned, JSON.stringify(records.slice(-3))).to.equal(0);
    expect(reads.length, "reads were retried while time was left").to.be.greaterThan(1);

    const [released] = await env.c.core.queryFilter(env.c.core.filters.ShardKeyReleased(jobId, 0));
    const [left] = await env.c.core.queryFilter(env.c.core.filters.ClaimLeft(jobId, 0));
    const t = async (e: { blockNumber: number }) => (await ethers.provider.getBlock(e.blockNumber))!.timestamp;
    const inspectionEnd = (await t(released)) + 60 / 4;
    expect(left.args.keyReleased).to.equal(true);
    expect(await t(left), "left within the inspection window").to.be.at.most(inspectionEnd);
    expect(String(records.find((r) => r.msg === "left the claim without a slash")!.reason)).to.match(/is unavailable: .*(inspection deadline|timed out)/);
    expect((await env.c.core.queryFilter(env.c.core.filters.ClaimSlashed(jobId))).length).to.equal(0);
    const info = await env.c.core.getWorker(worker.address);
    expect([info.stake, info.locked]).to.deep.equal([stake, 0n]);
  });

  it("G-02 a worker whose storage timeout does not fit a 60 s window's inspection declines it in one line", async () => {
    const { jobId } = await env.post({ claimWindow: 60 });
    const { worker, records } = await env.worker(5, { fetchTimeoutMs: 20_000 });
    await worker.ensureReady();
    await worker.tick();
    await worker.tick();
    expect(worker.stats.claimed).to.equal(0);
    const lines = records.filter((r) => r.msg.startsWith(`declining job ${jobId}:`));
    expect(lines.length, "said once").to.equal(1);
    expect(lines[0].msg).to.match(/inspection window is shorter than the .* this worker's inspection needs \(storage timeout 20\.0 s/);
    expect((await env.c.core.getShard(jobId, 0)).status).to.equal(0n);
  });

  it("G-02 claims the worker can finish: a machine whose measured shard time does not fit the window declines, and says so", async () => {
    // A safety factor of 100 stands for a machine 100x slower than the one that measured the calibration proof.
    const slow = await env.worker(6, { timingMargin: 100 });
    const ok = await env.worker(6, {});
    const { jobId } = await env.post({ claimWindow: 120 });
    await slow.worker.ensureReady();
    await slow.worker.tick();
    expect(slow.worker.stats.claimed).to.equal(0);
    expect(slow.records.find((r) => r.msg.startsWith(`declining job ${jobId}:`))!.msg).to.match(/claim window is shorter than the .* a shard of this model needs on this machine \(inspection 30\.0 s \+ calibration proof/);
    expect((await env.c.core.getWorker(slow.worker.address)).locked).to.equal(0n);
    // The same machine with the default factor takes it.
    await ok.worker.tick();
    expect(ok.worker.stats.claimed).to.equal(1);
    expect((await env.c.core.getWorker(ok.worker.address)).locked).to.equal(parseEther("0.05"));
  });

  it("G-02 a model load after a restart that does not end before the inspection end: the worker leaves in time, nobody slashed", async () => {
    // The first load (before the claim) is measured as usual; the load after the release, as a restarted worker
    // makes it, never ends.
    let loads = 0;
    // a 12 s margin to mine the leave (and a 1 s read, so the 15 s inspection still fits): the worker gives up on the
    // load 3 s after the release
    const { worker, records } = await env.worker(9, { txMarginMs: 12_000, fetchTimeoutMs: 1_000 }, undefined, (c) => ({ ...c, prepare: (m, v) => (++loads === 1 ? c.prepare(m, v) : new Promise(() => undefined)) }));
    await worker.ensureReady();
    const { jobId } = await env.post({ claimWindow: 60 });
    await env.drive(worker, async () => worker.stats.left > 0 || worker.stats.abandoned > 0, 60_000);
    expect(worker.stats.abandoned, JSON.stringify(records.slice(-3))).to.equal(0);
    expect(String(records.find((r) => r.msg === "left the claim without a slash")!.reason)).to.equal("the model did not load before the chain's inspection end");
    const [released] = await env.c.core.queryFilter(env.c.core.filters.ShardKeyReleased(jobId, 0));
    const [left] = await env.c.core.queryFilter(env.c.core.filters.ClaimLeft(jobId, 0));
    const t = async (e: { blockNumber: number }) => (await ethers.provider.getBlock(e.blockNumber))!.timestamp;
    expect(await t(left)).to.be.at.most((await t(released)) + 60 / 4);
    expect((await env.c.core.getWorker(worker.address)).locked).to.equal(0n);
  });

  it("G-02 a submission that meets an RPC outage is retried until it is mined, not abandoned to a slash", async () => {
    const { worker, records } = await env.worker(8, {});
    await worker.ensureReady();
    // the first submission meets a dropped connection (what an RPC outage looks like to ethers)
    let cut = 1;
    const w = worker as unknown as { submitOnce: (...a: unknown[]) => Promise<unknown> };
    const submitOnce = w.submitOnce.bind(worker);
    w.submitOnce = (...a: unknown[]) => (cut-- > 0 ? Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" })) : submitOnce(...a));
    const { jobId } = await env.post();
    await env.drive(worker, async () => worker.stats.settled > 0 || worker.stats.abandoned > 0 || worker.stats.left > 0);
    expect([worker.stats.settled, worker.stats.abandoned, worker.stats.left], JSON.stringify(records.slice(-3))).to.deep.equal([1, 0, 0]);
    expect(records.filter((r) => r.msg === "submission failed; retrying").length).to.equal(1);
    expect((await env.c.core.getShard(jobId, 0)).status).to.equal(2n);
  });

  it("G-02 the worker's timing settings come from its config or OBLIVION_* variables; bad values are one named line", () => {
    const env = { OBLIVION_PRIVATE_KEY: "0x" + "11".repeat(32) };
    const d = loadWorkerConfig(undefined, env);
    expect([d.fetchTimeoutMs, d.txMarginMs, d.timingMargin]).to.deep.equal([6_000, 4_000, 1.5]);
    const c = loadWorkerConfig(undefined, { ...env, OBLIVION_FETCH_TIMEOUT_MS: "2500", OBLIVION_TX_MARGIN_MS: "8000", OBLIVION_TIMING_MARGIN: "3" });
    expect([c.fetchTimeoutMs, c.txMarginMs, c.timingMargin]).to.deep.equal([2_500, 8_000, 3]);
    expect(() => loadWorkerConfig(undefined, { ...env, OBLIVION_FETCH_TIMEOUT_MS: "0" })).to.throw(/^worker config: fetchTimeoutMs must be a whole number in \[100, 600000\], got "0"$/);
    expect(() => loadWorkerConfig(undefined, { ...env, OBLIVION_TIMING_MARGIN: "0.5" })).to.throw(/^worker config: timingMargin must be a number in \[1, 100\], got "0.5"$/);
  });
});
