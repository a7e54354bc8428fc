import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployEnv, keylessRelease, postJob, proveShard, registerAndStake, submit, WINDOW, type Env } from "../helpers/protocol";

async function withWorkers(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  return env;
}

const holdings = async (env: Env, a: string) => (await env.core.balanceOf(a)) + (await env.core.getWorker(a)).stake;

describe("security F-02: a release lands only on the claim it names", function () {
  it("F-02 a release sent during A's claim, mined behind a reclaim and B's claim in the same block, reverts; B is not harmed", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    const A = env.worker;
    const B = env.worker2;
    await env.core.connect(A).claim(job.jobId, 0);
    const forA = await keylessRelease(env.core, job.jobId, 0, "0xa0"); // names A, claim nonce 1
    const before = [await holdings(env, A.address), await holdings(env, B.address)];
    await time.increase(WINDOW + 1);
    // One block: the keeper's reclaim, B's claim, then the requester's release for A.
    await network.provider.send("evm_setAutomine", [false]);
    const reclaim = await env.core.connect(env.keeper).reclaimExpired(job.jobId, 0);
    const claimB = await env.core.connect(B).claim(job.jobId, 0);
    const stale = await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, forA, { gasLimit: 500_000 });
    await mine();
    await network.provider.send("evm_setAutomine", [true]);
    expect((await reclaim.wait())!.status).to.equal(1);
    expect((await claimB.wait())!.status).to.equal(1);
    const staleStatus = await stale.wait().then(
      () => 1,
      (err: { receipt?: { status: number; blockNumber: number } }) => err.receipt?.status,
    );
    expect(staleStatus).to.equal(0); // mined in the same block, reverted
    await expect(env.core.connect(env.requester).releaseShardKey(job.jobId, 0, forA))
      .to.be.revertedWithCustomError(env.core, "NotCurrentClaim")
      .withArgs(A.address, 1n);
    const s = await env.core.getShard(job.jobId, 0);
    expect([s.worker, s.claimNonce, s.keyReleased]).to.deep.equal([B.address, 2n, false]);
    // The right claimant with a stale nonce is refused too.
    await expect(env.core.connect(env.requester).releaseShardKey(job.jobId, 0, { ...forA, claimant: B.address }))
      .to.be.revertedWithCustomError(env.core, "NotCurrentClaim")
      .withArgs(B.address, 1n);

    // Honest path: B gets its own release and settles with a real proof; A was voided, not slashed.
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0xb0"));
    const p = await proveShard(env, job, 0, B.address);
    await expect(submit(env, job, 0, B, p)).to.emit(env.core, "ShardSettled");
    expect(await holdings(env, A.address)).to.equal(before[0]);
    expect(await holdings(env, B.address)).to.be.greaterThan(before[1]);
    const [ev] = await env.core.queryFilter(env.core.filters.ShardKeyReleased(job.jobId, 0));
    expect([ev.args.worker, ev.args.claimNonce]).to.deep.equal([B.address, 2n]);
    expect(ethers.dataLength(ev.args.payload)).to.equal(1);
  });
});
