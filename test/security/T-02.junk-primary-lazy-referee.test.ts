/**
 * T-02 (high, junk primary + lazy or colluding referee): an honest replica that disagreed with a junk primary used to
 * be slashed once a referee copied the primary's public hash. Now the referee is drawn with the replica and commits
 * blind before anything is revealed: a lazy referee cannot match the junk, and nobody is slashed unless both verifiers
 * agree against the primary. Even a referee told the junk hash off-chain only gets the junk paid (the colluder needs a
 * verifier seat, about 2k/n of audits); the honest replica goes unpaid, never slashed. Two honest verifiers slash the
 * junk primary (the honest path).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, commitAs, revealAs, REWARD, COLLATERAL } from "../training/fixture";
import { auditedShard, wealth, RELEASE, H, JUNK } from "./training-seats";

describe("T-02: a junk primary and a lazy referee cannot slash an honest replica", function () {
  for (const referee of ["lazy", "colluding", "honest"] as const) {
    it(`T-02: junk primary, honest replica, ${referee} referee`, async function () {
      const env = await loadFixture(deployTraining);
      const t = env.training;
      const { job, primary, rep, ref } = await auditedShard(env, JUNK);
      for (const s of [1, 2]) await t.connect(env.requester).releaseDataKey(job, 0, s, RELEASE);
      const w0 = { p: await wealth(env, primary.address), rep: await wealth(env, rep.address), ref: await wealth(env, ref.address) };
      const refHash = referee === "lazy" ? ethers.id("a guess") : referee === "colluding" ? JUNK : H;
      await commitAs(t, rep, job, 0, H);
      await commitAs(t, ref, job, 0, refHash);
      await revealAs(t, primary, job, 0, JUNK);
      await revealAs(t, rep, job, 0, H);
      await revealAs(t, ref, job, 0, refHash);
      const d = { p: (await wealth(env, primary.address)) - w0.p, rep: (await wealth(env, rep.address)) - w0.rep, ref: (await wealth(env, ref.address)) - w0.ref };
      expect(d.rep >= 0n, "the honest replica is never slashed").to.equal(true);
      if (referee === "lazy") expect(d).to.deep.equal({ p: 0n, rep: 0n, ref: 0n }); // no agreement: nobody paid, nobody slashed
      if (referee === "colluding") expect(d).to.deep.equal({ p: REWARD, rep: 0n, ref: REWARD });
      if (referee === "honest") {
        // the junk primary is slashed; the referee's reveal decided the shard, so it also takes the slash's keeper share
        expect({ p: d.p, rep: d.rep }).to.deep.equal({ p: -COLLATERAL, rep: REWARD });
        expect(d.ref > REWARD).to.equal(true);
      }
      expect(await ethers.provider.getBalance(await t.getAddress())).to.equal(await t.totalLiabilities());
    });
  }
});
