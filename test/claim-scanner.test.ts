/**
 * ClaimScanner's step budget and paging, against the real core: `checker()` visits at most CHECKER_MAX_STEPS steps
 * (a job costs one, plus the shards its window reads), and `checkerFrom` pages across job boundaries. The spam and
 * rotation cases are in test/security/G-06.checker-spam.test.ts and F-09.checker-blinding.test.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ClaimScanner } from "../typechain-types";
import { deployEnv, ENC_KEY, postJob, registerAndStake, spamJobParams, WINDOW, type Env } from "./helpers/protocol";

const HUGE = 1_000_000;
const DAY = 86_400;

/**
 * Job 1: four shards, an expired claim on shard 0. Jobs 2..31: due (their claims expired) but with the claim on the
 * last of a million shards, outside the window seed 1 reads: 1 + 64 steps each, 1,950 in all. Jobs 32..80: claims
 * that end in 30 days, so nothing to read: one step each, 49. From job 2, seed 1 has spent 1,999 steps when it comes
 * round to job 1.
 */
async function budgetSpent(): Promise<Env & { scanner: ClaimScanner }> {
  const env = await deployEnv();
  const scanner = await ethers.getContractAt("ClaimScanner", await env.core.scanner());
  await registerAndStake(env, env.worker);
  const first = await postJob(env);
  await env.core.connect(env.worker).claim(first.jobId, 0);
  const attacker = env.keeper;
  const spammer = await (await ethers.getContractFactory("ClaimSpammer", attacker)).deploy();
  await spammer.register(env.core, ENC_KEY);
  const due = await spamJobParams(env, attacker, HUGE, WINDOW);
  const later = await spamJobParams(env, attacker, HUGE, 30 * DAY);
  for (const [params, jobs] of [[due, 30], [later, 49]] as const) {
    for (let left = jobs; left > 0; left -= 10) {
      const n = Math.min(10, left);
      await spammer.spam(env.core, params, n, HUGE - 1, { value: n * HUGE });
    }
  }
  await time.increase(WINDOW + 1);
  return { ...env, scanner };
}

describe("ClaimScanner", function () {
  it("checker() with no jobs has nothing to do", async function () {
    const env = await loadFixture(deployEnv);
    expect(await env.core.jobCount()).to.equal(0n);
    expect(await env.core.checker()).to.deep.equal([false, "0x"]);
    const r = await env.core.checkerFrom(0, 0, 10);
    expect([r.canExec, r.nextJobId, r.nextShard]).to.deep.equal([false, 1n, 0n]);
  });

  it("checkerAt stops at CHECKER_MAX_STEPS: windows shrink to the budget left, and a job past it is not read", async function () {
    const env = await loadFixture(budgetSpent);
    expect(await env.core.jobCount()).to.equal(80n);
    expect(await env.scanner.CHECKER_MAX_STEPS()).to.equal(2_000n);
    const reclaim = env.core.interface.encodeFunctionData("reclaimExpired", [1, 0]);
    // seed 0 starts at job 1 and finds its expired claim at once
    expect(await env.scanner.checkerAt(0)).to.deep.equal([true, reclaim]);
    // seed 1 starts at job 2: 1,950 steps on jobs 2..31, the last 49 jobs get windows under 64 shards (they read
    // nothing), and job 1 comes with no budget left
    expect(await env.scanner.checkerAt(1)).to.deep.equal([false, "0x"]);
    // the paged scan has no such bound per call: it goes on from where it stopped
    expect(await env.core.checkerFrom(2, 0, 10)).to.deep.equal([false, "0x", 2n, 10n]);
    expect((await env.core.checkerFrom(2, HUGE - 10, 100)).slice(0, 2)).to.deep.equal([true, env.core.interface.encodeFunctionData("reclaimExpired", [2, HUGE - 1])]);
  });

  it("a job past its first deadline whose open claim has not expired is read whole and passed over", async function () {
    const env = await loadFixture(deployEnv);
    await registerAndStake(env, env.worker);
    await registerAndStake(env, env.worker2);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0); // sets the job's dueAt
    await time.increase(WINDOW / 2);
    await env.core.connect(env.worker2).claim(job.jobId, 1); // ends half a window later
    await time.increase(WINDOW / 2 + 1);
    await env.core.connect(env.keeper).reclaimExpired(job.jobId, 0);
    expect(BigInt(await time.latest())).to.be.greaterThan((await env.core.getJob(job.jobId)).dueAt);
    expect((await env.core.scanJob(job.jobId, 0, 64)).slice(0, 3)).to.deep.equal([false, 0n, 4n]);
    expect(await env.core.checker()).to.deep.equal([false, "0x"]);
  });

  it("checkerFrom pages past the end of a job into the next one", async function () {
    const env = await loadFixture(budgetSpent);
    // job 1's shards 1..3 hold nothing expired (3 steps): the page goes on at job 2, shard 0, for the other 97
    expect(await env.core.checkerFrom(1, 1, 100)).to.deep.equal([false, "0x", 2n, 97n]);
  });
});
