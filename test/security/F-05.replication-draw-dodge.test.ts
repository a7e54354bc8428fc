/**
 * F-05: the replication draw read prevrandao inside the primary's own transaction, so a contract primary could submit,
 * look, and revert when drawn. Now the submission only fixes the draw block (the next one, or the pool's seal block if
 * later); the draw runs in a later transaction from that block's hash, and a hash that aged out (256 blocks) counts as
 * replicated. Against the real OblivionCore.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, passJoinCutoff, runDraw, assigned, REWARD, COLLATERAL } from "../training/fixture";
import { DrawDodger__factory } from "../../typechain-types";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const RELEASE = "0x1234";

async function postOutsourced(env: Env, bps: number, shards = 1) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: shards, replicationBps: bps, dataRoot: ethers.id("root") });
  await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
  return env.training.jobCount();
}

describe("F-05 dodging the replication draw", function () {
  it("F-05 a contract primary that reverts unless undrawn can never submit: nothing is decided in its transaction", async function () {
    const env = await loadFixture(deployTraining);
    const jobId = await postOutsourced(env, 9_000);
    const dodger = await new DrawDodger__factory(env.deployer).deploy(await env.training.getAddress(), await env.core.getAddress());
    await dodger.register("0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", { value: ethers.parseEther("2") });
    await dodger.join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    // every try fails the same way: the shard is only `Submitted` (draw pending) when the transaction ends
    for (let i = 0; i < 5; i++) {
      await expect(dodger.submitUnlessDrawn(jobId, 0, ethers.id(`junk ${i}`), "bafyJ"))
        .to.be.revertedWithCustomError(dodger, "NotAcceptedYet")
        .withArgs(2);
    }
    expect((await env.training.getSlot(jobId, 0, 0)).state).to.equal(1n); // still Joined: no junk was ever accepted
    expect(await env.training.balanceOf(await dodger.getAddress())).to.equal(0n);
  });

  it("F-05 the draw's block is fixed by the submission and drawn later; an aged-out hash counts as replicated", async function () {
    const env = await loadFixture(deployTraining);
    const jobId = await postOutsourced(env, 1); // 0.01 %: would almost surely pass undrawn
    const [primary, ...pool] = env.workers.slice(0, 6);
    await env.training.connect(primary).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    for (const w of pool) await env.training.connect(w).enlist(jobId, 0);
    await env.training.connect(primary).submitUpdate(jobId, 0, ethers.id("junk"), "bafyJ");
    await passJoinCutoff(env.training, jobId, 0);
    await env.training.resolveDraw(jobId, 0, 0); // seals the pool
    const sealBlock = (await env.training.getRound(jobId, 0)).sealBlock;
    await expect(env.training.connect(primary).resolveDraw(jobId, 0, 0)).to.be.revertedWithCustomError(env.training, "DrawNotReady").withArgs(sealBlock);
    // the primary waits for its draw block to age out, hoping for a fresh roll: it gets the audit instead
    await mine(300);
    const tx = env.training.connect(primary).resolveDraw(jobId, 0, 0);
    const at = BigInt((await (await tx).wait())!.blockNumber);
    await expect(tx).to.emit(env.training, "ReplicationDrawn").withArgs(jobId, 0, 0, true);
    await expect(tx).to.emit(env.training, "DrawReanchored").withArgs(jobId, 0, 0, at + 1n);
    const { rc } = await runDraw(env.training, jobId, 0, 0);
    const [rep] = assigned(env.training, rc);
    expect(rep.slot).to.equal(1);
    // the honest replica disagrees, an honest referee confirms: the junk primary is slashed
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 1, RELEASE);
    await env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, ethers.id("honest"), "bafyR");
    const [ref] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 2, RELEASE);
    await expect(env.training.connect(env.signer(ref.worker)).submitUpdate(jobId, 0, ethers.id("honest"), "bafyX"))
      .to.emit(env.training, "DisputeResolved")
      .withArgs(jobId, 0, 0, ethers.id("honest"), primary.address);
    expect((await env.core.getWorker(primary.address)).stake).to.equal(ethers.parseEther("2") - COLLATERAL);
    for (const w of [rep.worker, ref.worker]) expect(await env.training.balanceOf(w)).to.equal(REWARD);
  });

  it("F-05 honest path: an undrawn primary is accepted and paid by whoever runs the draw", async function () {
    const env = await loadFixture(deployTraining);
    const jobId = await postOutsourced(env, 1);
    const [primary, s1, s2] = env.workers;
    await env.training.connect(primary).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    for (const w of [s1, s2]) await env.training.connect(w).enlist(jobId, 0);
    await env.training.connect(primary).submitUpdate(jobId, 0, ethers.id("u"), "bafyU");
    const { rc } = await runDraw(env.training, jobId, 0, 0, env.keeper);
    const drawn = rc.logs.map((l) => env.training.interface.parseLog(l)).find((e) => e?.name === "ReplicationDrawn")!;
    if (drawn.args.replicated) this.skip(); // the 1-in-10,000 case; the other tests cover the replicated path
    expect((await env.training.getSlot(jobId, 0, 0)).state).to.equal(4n);
    expect(await env.training.balanceOf(primary.address)).to.equal(REWARD);
    expect(await env.core.lockedByManager(primary.address)).to.equal(0n);
  });
});
