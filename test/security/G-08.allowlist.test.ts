import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseAddressList } from "../../lib/chain/args";
import { postJob as postJobLib } from "../../lib/chain/protocol";
import { openEnvelope } from "../../lib/crypto";
import { prepareShards } from "../../lib/requester/prepare";
import { deployEnv, jobParams, keylessRelease, postJob, proveShard, registerAndStake, submit, type Env } from "../helpers/protocol";

async function withWorkers(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  await registerAndStake(env, env.others[0]); // the stranger
  return env;
}

describe("security G-08: a requester can choose who may claim, and so read, its shards", function () {
  it("G-08 on an open job a stranger claims, reads the release and leaves unslashed; on an allowlisted job it cannot claim at all", async function () {
    const env = await loadFixture(withWorkers);
    const stranger = env.others[0];
    // the reported path, still open on a job without an allowlist: claim, get the key, leave inside inspection
    const open = await postJob(env, { salt: 1 });
    await env.core.connect(stranger).claim(open.jobId, 0);
    await expect(env.core.connect(env.requester).releaseShardKey(open.jobId, 0, await keylessRelease(env.core, open.jobId, 0)))
      .to.emit(env.core, "ShardKeyReleased");
    await expect(env.core.connect(stranger).leaveClaim(open.jobId, 0)).to.emit(env.core, "ClaimLeft").withArgs(open.jobId, 0, stranger.address, true);
    expect((await env.core.getWorker(stranger.address)).stake).to.equal(ethers.parseEther("1"));

    // the narrowing: the same job posted with an allowlist
    const { params } = await jobParams(env, { salt: 2 });
    const escrow = await env.core.jobEscrowFor(params);
    const tx = env.core.connect(env.requester).postJobWithAllowlist(params, [env.worker.address], { value: escrow });
    await expect(tx).to.emit(env.core, "WorkersAllowed");
    const jobId = await env.core.jobCount();
    expect((await env.core.getJob(jobId)).allowlisted).to.equal(true);
    await expect(env.core.connect(stranger).claim(jobId, 0)).to.be.revertedWithCustomError(env.core, "NotAllowlisted").withArgs(jobId, stranger.address);
    await expect(env.core.connect(stranger).claimWithKey(jobId, 0, 0n, 0n)).to.be.revertedWithCustomError(env.core, "InvalidCurvePoint");
    expect((await env.core.getJob(open.jobId)).allowlisted).to.equal(false);
    await expect(env.core.connect(env.requester).postJobWithAllowlist(params, [], { value: escrow })).to.be.revertedWithCustomError(env.core, "NoAllowlist");
  });

  it("G-08 honest path: the listed workers claim and settle; the list is fixed with the job", async function () {
    const env = await loadFixture(withWorkers);
    const { params, tree, inputs, fixture } = await jobParams(env, { salt: 3 });
    // posted through the library, as job:post --workers does
    const posted = await postJobLib(env.core.connect(env.requester), params, parseAddressList("workers", `${env.worker.address}, ${env.worker2.address}`));
    const job = { jobId: posted.jobId, tree, inputs, fixture, params };
    await expect(env.core.queryFilter(env.core.filters.WorkersAllowed(job.jobId))).to.eventually.have.length(1);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await expect(submit(env, job, 0, env.worker, await proveShard(env, job, 0, env.worker.address))).to.emit(env.core, "ShardSettled");

    await env.core.connect(env.worker2).claim(job.jobId, 1);
    await expect(submit(env, job, 1, env.worker2, await proveShard(env, job, 1, env.worker2.address))).to.emit(env.core, "ShardSettled");
    await expect(env.core.connect(env.others[0]).claim(job.jobId, 2)).to.be.revertedWithCustomError(env.core, "NotAllowlisted");
    expect(() => parseAddressList("workers", "0x12")).to.throw(/^bad --workers: "0x12" is not an address$/);
    expect(() => parseAddressList("workers", `${env.worker.address},${env.worker.address}`)).to.throw(/listed twice/);
  });

  it("G-08 the storage provider holds sealed packages only: no input byte in the clear, and they open with the shard's own key only", async function () {
    const held = new Map<string, Uint8Array>();
    const provider = { put: async (b: Uint8Array) => (held.set(`cid${held.size}`, b), `cid${held.size - 1}`) };
    const inputs = [[[17, 42, 99, 250], [3, 141, 59, 26]], [[5, 35, 89, 79], [32, 38, 46, 26]]];
    const { shards } = await prepareShards(provider, inputs, true);
    const keyOf = (i: number) => Buffer.from(shards[i].dataKey!.slice(2), "hex");
    for (const [i, s] of shards.entries()) {
      const bytes = held.get(s.packageCid)!;
      const text = Buffer.from(bytes).toString("latin1");
      expect(text).not.to.contain(JSON.stringify(inputs[i][0]));
      expect(text).not.to.contain('"inputs"');
      expect(() => openEnvelope(bytes)).to.throw(); // no key: nothing
      expect(() => openEnvelope(bytes, keyOf(1 - i))).to.throw(); // another shard's key: nothing
      expect(JSON.parse(Buffer.from(openEnvelope(bytes, keyOf(i))).toString()).inputs).to.deep.equal(inputs[i]);
    }
  });
});
