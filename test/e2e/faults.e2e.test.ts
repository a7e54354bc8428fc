/**
 * Fault injection against real worker and keeper processes, one job through all of it: corrupted bytes from
 * storage, a worker killed mid-shard, the RPC endpoint unreachable for 10 s, and the keeper restarted. The job
 * must complete, every shard exactly once, with the value invariant intact; the requester's CLI posts the job from
 * raw inputs and reads the checked results.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { devnetEnv, DEVNET_NETWORK } from "../../lib/devnet/devnet";
import { readJobFile } from "../../lib/requester/job";
import { REPO_ROOT } from "../../lib/util/processes";
import { sleep } from "../../lib/util/retry";
import { blockPath } from "../helpers/storage-faults";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";
import { SIZES, startMesh, type Mesh } from "./harness";
import { rng } from "../zk/models";

const run = promisify(execFile);
const HARDHAT = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string, m: Mesh): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${m.logs.slice(-30).join("\n")}`);
    await sleep(250);
  }
}

describe("e2e: fault injection (storage corruption, killed worker, RPC outage, keeper restart)", function () {
  this.timeout(900_000);
  let m: Mesh;
  let proxy: TcpProxy;

  before(async () => {
    m = await startMesh();
    proxy = await startTcpProxy(Number(new URL(m.d.url).port));
  });
  after(async () => {
    await proxy?.close();
    await m?.stop();
  });

  it("completes the job, each shard once, with the books balanced", async () => {
    const cli = (args: string[]) =>
      run(HARDHAT, [...args, "--network", DEVNET_NETWORK], { cwd: REPO_ROOT, env: devnetEnv(m.d) }).then((r) => r.stdout);
    const viaProxy = { OBLIVION_RPC_URL: proxy.url };
    let keeper = m.startKeeper(5);
    // The claim window is wide (180 s) so that a loaded CI machine (three provers, a node and a keeper on two cores,
    // plus the 10 s outage) never makes an honest worker miss it; the dead worker's claim is expired by moving time.

    // The requester posts 6 shards from a raw input file through the CLI (quantize, commit, encrypt, upload).
    const r = rng(3);
    const inputs = path.join(m.d.home, "inputs.json");
    fs.writeFileSync(inputs, JSON.stringify(Array.from({ length: 6 }, () => Array.from({ length: SIZES[0] }, r))));
    const posted = await cli(["job:post", "--inputs", inputs, "--model", String(m.model.modelId), "--price", "0.01", "--collateral", "0.05", "--window", "180", "--from", "1", "--clamp"]);
    expect(posted).to.match(/posted job 1: 6 shards of 1 \(6 inputs\)/);
    const jobId = 1n;
    const file = readJobFile((await m.d.provider.getNetwork()).chainId.toString(), await m.d.contracts.core.getAddress(), jobId, m.jobsDir);

    // Storage corruption: every shard package's block is flipped on disk, then restored a few seconds later.
    const storeDir = path.join(m.d.home, "ipfs");
    const originals = file.shards.map((s) => {
      const f = blockPath(storeDir, s.packageCid);
      const bytes = fs.readFileSync(f);
      const bad = Buffer.from(bytes);
      bad[bad.length - 1] ^= 1;
      fs.writeFileSync(f, bad);
      return { f, bytes };
    });

    // A worker that will be killed mid-shard: it claims, receives its key, and dies.
    const doomed = m.startWorker(2, { env: viaProxy });
    const doomedAddr = m.d.accounts[2].address.toLowerCase();
    await waitFor(async () => {
      await m.book.sync();
      await m.agent.tick();
      return m.book.job(jobId).shards.some((s) => s.worker === doomedAddr && s.release);
    }, 180_000, "the doomed worker's claim and key release", m);
    await waitFor(() => m.logs.some((l) => l.startsWith("w2") && l.includes("storage read failed") && l.includes("CID")), 60_000, "a rejected corrupted read", m);
    await doomed.stop(0); // SIGKILL at once, in the middle of its shard
    for (const o of originals) fs.writeFileSync(o.f, o.bytes);
    const killedShard = m.book.job(jobId).shards.findIndex((s) => s.worker === doomedAddr);

    // Two more workers through the proxy; the RPC endpoint goes away for 10 s once work is under way; the keeper restarts.
    m.startWorker(3, { env: viaProxy });
    m.startWorker(4, { env: viaProxy });
    let outage = false;
    let keeperRestarted = false;
    let forwarded = false;
    await m.settle(jobId, 600_000, async () => {
      const job = m.book.job(jobId);
      const settled = job.shards.filter((s) => s.state === "settled").length;
      if (!outage && settled >= 1) {
        outage = true;
        await proxy.cut();
        await sleep(10_000);
        await proxy.restore();
      }
      if (outage && !keeperRestarted) {
        keeperRestarted = true;
        await keeper.stop();
        keeper = m.startKeeper(5);
      }
      const s = job.shards[killedShard];
      if (!forwarded && s.state === "claimed" && s.worker === doomedAddr && job.shards.every((x, i) => i === killedShard || x.state === "settled")) {
        forwarded = true;
        await m.d.provider.send("evm_increaseTime", [181]);
        await m.d.provider.send("evm_mine", []);
      }
    });
    expect(outage && keeperRestarted).to.equal(true);

    const core = m.d.contracts.core;
    const slashes = await core.queryFilter(core.filters.ClaimSlashed(jobId));
    expect(slashes.map((e) => [Number(e.args.shardIndex), e.args.worker.toLowerCase()])).to.deep.equal([[killedShard, doomedAddr]]);
    const settledEvents = await core.queryFilter(core.filters.ShardSettled(jobId));
    expect(settledEvents.map((e) => Number(e.args.shardIndex)).sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(settledEvents.some((e) => e.args.worker.toLowerCase() === doomedAddr)).to.equal(false);
    expect((await m.d.contracts.audit.recordIdsOfJob(jobId)).length).to.equal(6);
    const v = await m.checkValue();
    expect(v.held).to.equal(v.accounted);

    const results = await cli(["job:results", "--job", "1", "--from", "1"]);
    expect(results).to.match(/job 1: 6\/6 shards settled and checked/);
  });
});
