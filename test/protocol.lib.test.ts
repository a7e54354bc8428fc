import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployEnv, registerAndStake, jobParams, proveShard, WINDOW, type PostedJob } from "./helpers/protocol";
import * as protocol from "../lib/chain/protocol";
import { releaseCurve } from "./helpers/snarkjs";

describe("lib/chain/protocol", function () {
  after(releaseCurve);

  it("drives a job end to end through the typed helpers", async function () {
    const env = await loadFixture(deployEnv);
    const core = (s: typeof env.worker) => env.core.connect(s);
    await protocol.registerWorker(core(env.worker), "bafyw", "0x02" + "33".repeat(32));
    await protocol.stake(core(env.worker), 10n ** 18n);
    await registerAndStake(env, env.worker2);
    const { fixture, inputs, tree, params } = await jobParams(env, { shards: 3 });
    const { jobId, escrow } = await protocol.postJob(core(env.requester), params);
    expect(escrow).to.equal(await env.core.jobEscrow(jobId));
    const job: PostedJob = { jobId, tree, inputs, fixture, params };

    await protocol.claimShard(core(env.worker), jobId, 0);
    await protocol.releaseShardKey(core(env.requester), jobId, 0, "0xbeef");
    const p = await proveShard(env, job, 0, env.worker.address);
    await protocol.submitResult(core(env.worker), jobId, 0, {
      inputCommitment: p.inputCommitment,
      merkleProof: tree.proof(0),
      outputCommitment: p.outputCommitment,
      outputCipher: [],
      outputCid: "bafyout",
      proof: p.proof,
    });
    await protocol.claimShard(core(env.worker2), jobId, 1);
    await protocol.claimShard(core(env.worker2), jobId, 2);
    expect(await protocol.findExpiredClaims(env.core)).to.deep.equal([]);
    await time.increase(WINDOW + 1);
    expect(await protocol.findExpiredClaims(env.core, 1)).to.deep.equal([
      { jobId, shardIndex: 1 },
      { jobId, shardIndex: 2 },
    ]);
    await protocol.reclaimExpired(core(env.keeper), jobId, 1);

    const status = await protocol.jobStatus(env.core, jobId);
    expect(status.shards.map((s) => s.status)).to.deep.equal(["settled", "open", "claimed"]);
    expect(status.settledShards).to.equal(1);
    const records = await protocol.auditRecords(env.audit, jobId);
    expect(records).to.have.length(1);
    expect(records[0].outputCommitment).to.equal(p.outputCommitment);
    expect((await protocol.auditRecord(env.audit, records[0].recordId)).shardIndex).to.equal(0);

    await protocol.cancelJob(core(env.requester), jobId);
    await protocol.withdraw(core(env.requester));
    await protocol.requestUnstake(core(env.worker), 10n ** 17n);
    await time.increase(3600);
    await protocol.withdrawStake(core(env.worker));
    const models = await protocol.listModels(env.registry);
    expect(models.map((m) => m.name)).to.deep.equal(["fixture-public", "fixture-private"]);
    expect(models[1].versions[0].numPublicSignals).to.equal(4);
  });
});
