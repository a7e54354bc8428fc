import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { EligibilityRelayDuty } from "../../keepers/eligibility";
import { deployLocalFhe, wireCore } from "../../lib/fhe/deploy";
import { relayEligibilityDecryption, requestEligibility } from "../../lib/fhe/eligibility";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import type { PrivacyGateway } from "../../typechain-types";
import { loadWorkerConfig } from "../../worker/config";
import { EligibilityPolicy } from "../../worker/eligibility-policy";
import { expectReputation } from "../fhe/fixtures";
import { deployEnv, postJob, proveShard, registerAndStake, submit, type Env } from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";
import { capture, testWorker } from "../helpers/worker";
import { fheMockReady } from "../helpers/fhe-mock";

describe("security F-12: a series of eligibility answers reveals little", function () {
  let env: Env;
  let gateway: PrivacyGateway;
  let spy: HardhatEthersSigner;
  let salt = 10;

  before(async function () {
    await fheMockReady();
    env = await deployEnv();
    spy = env.others[0];
    const core = await env.core.getAddress();
    let reputation;
    ({ reputation, gateway } = await deployLocalFhe(env.owner, core));
    await wireCore(env.owner, core, await gateway.getAddress(), await reputation.getAddress());
    await registerAndStake(env, env.worker);
    // the victim worker earns a score of 20 on a stranger's job
    const job = await postJob(env, { shards: 2 });
    for (const i of [0, 1]) {
      await env.core.connect(env.worker).claim(job.jobId, i);
      await submit(env, job, i, env.worker, await proveShard(env, job, i, env.worker.address));
    }
    await expectReputation(reputation, env.worker, 2n, 0n, 20n);
  });
  after(releaseCurve);

  const spyJobs: bigint[] = [];
  /** The spy takes its jobs down after each test, so the next worker sees only that test's jobs. */
  afterEach(async function () {
    for (const id of spyJobs.splice(0)) await (await env.core.connect(spy).cancelJob(id)).wait();
  });

  /** The spy's gated job with a raw encrypted minimum (bypassing the client's multiple-of-step check). */
  async function spyJob(minScore: number): Promise<bigint> {
    const job = await postJob(env, { shards: 1, salt: salt++, requester: spy, over: { gated: true } });
    spyJobs.push(job.jobId);
    const enc = await fhevm.createEncryptedInput(await gateway.getAddress(), spy.address).add32(minScore).encrypt();
    await (await gateway.connect(spy).setMinScore(job.jobId, enc.handles[0], enc.inputProof)).wait();
    return job.jobId;
  }

  it("F-12 a spy's thresholds between two score steps all get the same answer (the gateway rounds to the step)", async function () {
    expect(await gateway.scoreStep()).to.equal(10n);
    const answers: [number, boolean][] = [];
    for (const threshold of [11, 15, 20, 21, 25, 29, 30]) {
      const jobId = await spyJob(threshold);
      await requestEligibility(gateway, env.worker, jobId);
      const r = await relayEligibilityDecryption(fhevm, gateway, env.keeper, jobId, env.worker.address);
      answers.push([threshold, r.eligible]);
    }
    // exact thresholds would have told 20 < score < 21 at 21; coarse ones only that the score is in [20, 30)
    expect(answers).to.deep.equal([
      [11, true],
      [15, true],
      [20, true],
      [21, true],
      [25, true],
      [29, true],
      [30, false],
    ]);
  });

  it("F-12 the reference worker answers at most eligibilityMaxPerRequester of one requester's gated jobs", async function () {
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await spyJob(40 + 10 * i));
    const from = await ethers.provider.getBlockNumber();
    const w = testWorker(env, env.worker, gateway, { eligibility: { allow: [], deny: [], maxPerRequester: 3, maxPerWindow: 12, windowSeconds: 86_400 } });
    await w.worker.tick();
    await w.worker.tick();
    const asked = await gateway.queryFilter(gateway.filters.EligibilityRequested(undefined, env.worker.address), from + 1);
    expect(asked).to.have.length(3);
    const refused = w.records.filter((r) => r.msg === "eligibility not requested");
    expect(refused.map((r) => r.reason)).to.deep.equal(["requester limit", "requester limit"]);
    expect(new Set([...asked.map((e) => e.args.jobId.toString()), ...refused.map((r) => String(r.job))])).to.deep.equal(
      new Set(jobs.map(String)),
    );
    expect(w.worker.stats.claimed).to.equal(0);
  });

  it("F-12 honest path: an allowed requester's gated job is answered and claimed; other requesters are not answered", async function () {
    const spyJobId = await spyJob(10);
    const job = await postJob(env, { shards: 1, salt: salt++, over: { gated: true } });
    await setEncryptedMinScore(fhevm, gateway, env.requester, job.jobId, 20);
    const w = testWorker(env, env.worker, gateway, {
      eligibility: { allow: [env.requester.address], deny: [], maxPerRequester: 3, maxPerWindow: 12, windowSeconds: 86_400 },
    });
    await w.worker.tick();
    expect(w.records.filter((r) => r.msg === "eligibility not requested").map((r) => [r.job, r.reason])).to.deep.equal([
      [spyJobId.toString(), "requester not allowed"],
    ]);
    expect(await gateway.isPending(job.jobId, env.worker.address)).to.equal(true);
    await new EligibilityRelayDuty(fhevm, gateway, env.keeper, capture().log).run(); // the keeper relays what is pending
    expect(await gateway.isEligible(job.jobId, env.worker.address)).to.equal(true);
    await w.worker.tick();
    expect(w.worker.stats.claimed).to.equal(1);
    expect((await env.core.getShard(job.jobId, 0)).worker).to.equal(env.worker.address);
  });

  it("F-12 the policy: deny list first, allow list, then the per-requester and window limits, which expire", function () {
    const [a, b, c] = [1, 2, 3].map((i) => ethers.getAddress("0x" + String(i).repeat(40)));
    const p = new EligibilityPolicy({ allow: [], deny: [c], maxPerRequester: 2, maxPerWindow: 3, windowSeconds: 100 });
    expect(p.refusal(c, 0)).to.equal("requester denied");
    for (const who of [a, a]) {
      expect(p.refusal(who, 0)).to.equal(undefined);
      p.record(who, 0);
    }
    expect(p.refusal(a, 1)).to.equal("requester limit");
    p.record(b, 1);
    expect(p.refusal(b, 2)).to.equal("window limit");
    expect(p.refusal(a, 101)).to.equal(undefined); // the first two answers left the window
    const only = new EligibilityPolicy({ allow: [a], deny: [], maxPerRequester: 9, maxPerWindow: 9, windowSeconds: 100 });
    expect([only.refusal(a.toLowerCase(), 0), only.refusal(b, 0)]).to.deep.equal([undefined, "requester not allowed"]);

    // the keys come from the worker config or OBLIVION_* variables, and bad values are one named line
    const env = { OBLIVION_PRIVATE_KEY: "0x" + "11".repeat(32), OBLIVION_ELIGIBILITY_REQUESTERS: `${a.toLowerCase()}, ${b}` };
    const cfg = loadWorkerConfig(undefined, { ...env, OBLIVION_ELIGIBILITY_MAX_PER_REQUESTER: "1" });
    expect(cfg.eligibility).to.deep.equal({ allow: [a, b], deny: [], maxPerRequester: 1, maxPerWindow: 12, windowSeconds: 86_400 });
    expect(cfg.acceptUnvettedVerifiers).to.equal(false);
    expect(() => loadWorkerConfig(undefined, { ...env, OBLIVION_ELIGIBILITY_DENY_REQUESTERS: "0x12" })).to.throw(
      'worker config: eligibilityDenyRequesters holds "0x12", not an address',
    );
    expect(() => loadWorkerConfig(undefined, { ...env, OBLIVION_ELIGIBILITY_WINDOW_SECONDS: "0" })).to.throw(
      /eligibilityWindowSeconds must be a whole number in \[1, 31536000\]/,
    );
  });
});
