import { expect } from "chai";
import { sleep } from "../../lib/util/retry";
import { startMesh, type Mesh } from "./harness";

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe("e2e: workers and a keeper as processes against a node", function () {
  this.timeout(600_000);
  let m: Mesh;

  before(async () => {
    m = await startMesh();
  });
  after(async () => {
    await m?.stop();
  });

  it("settles every shard with real proofs; the staller is slashed by the keeper and its shard finished by another", async () => {
    const staller = m.startWorker(4, { misbehave: "stall" });
    m.startKeeper(5);
    const jobId = await m.post(4);
    const stallerAddr = m.d.accounts[4].address.toLowerCase();
    await waitFor(async () => {
      await m.book.sync();
      return m.book.job(jobId).shards.some((s) => s.worker === stallerAddr);
    }, 120_000, "the staller to claim");
    m.startWorker(2);
    m.startWorker(3);
    let forwarded = false;
    await m.settle(jobId, 300_000, async () => {
      const job = m.book.job(jobId);
      const stalled = job.shards.filter((s) => s.state === "claimed" && s.worker === m.d.accounts[4].address.toLowerCase());
      if (!forwarded && stalled.length > 0 && job.shards.every((s) => s.state === "settled" || stalled.includes(s))) {
        await m.d.provider.send("evm_increaseTime", [61]);
        await m.d.provider.send("evm_mine", []);
        forwarded = true;
      }
    });
    const job = m.book.job(jobId);
    expect(job.shards.every((s) => s.state === "settled")).to.equal(true);
    const settledBy = new Set(job.shards.map((s) => s.settledBy));
    expect(settledBy.has(m.d.accounts[4].address.toLowerCase())).to.equal(false);
    const slashes = await m.d.contracts.core.queryFilter(m.d.contracts.core.filters.ClaimSlashed(jobId));
    expect(slashes.map((e) => e.args.worker.toLowerCase())).to.deep.equal([stallerAddr]);
    expect(slashes[0].args.caller).to.equal(m.d.accounts[5].address);
    const records = await m.d.contracts.audit.recordIdsOfJob(jobId);
    expect(records.length).to.equal(4);
    const v = await m.checkValue();
    expect(v.held).to.equal(v.accounted);
    await staller.stop();
  });
});
