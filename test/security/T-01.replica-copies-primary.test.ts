/**
 * T-01 (high, any drawn replica): the primary's hash used to be public (getSlot, UpdateSubmitted) and its update at its
 * CID, so a replica resubmitted it without training and both were paid. Now every seat commits blind; the primary
 * cannot reveal before both verifiers committed, its slot shows only a salted commitment bound to its address, and its
 * content is not published. A replica that copies the commitment cannot open it and is slashed for not revealing.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, runDraw, commitAs, revealAs, blind, REWARD } from "../training/fixture";
import { outsourcedJob, holder, wealth, RELEASE, H } from "./training-seats";

describe("T-01: a drawn replica cannot copy the primary's answer", function () {
  it("T-01: nothing to copy before every verifier commits, and a copied commitment cannot be opened (honest replica paid beside it)", async function () {
    const env = await loadFixture(deployTraining);
    const t = env.training;
    for (const copy of [true, false]) {
      const { job, primaries } = await outsourcedJob(env, { shards: 1, bps: 10_000, pool: 2, first: copy ? 0 : 5 });
      const [primary] = primaries;
      const c = await commitAs(t, primary, job, 0, H);
      // what a replica can see: a commitment, not the hash; no UpdateSubmitted event, no CID
      expect((await t.getSlot(job, 0, 0)).updateHash).to.equal(c.commitment).and.not.equal(H);
      expect((await t.queryFilter(t.filters.UpdateSubmitted(job))).length).to.equal(0);
      await runDraw(t, job, 0, 0);
      const [replica, referee] = [await holder(env, job, 1), await holder(env, job, 2)];
      await expect(t.connect(primary).revealUpdate(job, 0, H, c.salt, "bafkreih")).to.be.revertedWithCustomError(t, "RevealTooEarly");
      // no seat without a drawn slot, and no answer before its key
      await expect(t.connect(env.workers[9]).commitUpdate(job, 0, c.commitment)).to.be.revertedWithCustomError(t, "NotParticipant");
      await expect(t.connect(replica).commitUpdate(job, 0, c.commitment)).to.be.revertedWithCustomError(t, "KeyNotReleased");
      await t.connect(env.requester).releaseDataKey(job, 0, 1, RELEASE);
      await t.connect(env.requester).releaseDataKey(job, 0, 2, RELEASE);
      const before = await wealth(env, replica.address);
      if (copy) {
        await t.connect(replica).commitUpdate(job, 0, c.commitment); // the only thing it could copy
      } else {
        await commitAs(t, replica, job, 0, H); // trained: the same deterministic update
      }
      await commitAs(t, referee, job, 0, H);
      await revealAs(t, primary, job, 0, H);
      if (copy) {
        // even with the primary's hash and salt in hand (after the primary's reveal), the commitment is bound to the primary's address
        await expect(t.connect(replica).revealUpdate(job, 0, H, c.salt, "bafkreih")).to.be.revertedWithCustomError(t, "CommitmentMismatch");
        await expect(t.connect(replica).revealUpdate(job, 0, H, blind(await t.getAddress(), job, 0, replica.address, H).salt, "bafkreih")).to.be.revertedWithCustomError(t, "CommitmentMismatch");
      } else {
        await revealAs(t, replica, job, 0, H);
      }
      await revealAs(t, referee, job, 0, H);
      if (copy) {
        await time.increaseTo((await t.auditTimes(job, 0)).revealDeadline + 1n);
        await expect(t.connect(env.aggregator).closeRound(job, 0, 0b111n, "bafynext", H)).to.be.revertedWithCustomError(t, "MaskMismatch"); // the copier cannot be paid
        await t.connect(env.aggregator).closeRound(job, 0, await t.paidMask(job, 0), "bafynext", H);
        expect(await wealth(env, replica.address)).to.equal(before - (await t.getJob(job)).collateral); // slashed, unpaid
      } else {
        expect(await wealth(env, replica.address)).to.equal(before + REWARD); // paid at the last reveal
      }
      expect(await t.balanceOf(primary.address)).to.equal(REWARD);
      expect(await t.balanceOf(referee.address)).to.equal(REWARD);
    }
  });
});
