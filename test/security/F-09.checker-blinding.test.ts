import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployEnv, jobParams, keylessRelease, postJob, registerAndStake, WINDOW, type Env } from "../helpers/protocol";
import { findExpiredClaims } from "../../lib/chain/protocol";

const DAY = 86_400;

/** The reported blinding job: 2,001 shards at 1 wei, zero collateral, one 30-day claim on its last shard. */
async function blinded(): Promise<Env & { attackJob: bigint; victimJob: bigint }> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.keeper, 0n);
  const { params } = await jobParams(env, {
    shards: 1,
    over: { shardCount: 2001, pricePerShard: 1n, collateral: 0n, claimWindow: 30 * DAY, inputRoot: ethers.keccak256("0x01") },
  });
  const attacker = env.core.connect(env.keeper);
  await attacker.postJob(params, { value: await env.core.jobEscrowFor(params) });
  const attackJob = await env.core.jobCount();
  await attacker.claim(attackJob, 2000);
  const victim = await postJob(env);
  await env.core.connect(env.worker).claim(victim.jobId, 0);
  await env.core.connect(env.requester).releaseShardKey(victim.jobId, 0, await keylessRelease(env.core, victim.jobId, 0));
  await time.increase(WINDOW + 1);
  return { ...env, attackJob, victimJob: victim.jobId };
}

describe("security F-09: checker() cannot be blinded by one huge job", function () {
  it("F-09 behind a 2,001-shard job with a 30-day claim, checker() still returns the expired claim, block after block", async function () {
    const env = await loadFixture(blinded);
    const want = env.core.interface.encodeFunctionData("reclaimExpired", [env.victimJob, 0]);
    for (let b = 0; b < 4; b++) {
      const [canExec, payload] = await env.core.checker();
      expect(canExec).to.equal(true);
      expect(payload).to.equal(want);
      await mine();
    }
    // A keeper acting on it slashes the stalled claim; the attacker's live claim is untouched.
    await expect(env.core.connect(env.worker2).reclaimExpired(env.victimJob, 0)).to.emit(env.core, "ClaimSlashed");
    const [canExec] = await env.core.checker();
    expect(canExec).to.equal(false);
    expect((await env.core.getShard(env.attackJob, 2000)).status).to.equal(1n);
  });

  it("F-09 an expired claim deep inside a huge job is found within ceil(shards / 64) + 1 blocks", async function () {
    const env = await loadFixture(blinded);
    await env.core.connect(env.worker2).reclaimExpired(env.victimJob, 0);
    await registerAndStake(env, env.others[0], 0n);
    await env.core.connect(env.others[0]).claim(env.attackJob, 1500);
    await time.increase(30 * DAY + 1); // both attack-job claims expire
    let found = -1;
    for (let b = 0; b <= Math.ceil(2001 / 64) + 1; b++) {
      const [canExec, payload] = await env.core.checker();
      if (canExec) {
        found = b;
        const [, shard] = env.core.interface.decodeFunctionData("reclaimExpired", payload);
        expect([1500n, 2000n]).to.include(shard);
        break;
      }
      await mine();
    }
    expect(found).to.be.at.least(0);
  });

  it("F-09 honest path: paging with checkerFrom still lists every expired claim", async function () {
    const env = await loadFixture(blinded);
    expect(await findExpiredClaims(env.core, 100)).to.deep.equal([{ jobId: env.victimJob, shardIndex: 0 }]);
  });
});
