import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256 } from "ethers";
import { deployEnv, postJob, proveShard, registerAndStake, submit, type Env } from "../helpers/protocol";

/** BN254 base field prime. */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const TYPES = ["uint256[2]", "uint256[2][2]", "uint256[2]"];

/** (A, B, C) -> (-A, -B, C): verifies for the same statement (e(-A, -B) = e(A, B)) with different bytes. */
function malleate(proof: string): string {
  const [a, b, c] = AbiCoder.defaultAbiCoder().decode(TYPES, proof) as unknown as [bigint[], bigint[][], bigint[]];
  const negA = [a[0], (Q - a[1]) % Q];
  const negB = [b[0], [(Q - b[1][0]) % Q, (Q - b[1][1]) % Q]];
  return AbiCoder.defaultAbiCoder().encode(TYPES, [negA, negB, c]);
}

async function withWorkers(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  return env;
}

describe("security I-01: a Groth16 proof's hash is not a unique id", function () {
  it("I-01 a malleated real proof verifies too, but settles nothing twice: the record id, not the proof hash, identifies a settlement", async function () {
    const env = await loadFixture(withWorkers);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const p = await proveShard(env, job, 0, env.worker.address);
    const twin = malleate(p.proof);
    expect(keccak256(twin)).not.to.equal(keccak256(p.proof));
    // Both verify for the same public signals.
    expect(await env.adapters.fixture_public.verifyProof(p.proof, p.signals)).to.equal(true);
    expect(await env.adapters.fixture_public.verifyProof(twin, p.signals)).to.equal(true);
    // Honest path: the worker settles with either form, once.
    await expect(submit(env, job, 0, env.worker, { ...p, proof: twin })).to.emit(env.core, "ShardSettled");
    const ids = await env.audit.recordIdsOfJob(job.jobId);
    expect(ids.length).to.equal(1);
    const [rec] = await env.audit.queryFilter(env.audit.filters.Recorded(ids[0]));
    expect(rec.args.record.proofHash).to.equal(keccak256(twin));
    // The other form cannot settle the shard again, nor another shard (the binding ties it to shard and worker).
    await expect(submit(env, job, 0, env.worker, p)).to.be.revertedWithCustomError(env.core, "ShardNotClaimed");
    await env.core.connect(env.worker2).claim(job.jobId, 1);
    await expect(submit(env, job, 1, env.worker2, { ...p, inputCommitment: p.inputCommitment })).to.be.reverted;
    expect(await env.audit.recordCount()).to.equal(1n);
  });
});
