/**
 * T-04 (low/medium, colluding primary): a primary used to let its draw's block hash age out, and every lapse re-drew
 * the replica from a new block until a colluder came up. Now a lapsed draw is not re-drawn: the primary, whose own tool
 * runs the draw, is released unpaid and its update is not used, and the shard cannot be drawn again. Run in time, the
 * same draw staffs the audit (the honest path).
 */
import { expect } from "chai";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, runDraw, commitAs, passJoinCutoff } from "../training/fixture";
import { outsourcedJob, wealth, H } from "./training-seats";

describe("T-04: letting a block hash age out gains nothing", function () {
  it("T-04: a lapsed draw is never re-drawn and pays its primary nothing; run in time it staffs the audit", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    const { job, primaries } = await outsourcedJob(env, { shards: 2, bps: 10_000, pool: 4 });
    const [lapser, prompt] = primaries;
    await passJoinCutoff(t, job, 0);
    await t.resolveDraw(job, 0, 0); // seal the pool
    await commitAs(t, lapser, job, 0, H);
    await commitAs(t, prompt, job, 0, H);
    const { rc } = await runDraw(t, job, 0, 1);
    expect(rc.logs.map((l) => t.interface.parseLog(l)?.name).filter((n) => n === "VerifierAssigned").length).to.equal(2);
    const before = await wealth(env, lapser.address);
    await mine(300);
    const tx = await (await t.resolveDraw(job, 0, 0)).wait();
    const names = tx!.logs.map((l) => t.interface.parseLog(l)?.name);
    expect(names).to.include("DrawLapsed");
    expect(names).to.not.include("VerifierAssigned");
    await expect(t.resolveDraw(job, 0, 0)).to.be.revertedWithCustomError(t, "NothingToDraw");
    expect(await wealth(env, lapser.address)).to.equal(before);
    expect(await t.balanceOf(lapser.address)).to.equal(0n);
  });
});
