/**
 * T-03 (medium, cheating primary, thin pool): with 2 shards, 100 % replication and 3 standby entries, a cheater used to
 * wait for shard 0's draw to take the pool, then submit junk knowing its own audit could not be staffed, and be paid
 * unverified. Now an audit nobody can staff pays nothing (the primary's collateral is released, no reward, its update
 * is not used): choosing the unverified shard gains nothing. With a deep enough pool the same shard is audited.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, runDraw, commitAs } from "../training/fixture";
import { outsourcedJob, wealth, H, JUNK } from "./training-seats";

describe("T-03: an unstaffable audit does not let a chosen shard go unverified", function () {
  for (const pool of [3, 4]) {
    it(`T-03: 2 shards, 100% audited, ${pool} standby entries: the cheater's shard is ${pool === 3 ? "unpaid" : "audited"}`, async function () {
      const env = await loadFixture(deployTraining);
      const t = env.training;
      const { job, primaries } = await outsourcedJob(env, { shards: 2, bps: 10_000, pool });
      const [honest, cheater] = primaries;
      await commitAs(t, honest, job, 0, H);
      await runDraw(t, job, 0, 0); // shard 0's draw takes two entries
      const before = await wealth(env, cheater.address);
      await commitAs(t, cheater, job, 0, JUNK); // knowing the pool is thin
      const { rc } = await runDraw(t, job, 0, 1);
      const names = rc.logs.map((l) => t.interface.parseLog(l)?.name);
      if (pool === 3) {
        expect(names).to.include("AuditUnstaffed");
        expect(Number((await t.getSlot(job, 0, 2)).state)).to.equal(5); // Rejected: released unpaid
        expect(await wealth(env, cheater.address)).to.equal(before);
        expect(await t.balanceOf(cheater.address)).to.equal(0n);
        expect(((await t.paidMask(job, 0)) >> 2n) & 1n).to.equal(0n);
      } else {
        expect(names.filter((n) => n === "VerifierAssigned").length).to.equal(2);
      }
    });
  }
});
