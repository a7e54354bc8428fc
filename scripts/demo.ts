/**
 * `npm run demo`: the protocol on the in-process Hardhat network, one job walked through post, claim, settlement with
 * a real Groth16 proof (the test fixture circuit), and an expired claim that a keeper finds with checker() and slashes.
 */
import { ethers, network } from "hardhat";
import { formatEther, parseEther } from "ethers";
import { createLogger } from "../lib/util/log";
import { deployEnv, registerAndStake, postJob, proveShard, submit, WINDOW } from "../test/helpers/protocol";
import { runMain } from "../test/helpers/snarkjs";
import { auditRecords, jobStatus } from "../lib/chain/protocol";

const log = createLogger({ source: "demo" });
const eth = (x: bigint) => `${formatEther(x)} ETH`;

async function main() {
  log.info("building the fixture circuit (cached under .cache/ after the first run) and deploying the protocol");
  const env = await deployEnv();
  log.info("deployed", {
    core: await env.core.getAddress(),
    registry: await env.registry.getAddress(),
    audit: await env.audit.getAddress(),
    network: network.name,
  });
  const model = await env.registry.getModel(env.models.fixture_public);
  log.info("model registered", { id: env.models.fixture_public, name: model.name, feePerInference: eth(model.feePerInference) });

  await registerAndStake(env, env.worker, parseEther("1"));
  await registerAndStake(env, env.worker2, parseEther("1"));
  log.info("two workers registered and staked 1 ETH each", { alice: env.worker.address, bob: env.worker2.address });

  const job = await postJob(env, { shards: 2 });
  const status = await jobStatus(env.core, job.jobId);
  log.info("job posted", { jobId: job.jobId, shards: status.shardCount, escrow: eth(status.escrow), root: job.tree.root });

  await env.core.connect(env.worker).claim(job.jobId, 0);
  log.info("alice claimed shard 0", { collateral: eth(status.collateral), window: `${WINDOW}s` });
  await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, ethers.hexlify(ethers.randomBytes(97)));
  log.info("requester released shard 0's data key, wrapped to alice's public key");
  const proof = await proveShard(env, job, 0, env.worker.address);
  log.info("alice proved shard 0 (Groth16, binding to chain/core/job/shard/alice)", { output: proof.outputCommitment });
  const rc = await (await submit(env, job, 0, env.worker, proof, "bafy-demo-output-0")).wait();
  log.info("shard 0 settled: proof verified on-chain and everyone paid", {
    gas: rc!.gasUsed,
    alice: eth(await env.core.balanceOf(env.worker.address)),
    modelOwner: eth(await env.core.balanceOf(env.modelOwner.address)),
    treasury: eth(await env.core.balanceOf(env.treasury.address)),
  });
  const [rec] = await auditRecords(env.audit, job.jobId);
  log.info("audit record written", { record: rec.recordId, shard: rec.shardIndex, worker: rec.submitter, proofHash: rec.proofHash });

  await env.core.connect(env.worker2).claim(job.jobId, 1);
  await env.core.connect(env.requester).releaseShardKey(job.jobId, 1, ethers.hexlify(ethers.randomBytes(97)));
  log.info("bob claimed shard 1, got its key ... and went silent (without the key his claim would be voided, not slashed)");
  await network.provider.send("evm_increaseTime", [WINDOW + 1]);
  await network.provider.send("evm_mine");
  const [canExec, payload] = await env.core.checker();
  log.info("keeper asks checker()", { canExec });
  if (!canExec) throw new Error("demo: checker() found no expired claim");
  await (await env.keeper.sendTransaction({ to: await env.core.getAddress(), data: payload })).wait();
  log.info("keeper executed reclaimExpired: bob's collateral slashed, shard 1 reopened", {
    keeperBounty: eth(await env.core.balanceOf(env.keeper.address)),
    requester: eth(await env.core.balanceOf(env.requester.address)),
    bobStake: eth((await env.core.getWorker(env.worker2.address)).stake),
  });

  await (await env.core.connect(env.worker).withdraw()).wait();
  log.info("alice withdrew her pay");
  const final = await jobStatus(env.core, job.jobId);
  log.info("job now", {
    settled: final.settledShards,
    open: final.shards.filter((s) => s.status === "open").length,
    escrow: eth(final.escrow),
  });
}

runMain(main);
