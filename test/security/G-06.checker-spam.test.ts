import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { findExpiredClaims } from "../../lib/chain/protocol";
import { deployEnv, ENC_KEY, keylessRelease, postJob, registerAndStake, spamJobParams, WINDOW, type Env } from "../helpers/protocol";

const DAY = 86_400;
/** Instrumented contracts (npm run coverage) cost several times the gas: absolute gas bounds hold for the real build. */
const UNDER_COVERAGE = process.env.SOLIDITY_COVERAGE === "true";
const SPAM_JOBS = 100;
const MAX_SHARDS = 1_000_000;

/**
 * G-06's numbers: 100 spam jobs on the attacker's own zero-fee model, each of the most shards a job may have
 * (MAX_SHARDS) at 1 wei, each with one open 30-day zero-collateral claim on its last shard; then an honest claim,
 * released and stalled, expires behind them.
 */
async function spammed(): Promise<Env & { victimJob: bigint; postGas: bigint; claimGas: bigint }> {
  const env = await deployEnv();
  const attacker = env.keeper;
  await registerAndStake(env, env.worker);
  const params = await spamJobParams(env, attacker, MAX_SHARDS, 30 * DAY);
  // one job and its claim from the attacker account, to measure; the other 99 through its contract, 11 per transaction
  const spammer = await (await ethers.getContractFactory("ClaimSpammer", attacker)).deploy();
  await spammer.register(env.core, ENC_KEY);
  const core = env.core.connect(attacker);
  await registerAndStake(env, attacker, 0n);
  const postGas = (await (await core.postJob(params, { value: MAX_SHARDS })).wait())!.gasUsed;
  const claimGas = (await (await core.claim(1, MAX_SHARDS - 1)).wait())!.gasUsed;
  for (let i = 1; i < SPAM_JOBS; i += 11) await spammer.spam(env.core, params, 11, MAX_SHARDS - 1, { value: 11 * MAX_SHARDS });
  const victim = await postJob(env);
  await env.core.connect(env.worker).claim(victim.jobId, 0);
  await env.core.connect(env.requester).releaseShardKey(victim.jobId, 0, await keylessRelease(env.core, victim.jobId, 0));
  await time.increase(WINDOW + 1);
  return { ...env, victimJob: victim.jobId, postGas, claimGas };
}

describe("security G-06: spam jobs with long open claims cannot hide an expired claim from checker()", function () {
  this.timeout(600_000);

  it("G-06 behind 100 million-shard spam jobs with 30-day claims, checker() returns the expired claim in 22 blocks in a row, in under 2M gas", async function () {
    const env = await loadFixture(spammed);
    expect(await env.core.jobCount()).to.equal(BigInt(SPAM_JOBS + 1));
    // what the spam cost the attacker per job (postJob + claim), all of it refundable but the gas
    if (!UNDER_COVERAGE) expect(env.postGas + env.claimGas).to.be.below(330_000n);
    const want = env.core.interface.encodeFunctionData("reclaimExpired", [env.victimJob, 0]);
    // 22 blocks in a row: the reported miss lasted 21
    for (let b = 0; b < 22; b++) {
      const [canExec, payload] = await env.core.checker();
      expect(canExec, `block ${b}`).to.equal(true);
      expect(payload).to.equal(want);
      if (b % 7 === 0 && !UNDER_COVERAGE) expect(await env.core.checker.estimateGas(), `block ${b}`).to.be.below(2_000_000n); // about 15k per job visited: 1.5M when it visits all 100
      await mine();
    }
    await expect(env.core.connect(env.worker2).reclaimExpired(env.victimJob, 0)).to.emit(env.core, "ClaimSlashed");
    const [canExec] = await env.core.checker();
    expect(canExec).to.equal(false);
  });

  it("G-06 a spam job is skipped without shard reads until its first claim can expire, then scanned as before", async function () {
    const env = await loadFixture(spammed);
    const last = MAX_SHARDS - 1;
    const due = (await env.core.getJob(1)).dueAt;
    expect(due).to.equal((await env.core.getShard(1, last)).deadline);
    expect((await env.core.scanJob(1, last, 1)).visited).to.equal(0n);
    await time.increaseTo(due + 1n);
    const r = await env.core.scanJob(1, last, 1);
    expect([r[0], r[1], r[2]]).to.deep.equal([true, BigInt(last), 1n]);
  });

  it("G-06 honest path: checkerFrom paging lists exactly the expired claim, and a claim after the job's claims all ended resets the bound", async function () {
    const env = await loadFixture(spammed);
    expect(await findExpiredClaims(env.core, 500)).to.deep.equal([{ jobId: env.victimJob, shardIndex: 0 }]);
    await env.core.connect(env.worker2).reclaimExpired(env.victimJob, 0);
    await env.core.connect(env.worker).claim(env.victimJob, 1);
    const job = await env.core.getJob(env.victimJob);
    expect(job.dueAt).to.equal((await env.core.getShard(env.victimJob, 1)).deadline);
    expect(await findExpiredClaims(env.core, 500)).to.deep.equal([]);
  });
});

describe("security G-06: the checker's per-job window", function () {
  it("G-06 honest path: a window that starts near a job's end wraps to its start and finds the expired claim there", async function () {
    const env = await loadFixture(deployEnv);
    await registerAndStake(env, env.worker);
    const job = await postJob(env, { shards: 100, salt: 6 });
    await env.core.connect(env.worker).claim(job.jobId, 5);
    await time.increase(WINDOW + 1);
    const scanner = await ethers.getContractAt("ClaimScanner", await env.core.scanner());
    // seed 1: the window starts at 64 mod 100 = 64, covers 64..99, then wraps to 0..27
    const [canExec, payload] = await scanner.checkerAt(1);
    expect(canExec).to.equal(true);
    expect(payload).to.equal(env.core.interface.encodeFunctionData("reclaimExpired", [job.jobId, 5]));
  });
});
