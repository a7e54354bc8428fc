/**
 * F-05: the replication draw read prevrandao inside the primary's own transaction, so a contract primary could submit,
 * look, and revert when drawn. Now the primary's blind commitment only fixes the draw block (the next one, or the
 * pool's seal block if later); the draw runs in a later transaction from that block's hash (and a lapsed one pays the
 * primary nothing: T-04). Against the real OblivionCore.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, runDraw, commitAs, revealAs, blind, REWARD } from "../training/fixture";
import { DrawDodger__factory } from "../../typechain-types";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const RELEASE = "0x1234";

async function postOutsourced(env: Env, bps: number) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 1, replicationBps: bps, dataRoot: ethers.id("root") });
  await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
  return env.training.jobCount();
}

describe("F-05 dodging the replication draw", function () {
  it("F-05 a contract primary that reverts unless unaudited can never commit: nothing is decided in its transaction", async function () {
    const env = await loadFixture(deployTraining);
    const jobId = await postOutsourced(env, 9_000);
    const dodger = await new DrawDodger__factory(env.deployer).deploy(await env.training.getAddress(), await env.core.getAddress());
    const me = await dodger.getAddress();
    await dodger.register("0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", { value: ethers.parseEther("2") });
    await dodger.join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    // every try fails the same way: the shard is only `Committed` (draw pending) when the transaction ends
    for (let i = 0; i < 5; i++) {
      await expect(dodger.commitUnlessDrawn(jobId, 0, blind(await env.training.getAddress(), jobId, 0, me, ethers.id(`junk ${i}`)).commitment))
        .to.be.revertedWithCustomError(dodger, "NotAcceptedYet")
        .withArgs(2);
    }
    expect((await env.training.getSlot(jobId, 0, 0)).state).to.equal(1n); // still Joined: no junk was ever accepted
    expect(await env.training.balanceOf(me)).to.equal(0n);
  });

  it("F-05 honest path: an unaudited primary reveals after whoever runs the draw, and is paid", async function () {
    const env = await loadFixture(deployTraining);
    const jobId = await postOutsourced(env, 1);
    const [primary, s1, s2] = env.workers;
    await env.training.connect(primary).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    for (const w of [s1, s2]) await env.training.connect(w).enlist(jobId, 0);
    await commitAs(env.training, primary, jobId, 0, ethers.id("u"));
    const { rc } = await runDraw(env.training, jobId, 0, 0, env.keeper);
    const drawn = rc.logs.map((l) => env.training.interface.parseLog(l)).find((e) => e?.name === "ReplicationDrawn")!;
    if (drawn.args.replicated) this.skip(); // the 1-in-10,000 case; T-01/T-02 cover the audited path
    await revealAs(env.training, primary, jobId, 0, ethers.id("u"));
    expect((await env.training.getSlot(jobId, 0, 0)).state).to.equal(4n); // Accepted
    expect(await env.training.balanceOf(primary.address)).to.equal(REWARD);
    expect(await env.core.lockedByManager(primary.address)).to.equal(0n);
  });
});
