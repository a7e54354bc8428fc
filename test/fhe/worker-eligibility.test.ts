import { expect } from "chai";
import { fhevm } from "hardhat";
import { EligibilityRelayDuty } from "../../keepers/eligibility";
import { deployLocalFhe, wireCore } from "../../lib/fhe/deploy";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import { sleep } from "../../lib/util/retry";
import type { PrivacyGateway } from "../../typechain-types";
import { capture, testWorker } from "../helpers/worker";
import { deployEnv, postJob, registerAndStake, type Env } from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";
import { fheMockReady } from "../helpers/fhe-mock";

describe("fhe: worker asks for eligibility on gated jobs, keeper relays the decryption", function () {
  let env: Env;
  let gateway: PrivacyGateway;

  const workerFor = (signer: Env["worker"]) => testWorker(env, signer, gateway);

  before(async function () {
    await fheMockReady();
    env = await deployEnv();
    const core = await env.core.getAddress();
    let reputation;
    ({ reputation, gateway } = await deployLocalFhe(env.owner, core));
    expect(await wireCore(env.owner, core, await gateway.getAddress(), await reputation.getAddress())).to.equal(true);
    await registerAndStake(env, env.worker);
    await registerAndStake(env, env.worker2);
  });
  after(releaseCurve);

  it("requests once, claims after the keeper relays a yes; a no is logged as a refusal and not asked again", async function () {
    const { log: keeperLog, records: keeperRecords } = capture();
    const duty = new EligibilityRelayDuty(fhevm, gateway, env.keeper, keeperLog);

    // Job 1: minimum 0, which a never-seen worker (score 0) reaches.
    const open = await postJob(env, { shards: 1, over: { gated: true } });
    await setEncryptedMinScore(fhevm, gateway, env.requester, open.jobId, 0);
    const a = workerFor(env.worker);
    await a.worker.tick();
    expect(a.worker.stats.claimed).to.equal(0);
    expect(await gateway.isPending(open.jobId, env.worker.address)).to.equal(true);
    expect(await duty.run()).to.equal(1);
    expect(await gateway.isEligible(open.jobId, env.worker.address)).to.equal(true);
    await a.worker.tick();
    expect(a.worker.stats.claimed).to.equal(1);
    expect((await env.core.getShard(open.jobId, 0)).worker).to.equal(env.worker.address);
    for (let i = 0; i < 50 && a.worker.stats.left === 0; i++) await sleep(100);
    expect(a.worker.stats.left).to.equal(1); // no release in time: it leaves the claim without a slash (F-01)
    await env.core.connect(env.requester).cancelJob(open.jobId); // the left shard reopened: keep it from worker b

    // Job 2: minimum 10 (one score step), above a score of 0.
    const closed = await postJob(env, { shards: 1, salt: 1, over: { gated: true } });
    await setEncryptedMinScore(fhevm, gateway, env.requester, closed.jobId, 10);
    const b = workerFor(env.worker2);
    await b.worker.tick();
    expect(await duty.run()).to.equal(1);
    expect(await gateway.isEligible(closed.jobId, env.worker2.address)).to.equal(false);
    await b.worker.tick();
    await b.worker.tick();
    expect(b.worker.stats.claimed).to.equal(0);
    expect((await env.core.getShard(closed.jobId, 0)).status).to.equal(0n);
    const requests = await gateway.queryFilter(gateway.filters.EligibilityRequested(closed.jobId, env.worker2.address));
    expect(requests.length).to.equal(1);
    expect(b.records.filter((r) => r.msg === "claim refused: not eligible for gated job").map((r) => r.job)).to.deep.equal([
      closed.jobId.toString(),
    ]);
    expect(keeperRecords.map((r) => [r.msg, r.job, r.eligible])).to.deep.equal([
      ["relayed eligibility decryption", open.jobId.toString(), true],
      ["relayed eligibility decryption", closed.jobId.toString(), false],
    ]);
    expect(await duty.run()).to.equal(0);
  });
});
