/**
 * G-01: a requester releases the right key to a package that opens, is committed under the job's root and yet
 * cannot be proven (wrong shape, NaN, out of range, for another shard, truncated). Before the fix, the worker's
 * inspection passed, the prover threw after it, and the claim was left to expire and be slashed. Now the worker
 * checks the shape, every value and a witness dry run before the chain's inspection end, and leaves without loss;
 * the honest package beside them is proven and paid.
 */
import { expect } from "chai";
import { parseEther } from "ethers";
import type { Worker } from "../../worker/worker";
import { proverEnv, PRICE, type ProverEnv, type Spoil } from "../helpers/prover-worker";

describe("security G-01: a malformed package never costs the honest worker", function () {
  this.timeout(300_000);
  let env: ProverEnv;
  let w: Awaited<ReturnType<ProverEnv["worker"]>>;
  let worker: Worker;
  let addr: string;

  before(async function () {
    env = await proverEnv();
    w = await env.worker(3);
    worker = w.worker;
    addr = worker.address;
    await worker.ensureReady();
  });

  /** Holdings that a slash or a lost collateral would lower. */
  const holdings = async () => {
    const info = await env.c.core.getWorker(addr);
    return { stake: info.stake, locked: info.locked, balance: await env.c.core.balanceOf(addr) };
  };

  async function leavesWithoutLoss(spoil: Spoil | undefined, reason: RegExp, opts: { mutate?: (b: Uint8Array) => Uint8Array; commit?: number[][] } = {}) {
    const before = await holdings();
    const runs = w.runs();
    const left = worker.stats.left;
    const { jobId } = await env.post({ spoil, ...opts });
    await env.drive(worker, async () => worker.stats.left > left || worker.stats.abandoned > 0);
    expect(worker.stats.abandoned, JSON.stringify(w.records.slice(-3))).to.equal(0);
    const ev = (await env.c.core.queryFilter(env.c.core.filters.ClaimLeft(jobId, 0))).at(-1)!;
    expect([ev.args.worker, ev.args.keyReleased]).to.deep.equal([addr, true]); // left after reading the release
    const rec = w.records.filter((r) => r.msg === "left the claim without a slash").at(-1)!;
    expect(String(rec.reason)).to.match(reason);
    expect(w.runs(), "the prover never ran on the malformed package").to.equal(runs);
    expect(await holdings()).to.deep.equal(before);
    expect((await env.c.core.queryFilter(env.c.core.filters.ClaimSlashed(jobId))).length).to.equal(0);
    expect((await env.c.core.getShard(jobId, 0)).status).to.equal(0n); // open again for others
  }

  it("G-01 honest path: the worker calibrates, proves the honest package and is paid", async () => {
    const before = await holdings();
    const { jobId } = await env.post();
    await env.drive(worker, async () => worker.stats.settled === 1 || worker.stats.abandoned > 0 || worker.stats.left > 0);
    expect(worker.stats.settled, JSON.stringify(w.records.slice(-3))).to.equal(1);
    expect((await env.c.core.getShard(jobId, 0)).status).to.equal(2n);
    const after = await holdings();
    expect(after.stake).to.equal(before.stake);
    expect(after.balance - before.balance).to.be.greaterThan(0n).and.at.most(PRICE);
    expect(env.proverRecords.some((r) => r.msg === "model loaded" && typeof r.calibrationProofMs === "number")).to.equal(true);
  });

  it("G-01 wrong length: inputs of 3 values where the model takes 8; the worker leaves without loss", async () => {
    await leavesWithoutLoss((p) => ({ ...p, inputs: p.inputs.map((x) => x.slice(0, 3)) }), /input 0 has 3 values, the model takes 8/);
  });

  it("G-01 wrong count: 1 input vector where the model takes 2 per shard; the worker leaves without loss", async () => {
    await leavesWithoutLoss((p) => ({ ...p, inputs: p.inputs.slice(0, 1) }), /1 input vectors, the model takes 2 per shard/);
  });

  it("G-01 NaN: a value that is no number; the worker leaves without loss", async () => {
    await leavesWithoutLoss((p) => ({ ...p, inputs: [[NaN, ...p.inputs[0].slice(1)], p.inputs[1]] }), /input 0 value 0 is null, not a byte/);
  });

  it("G-01 out of range: a value outside the calibrated byte range; the worker leaves without loss", async () => {
    await leavesWithoutLoss((p) => ({ ...p, inputs: [p.inputs[0], [...p.inputs[1].slice(0, 7), 300]] }), /input 1 value 7 is 300, not a byte/);
  });

  it("G-01 another shard: a package that names shard 1 for shard 0; the worker leaves without loss", async () => {
    await leavesWithoutLoss((p) => ({ ...p, shardIndex: 1 }), /shard package is for shard 1/);
  });

  it("G-01 truncated ciphertext: the package's last 20 bytes cut; the worker leaves without loss", async () => {
    await leavesWithoutLoss(undefined, /does not open with the released key/, { mutate: (b) => b.slice(0, b.length - 20) });
  });

  it("G-01 a prover that fails after an inspection that passed, inside the inspection window: the worker leaves without loss", async () => {
    // A wider inspection window (claimWindow 600: 150 s) than the shard takes: the failure comes while the claim can be left.
    const failing = await env.worker(7, {}, undefined, (c) => ({ ...c, run: () => Promise.reject(new Error("prover thread crashed")) }));
    await failing.worker.ensureReady();
    const before = await env.c.core.getWorker(failing.worker.address);
    const { jobId } = await env.post();
    await env.drive(failing.worker, async () => failing.worker.stats.left > 0 || failing.worker.stats.abandoned > 0);
    expect(failing.worker.stats.abandoned, JSON.stringify(failing.records.slice(-3))).to.equal(0);
    expect(String(failing.records.find((r) => r.msg === "left the claim without a slash")!.reason)).to.match(/^shard cannot be finished: prover thread crashed/);
    const [ev] = await env.c.core.queryFilter(env.c.core.filters.ClaimLeft(jobId, 0));
    expect([ev.args.worker, ev.args.keyReleased]).to.deep.equal([failing.worker.address, true]);
    const after = await env.c.core.getWorker(failing.worker.address);
    expect([after.stake, after.locked]).to.deep.equal([before.stake, 0n]);
    expect((await env.c.core.queryFilter(env.c.core.filters.ClaimSlashed(jobId))).length).to.equal(0);
  });

  it("G-01 the worker kept its whole stake through every malformed package", async () => {
    const info = await env.c.core.getWorker(addr);
    expect([info.stake, info.locked]).to.deep.equal([parseEther("1"), 0n]);
    expect(worker.stats.left).to.equal(6);
    expect(worker.stats.abandoned).to.equal(0);
  });
});
