import { expect } from "chai";
import { recordStruct } from "../lib/chain/protocol";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther, type Result } from "ethers";
import {
  deployEnv,
  registerAndStake,
  postJob,
  jobParams,
  proveShard,
  submit,
  COLLATERAL,
  PRICE,
  FEE_PER_INFERENCE,
  PUBLIC_BATCH,
  WINDOW,
  type Env,
  keylessRelease,
} from "./helpers/protocol";
import { releaseCurve } from "./helpers/snarkjs";
import { returningCode } from "./helpers/returning-code";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";

const perShardPublic = PRICE + FEE_PER_INFERENCE * BigInt(PUBLIC_BATCH);

/** Claims shard `i` for `worker` and has the requester release its key, so that an expiry is slashed. */
async function claimReleased(env: Env, jobId: bigint, i: number, worker = env.worker) {
  await env.core.connect(worker).claim(jobId, i);
  await env.core.connect(env.requester).releaseShardKey(jobId, i, await keylessRelease(env.core, jobId, i, "0xaa"));
}

async function withWorkers(): Promise<Env> {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  return env;
}

describe("OblivionCore: jobs", function () {
  after(releaseCurve);

  describe("postJob", function () {
    it("escrows shards x (price + fee per inference x batch) and stores the job", async function () {
      const env = await loadFixture(withWorkers);
      const { params } = await jobParams(env, { shards: 5 });
      const escrow = 5n * perShardPublic;
      expect(await env.core.jobEscrowFor(params)).to.equal(escrow);
      await expect(env.core.connect(env.requester).postJob(params, { value: escrow }))
        .to.emit(env.core, "JobPosted")
        .withArgs(1, env.requester.address, env.models.fixture_public, 1, 5, params.inputRoot, escrow);
      const job = await env.core.getJob(1);
      expect(job.requester).to.equal(env.requester.address);
      expect(job.ownerFeePerShard).to.equal(FEE_PER_INFERENCE * BigInt(PUBLIC_BATCH));
      expect(job.modelOwner).to.equal(env.modelOwner.address);
      expect(job.verifier).to.equal(await env.verifiers.fixture_public.getAddress());
      expect(job.protocolFeeBps).to.equal(250);
      expect(await env.core.jobEscrow(1)).to.equal(escrow);
      expect(await env.core.jobRequester(1)).to.equal(env.requester.address);
      expect(await env.core.jobRequester(99)).to.equal(ethers.ZeroAddress);
      expect(await env.core.jobCount()).to.equal(1);
    });

    it("batch size 0 counts one inference per shard", async function () {
      const env = await loadFixture(withWorkers);
      const { params } = await jobParams(env, { fixture: "fixture_private", shards: 3 });
      expect(await env.core.jobEscrowFor(params)).to.equal(3n * (PRICE + FEE_PER_INFERENCE));
    });

    it("rejects every bad parameter with its own error", async function () {
      const env = await loadFixture(withWorkers);
      const { params } = await jobParams(env);
      const core = env.core.connect(env.requester);
      const post = (over: object, value?: bigint) => core.postJob({ ...params, ...over }, { value: value ?? 0n });
      await expect(post({ shardCount: 0 })).to.be.revertedWithCustomError(core, "InvalidShardCount").withArgs(0);
      await expect(post({ shardCount: 1_000_001 })).to.be.revertedWithCustomError(core, "InvalidShardCount");
      await expect(post({ inputRoot: ethers.ZeroHash })).to.be.revertedWithCustomError(core, "ZeroInputRoot");
      await expect(post({ pricePerShard: 0 })).to.be.revertedWithCustomError(core, "ZeroPrice");
      await expect(post({ claimWindow: 59 })).to.be.revertedWithCustomError(core, "InvalidClaimWindow").withArgs(59);
      await expect(post({ claimWindow: 30 * 86400 + 1 })).to.be.revertedWithCustomError(core, "InvalidClaimWindow");
      await expect(post({ minStake: 1 })).to.be.revertedWithCustomError(core, "MinStakeBelowCollateral");
      await expect(post({ gated: true })).to.be.revertedWithCustomError(core, "GateNotSet");
      await expect(post({ modelId: 2n ** 32n })).to.be.revertedWithCustomError(core, "ValueTooLarge");
      await expect(post({ modelId: 9 })).to.be.revertedWithCustomError(env.registry, "ModelNotFound");
      await expect(post({ modelVersion: 2 })).to.be.revertedWithCustomError(env.registry, "VersionNotFound");
      await expect(post({}, 1n))
        .to.be.revertedWithCustomError(core, "IncorrectPayment")
        .withArgs(4n * perShardPublic, 1n);
      await env.registry.connect(env.modelOwner).deactivate(env.models.fixture_public);
      await expect(post({}, 4n * perShardPublic)).to.be.revertedWithCustomError(core, "ModelInactive");
    });

    it("is paused with claims, and resumes", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      await env.core.connect(env.owner).pause();
      const { params } = await jobParams(env);
      await expect(env.core.connect(env.requester).postJob(params, { value: 4n * perShardPublic })).to.be.revertedWithCustomError(
        env.core,
        "EnforcedPause",
      );
      await expect(env.core.connect(env.worker).claim(job.jobId, 0)).to.be.revertedWithCustomError(env.core, "EnforcedPause");
      await env.core.connect(env.owner).unpause();
      await env.core.connect(env.worker).claim(job.jobId, 0);
    });

    it("rejects a layout other than 1 and 2 at post (defence in depth behind the registry)", async function () {
      const env = await loadFixture(withWorkers);
      const fake = await (await ethers.getContractFactory("MockRegistryV3")).deploy();
      const core = await (await ethers.getContractFactory("OblivionCore")).deploy(
        env.owner,
        await fake.getAddress(),
        await env.audit.getAddress(),
        env.treasury,
        3600,
        ethers.ZeroHash,
      );
      const { params } = await jobParams(env);
      await expect(core.postJob(params)).to.be.revertedWithCustomError(core, "UnsupportedLayout").withArgs(3);
      // Layout 0 (a version never written): the fake registry's code swapped for one that answers jobTerms with the
      // real registry's terms of the model, layout set to 0.
      const real = (await env.registry.jobTerms(params.modelId, 1)) as unknown as Result;
      const terms = { ...real.toObject(), layoutVersion: 0 };
      const answer = env.registry.interface.encodeFunctionResult("jobTerms", [terms]);
      await ethers.provider.send("hardhat_setCode", [await fake.getAddress(), returningCode(answer)]);
      const stand = await ethers.getContractAt("ModelRegistry", await fake.getAddress());
      expect((await stand.jobTerms(params.modelId, 1)).layoutVersion).to.equal(0n);
      await expect(core.postJob(params)).to.be.revertedWithCustomError(core, "UnsupportedLayout").withArgs(0);
      expect(await core.jobCount()).to.equal(0n);
    });
  });

  describe("claim", function () {
    it("locks collateral, sets the deadline, and records the claim", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      const tx = await env.core.connect(env.worker).claim(job.jobId, 2);
      const deadline = BigInt((await time.latest()) + WINDOW);
      await expect(tx).to.emit(env.core, "ShardClaimed").withArgs(job.jobId, 2, env.worker.address, deadline, 1n, 0n, 0n);
      const s = await env.core.getShard(job.jobId, 2);
      expect(s.worker).to.equal(env.worker.address);
      expect(s.status).to.equal(1);
      expect((await env.core.getWorker(env.worker.address)).locked).to.equal(COLLATERAL);
      expect(await env.core.hasClaimed(job.jobId, 2, env.worker.address)).to.equal(true);
      expect(await env.core.hasClaimed(job.jobId, 2, env.worker2.address)).to.equal(false);
      expect(await env.core.hasClaimed(job.jobId, 0, ethers.ZeroAddress)).to.equal(false);
      expect((await env.core.getJob(job.jobId)).openClaims).to.equal(1);
    });

    it("rejects each failure with its own error", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env, { over: { minStake: parseEther("2") } });
      const c = env.core;
      await expect(c.connect(env.worker).claim(99, 0)).to.be.revertedWithCustomError(c, "JobNotFound").withArgs(99);
      await expect(c.connect(env.worker).claim(job.jobId, 4)).to.be.revertedWithCustomError(c, "ShardOutOfRange");
      await expect(c.connect(env.keeper).claim(job.jobId, 0)).to.be.revertedWithCustomError(c, "NotRegistered");
      await expect(c.connect(env.worker).claim(job.jobId, 0))
        .to.be.revertedWithCustomError(c, "StakeBelowMinimum")
        .withArgs(parseEther("1"), parseEther("2"));
      const job2 = await postJob(env, { over: { collateral: parseEther("1.5") } });
      await expect(c.connect(env.worker).claim(job2.jobId, 0))
        .to.be.revertedWithCustomError(c, "InsufficientFreeStake")
        .withArgs(parseEther("1"), parseEther("1.5"));
      const job3 = await postJob(env);
      await c.connect(env.worker).claim(job3.jobId, 0);
      await expect(c.connect(env.worker2).claim(job3.jobId, 0)).to.be.revertedWithCustomError(c, "ShardNotOpen");
    });

    it("gated jobs ask the eligibility gate", async function () {
      const env = await loadFixture(withWorkers);
      const gate = await (await ethers.getContractFactory("MockEligibilityGate")).deploy();
      await expect(env.core.connect(env.owner).setEligibilityGate(await gate.getAddress()))
        .to.emit(env.core, "EligibilityGateSet")
        .withArgs(await gate.getAddress());
      const job = await postJob(env, { over: { gated: true } });
      await expect(env.core.connect(env.worker).claim(job.jobId, 0))
        .to.be.revertedWithCustomError(env.core, "NotEligible")
        .withArgs(job.jobId, env.worker.address);
      await gate.setAllowed(env.worker.address, true);
      await env.core.connect(env.worker).claim(job.jobId, 0);
      await env.core.connect(env.owner).setEligibilityGate(ethers.ZeroAddress);
      await expect(env.core.connect(env.worker2).claim(job.jobId, 1)).to.be.revertedWithCustomError(env.core, "GateNotSet");
    });
  });

  describe("releaseShardKey", function () {
    it("emits the wrapped key for the claiming worker, requester only, claimed shards only", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      const c = env.core;
      await expect(c.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0xaa"))).to.be.revertedWithCustomError(
        c,
        "ShardNotClaimed",
      );
      await c.connect(env.worker).claim(job.jobId, 0);
      await expect(c.connect(env.worker).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0xaa")))
        .to.be.revertedWithCustomError(c, "NotRequester")
        .withArgs(env.worker.address, env.requester.address);
      await expect(c.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0x"))).to.be.revertedWithCustomError(
        c,
        "EmptyWrappedKey",
      );
      await expect(c.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0xaabb")))
        .to.emit(c, "ShardKeyReleased")
        .withArgs(job.jobId, 0, env.worker.address, 1n, ethers.ZeroHash, 0n, 0n, ethers.ZeroHash, "0xaabb");
      expect((await c.getShard(job.jobId, 0)).keyReleased).to.equal(true);
      // The release restarted the window.
      const [released] = await c.queryFilter(c.filters.ShardKeyReleased(job.jobId, 0));
      const releasedAt = (await released.getBlock()).timestamp;
      expect((await c.getShard(job.jobId, 0)).deadline).to.equal(BigInt(releasedAt + WINDOW));
      // After expiry a key can no longer be released (it would set up a slash the worker had no time to avoid).
      await c.connect(env.worker).claim(job.jobId, 1);
      await time.increase(WINDOW + 1);
      await expect(c.connect(env.requester).releaseShardKey(job.jobId, 1, await keylessRelease(env.core, job.jobId, 1, "0xaabb"))).to.be.revertedWithCustomError(
        c,
        "ClaimExpired",
      );
      await expect(c.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0xaabb")))
        .to.be.revertedWithCustomError(c, "KeyAlreadyReleased")
        .withArgs(job.jobId, 0);
    });
  });

  describe("submitResult (real Groth16 proofs)", function () {
    it("verifies, pays worker / model owner / treasury, unlocks collateral and writes the audit record", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      await env.core.connect(env.worker).claim(job.jobId, 1);
      const p = await proveShard(env, job, 1, env.worker.address);
      const fee = (PRICE * 250n) / 10_000n;
      const ownerFee = FEE_PER_INFERENCE * BigInt(PUBLIC_BATCH);
      await expect(submit(env, job, 1, env.worker, p, "bafyresult"))
        .to.emit(env.core, "ShardSettled")
        .withArgs(job.jobId, 1, env.worker.address, p.outputCommitment, [], "bafyresult", PRICE - fee, ownerFee, fee)
        .and.to.emit(env.audit, "Recorded");
      expect(await env.core.balanceOf(env.worker.address)).to.equal(PRICE - fee);
      expect(await env.core.balanceOf(env.modelOwner.address)).to.equal(ownerFee);
      expect(await env.core.balanceOf(env.treasury.address)).to.equal(fee);
      expect((await env.core.getWorker(env.worker.address)).locked).to.equal(0n);
      expect((await env.core.getShard(job.jobId, 1)).status).to.equal(2);
      expect(await env.core.jobEscrow(job.jobId)).to.equal(3n * perShardPublic);
      const ids = await env.audit.recordIdsOfJob(job.jobId);
      expect(ids).to.deep.equal([1n]);
      const [log] = await env.audit.queryFilter(env.audit.filters.Recorded(1));
      const r = log.args.record;
      expect(await env.audit.isRecord(1, recordStruct(r))).to.equal(true);
      expect(r.submitter).to.equal(env.worker.address);
      expect(r.jobId).to.equal(job.jobId);
      expect(r.shardIndex).to.equal(1n);
      expect(r.modelId).to.equal(env.models.fixture_public);
      expect(r.inputCommitment).to.equal(p.inputCommitment);
      expect(r.outputCommitment).to.equal(p.outputCommitment);
      expect(r.proofHash).to.equal(ethers.keccak256(p.proof));
      expect(r.verifier).to.equal(await env.verifiers.fixture_public.getAddress());
    });

    it("settles a private-weight model with the model commitment among the signals", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env, { fixture: "fixture_private", shards: 2 });
      await env.core.connect(env.worker).claim(job.jobId, 0);
      const p = await proveShard(env, job, 0, env.worker.address);
      expect(p.signals.length).to.equal(4);
      expect(p.signals[2]).to.equal((await env.core.getJob(job.jobId)).modelCommitment);
      await expect(submit(env, job, 0, env.worker, p)).to.emit(env.core, "ShardSettled");
    });

    it("rejects each failure with its own error", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      const c = env.core;
      await c.connect(env.worker).claim(job.jobId, 0);
      const p = await proveShard(env, job, 0, env.worker.address);
      const send = (o: { shard?: number; input?: bigint; proofPath?: string[]; output?: bigint; proof?: string; from?: typeof env.worker }) =>
        c
          .connect(o.from ?? env.worker)
          .submitResult(
            job.jobId,
            o.shard ?? 0,
            o.input ?? p.inputCommitment,
            o.proofPath ?? job.tree.proof(0),
            o.output ?? p.outputCommitment,
            [],
            "bafy",
            o.proof ?? p.proof,
          );
      await expect(send({ shard: 1 })).to.be.revertedWithCustomError(c, "ShardNotClaimed").withArgs(job.jobId, 1);
      await expect(send({ from: env.worker2 }))
        .to.be.revertedWithCustomError(c, "NotClaimant")
        .withArgs(env.worker2.address, env.worker.address);
      const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
      await expect(send({ input: r })).to.be.revertedWithCustomError(c, "CommitmentOutOfField").withArgs(r);
      await expect(send({ output: r })).to.be.revertedWithCustomError(c, "CommitmentOutOfField").withArgs(r);
      await expect(send({ input: p.inputCommitment + 1n })).to.be.revertedWithCustomError(c, "InvalidInputProof");
      await expect(send({ proofPath: job.tree.proof(1) })).to.be.revertedWithCustomError(c, "InvalidInputProof");
      await expect(send({ output: p.outputCommitment + 1n })).to.be.revertedWithCustomError(c, "InvalidProof");
      await expect(send({ proof: "0x1234" })).to.be.revertedWithCustomError(c, "InvalidProof");
      await time.increase(WINDOW + 1);
      await expect(send({})).to.be.revertedWithCustomError(c, "ClaimExpired");
    });

    it("a settled shard cannot be claimed or settled again", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env, { shards: 1 });
      await env.core.connect(env.worker).claim(job.jobId, 0);
      const p = await proveShard(env, job, 0, env.worker.address);
      await submit(env, job, 0, env.worker, p);
      await expect(submit(env, job, 0, env.worker, p)).to.be.revertedWithCustomError(env.core, "ShardNotClaimed");
      await expect(env.core.connect(env.worker2).claim(job.jobId, 0)).to.be.revertedWithCustomError(env.core, "ShardNotOpen");
      expect(await env.core.jobEscrow(job.jobId)).to.equal(0n);
    });
  });

  describe("reclaimExpired", function () {
    it("slashes collateral to requester / caller / treasury and reopens the shard", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      await claimReleased(env, job.jobId, 3);
      await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 3)).to.be.revertedWithCustomError(
        env.core,
        "ClaimNotExpired",
      );
      await time.increase(WINDOW + 1);
      const toCaller = (COLLATERAL * 1_000n) / 10_000n;
      const toRequester = (COLLATERAL * 5_000n) / 10_000n;
      await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 3))
        .to.emit(env.core, "ClaimSlashed")
        .withArgs(job.jobId, 3, env.worker.address, env.keeper.address, toRequester, toCaller, COLLATERAL - toCaller - toRequester);
      expect(await env.core.balanceOf(env.keeper.address)).to.equal(toCaller);
      expect(await env.core.balanceOf(env.requester.address)).to.equal(toRequester);
      expect(await env.core.balanceOf(env.treasury.address)).to.equal(COLLATERAL - toCaller - toRequester);
      const w = await env.core.getWorker(env.worker.address);
      expect(w.stake).to.equal(parseEther("1") - COLLATERAL);
      expect(w.locked).to.equal(0n);
      const shard = await env.core.getShard(job.jobId, 3);
      expect([shard.status, shard.worker, shard.deadline, shard.keyReleased]).to.deep.equal([0n, ethers.ZeroAddress, 0n, false]);
      expect(await env.core.hasClaimed(job.jobId, 3, env.worker.address)).to.equal(true);
      await expect(env.core.connect(env.worker).claim(job.jobId, 3))
        .to.be.revertedWithCustomError(env.core, "AlreadyClaimedBefore")
        .withArgs(job.jobId, 3, env.worker.address);
      await env.core.connect(env.worker2).claim(job.jobId, 3);
      await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 0)).to.be.revertedWithCustomError(
        env.core,
        "ShardNotClaimed",
      );
    });

    it("voids an expired claim whose key was never released: collateral unlocked, no bounty, no hook", async function () {
      const env = await loadFixture(withWorkers);
      const hook = await (await ethers.getContractFactory("MockReputationHook")).deploy();
      await env.core.connect(env.owner).setReputationHook(await hook.getAddress());
      const job = await postJob(env);
      await env.core.connect(env.worker).claim(job.jobId, 1);
      await time.increase(WINDOW + 1);
      const [can, payload] = await env.core.checker();
      expect(can).to.equal(true);
      expect(payload).to.equal(env.core.interface.encodeFunctionData("reclaimExpired", [job.jobId, 1]));
      await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 1))
        .to.emit(env.core, "ClaimVoided")
        .withArgs(job.jobId, 1, env.worker.address, env.keeper.address)
        .and.not.to.emit(env.core, "ClaimSlashed");
      const w = await env.core.getWorker(env.worker.address);
      expect([w.stake, w.locked]).to.deep.equal([parseEther("1"), 0n]);
      for (const a of [env.keeper, env.requester, env.treasury]) expect(await env.core.balanceOf(a.address)).to.equal(0n);
      expect(await hook.slashedCalls()).to.equal(0);
      expect((await env.core.getShard(job.jobId, 1)).status).to.equal(0);
      expect((await env.core.getJob(job.jobId)).openClaims).to.equal(0);
      expect((await env.core.checker())[0]).to.equal(false);
      await expect(env.core.connect(env.worker).claim(job.jobId, 1)).to.be.revertedWithCustomError(env.core, "AlreadyClaimedBefore");
      // The next claimant starts with the key unreleased again; the requester releases to it once.
      await claimReleased(env, job.jobId, 1, env.worker2);
      expect((await env.core.getShard(job.jobId, 1)).keyReleased).to.equal(true);
    });
  });

  describe("padding: the owner fee is per real inference (JobParams.inputCount)", function () {
    it("the last shard's padding rows carry no owner fee: in escrow, at settlement, on cancel and on a refund", async function () {
      const env = await loadFixture(withWorkers);
      const B = BigInt(PUBLIC_BATCH);
      // 3 shards of 4: inputCount must leave no shard but the last with padding, and fit
      for (const bad of [8, 13]) {
        const { params } = await jobParams(env, { shards: 3, over: { inputCount: bad } });
        await expect(env.core.jobEscrowFor(params)).to.be.revertedWithCustomError(env.core, "InvalidInputCount").withArgs(bad, 2n * B + 1n, 3n * B);
      }
      // 9 inputs: the last shard holds 1 input and 3 padding rows
      const padding = 3n * FEE_PER_INFERENCE;
      const job = await postJob(env, { shards: 3, over: { inputCount: 9 } });
      expect((await env.core.getJob(job.jobId)).paddingFee).to.equal(padding);
      expect(await env.core.jobEscrow(job.jobId)).to.equal(3n * perShardPublic - padding);
      await env.core.connect(env.worker).claim(job.jobId, 2);
      const fee = (PRICE * 250n) / 10_000n;
      await expect(submit(env, job, 2, env.worker, await proveShard(env, job, 2, env.worker.address)))
        .to.emit(env.core, "ShardSettled")
        .withArgs(job.jobId, 2, env.worker.address, anyValue, [], "bafyout", PRICE - fee, FEE_PER_INFERENCE, fee);
      expect(await env.core.balanceOf(env.modelOwner.address)).to.equal(FEE_PER_INFERENCE);
      expect(await env.core.jobEscrow(job.jobId)).to.equal(2n * perShardPublic);
      // full inputCount (12) is the same as 0: no padding
      const full = await postJob(env, { shards: 3, salt: 2, over: { inputCount: 12 } });
      expect(await env.core.jobEscrow(full.jobId)).to.equal(3n * perShardPublic);

      // cancel: an unclaimed padded last shard returns its price and the fee of its real inputs only
      const two = 2n * FEE_PER_INFERENCE; // 10 inputs: 2 padding rows
      const other = await postJob(env, { shards: 3, salt: 1, over: { inputCount: 10 } });
      await expect(env.core.connect(env.requester).cancelJob(other.jobId))
        .to.emit(env.core, "JobCancelled")
        .withArgs(other.jobId, 3n * perShardPublic - two);
      expect(await env.core.jobEscrow(other.jobId)).to.equal(0n);
      // a claimed padded last shard of a cancelled job is in escrow less its padding, and refunded so on reclaim
      const third = await postJob(env, { shards: 2, salt: 3, over: { inputCount: 7 } });
      await claimReleased(env, third.jobId, 1, env.worker2);
      await env.core.connect(env.requester).cancelJob(third.jobId);
      expect(await env.core.jobEscrow(third.jobId)).to.equal(perShardPublic - FEE_PER_INFERENCE);
      await time.increase(WINDOW + 1);
      await expect(env.core.connect(env.keeper).reclaimExpired(third.jobId, 1))
        .to.emit(env.core, "EscrowRefunded")
        .withArgs(third.jobId, 1, perShardPublic - FEE_PER_INFERENCE);
      expect(await env.core.jobEscrow(third.jobId)).to.equal(0n);
    });
  });

  describe("cancelJob", function () {
    it("refunds unclaimed shards; open claims settle or refund on reclaim; cancelled jobs take no claims", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      await env.core.connect(env.worker).claim(job.jobId, 0);
      await claimReleased(env, job.jobId, 1, env.worker2);
      await expect(env.core.connect(env.keeper).cancelJob(job.jobId)).to.be.revertedWithCustomError(env.core, "NotRequester");
      await expect(env.core.connect(env.requester).cancelJob(job.jobId))
        .to.emit(env.core, "JobCancelled")
        .withArgs(job.jobId, 2n * perShardPublic);
      expect(await env.core.balanceOf(env.requester.address)).to.equal(2n * perShardPublic);
      expect(await env.core.jobEscrow(job.jobId)).to.equal(2n * perShardPublic);
      await expect(env.core.connect(env.requester).cancelJob(job.jobId)).to.be.revertedWithCustomError(env.core, "JobIsCancelled");
      await expect(env.core.connect(env.worker).claim(job.jobId, 2))
        .to.be.revertedWithCustomError(env.core, "JobIsCancelled")
        .withArgs(job.jobId);
      // The open claim of worker still settles.
      const p = await proveShard(env, job, 0, env.worker.address);
      await submit(env, job, 0, env.worker, p);
      // The other one expires: slash plus the shard's escrow back to the requester.
      await time.increase(WINDOW + 1);
      await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 1))
        .to.emit(env.core, "EscrowRefunded")
        .withArgs(job.jobId, 1, perShardPublic);
      expect(await env.core.jobEscrow(job.jobId)).to.equal(0n);
    });

    it("a finished job releases nothing more", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env, { shards: 1 });
      await env.core.connect(env.worker).claim(job.jobId, 0);
      await submit(env, job, 0, env.worker, await proveShard(env, job, 0, env.worker.address));
      await expect(env.core.connect(env.requester).cancelJob(job.jobId)).to.emit(env.core, "JobCancelled").withArgs(job.jobId, 0);
    });
  });

  describe("withdraw", function () {
    it("sends the whole pull balance once", async function () {
      const env = await loadFixture(withWorkers);
      const job = await postJob(env);
      await env.core.connect(env.requester).cancelJob(job.jobId);
      const bal = await env.core.balanceOf(env.requester.address);
      const tx = env.core.connect(env.requester).withdraw();
      await expect(tx).to.changeEtherBalances([env.requester, env.core], [bal, -bal]);
      await expect(tx).to.emit(env.core, "Withdrawn").withArgs(env.requester.address, bal);
      await expect(env.core.connect(env.requester).withdraw()).to.be.revertedWithCustomError(env.core, "NothingToWithdraw");
    });
  });

  describe("checker", function () {
    it("finds expired claims within its bound and pages with checkerFrom", async function () {
      const env = await loadFixture(withWorkers);
      const a = await postJob(env, { shards: 3 });
      const b = await postJob(env, { shards: 5, salt: 1 });
      let [can, payload] = await env.core.checker();
      expect(can).to.equal(false);
      expect(payload).to.equal("0x");
      await env.core.connect(env.worker).claim(a.jobId, 2);
      await env.core.connect(env.worker2).claim(b.jobId, 4);
      [can] = await env.core.checker();
      expect(can).to.equal(false);
      await time.increase(WINDOW + 1);
      [can, payload] = await env.core.checker();
      expect(can).to.equal(true);
      // The scan starts at a job that moves with the block (F-09): either expired claim may come first.
      const both = [env.core.interface.encodeFunctionData("reclaimExpired", [a.jobId, 2]), env.core.interface.encodeFunctionData("reclaimExpired", [b.jobId, 4])];
      expect(both).to.include(payload);
      // Gelato-style execution of the payload by a keeper.
      await env.keeper.sendTransaction({ to: await env.core.getAddress(), data: payload });
      const first = payload;
      [can, payload] = await env.core.checker();
      expect(payload).to.equal(both.find((p) => p !== first));
      await env.keeper.sendTransaction({ to: await env.core.getAddress(), data: payload });
      await env.core.connect(env.worker).claim(b.jobId, 4);
      await time.increase(WINDOW + 1);
      // Paging: 3 steps from job 2 scan its shards 0..2.
      let r = await env.core.checkerFrom(b.jobId, 0, 3);
      expect(r.canExec).to.equal(false);
      expect([r.nextJobId, r.nextShard]).to.deep.equal([b.jobId, 3n]);
      // One step at a time still advances.
      r = await env.core.checkerFrom(b.jobId, 3, 1);
      expect([r.canExec, r.nextJobId, r.nextShard]).to.deep.equal([false, b.jobId, 4n]);
      r = await env.core.checkerFrom(r.nextJobId, r.nextShard, 10);
      expect(r.canExec).to.equal(true);
      expect([r.nextJobId, r.nextShard]).to.deep.equal([b.jobId, 4n]);
      r = await env.core.checkerFrom(0, 0, 100);
      expect(r.canExec).to.equal(true);
      r = await env.core.checkerFrom(b.jobId, 7, 100);
      expect(r.canExec).to.equal(false);
      expect(r.nextJobId).to.equal(b.jobId + 1n);
    });
  });
});

describe("OblivionCore: owner powers and hooks", function () {
  after(releaseCurve);

  it("only the owner sets parameters, within hard bounds", async function () {
    const env = await loadFixture(withWorkers);
    const c = env.core;
    const o = c.connect(env.owner);
    await expect(c.connect(env.worker).setProtocolFee(1)).to.be.revertedWithCustomError(c, "OwnableUnauthorizedAccount");
    await expect(c.connect(env.worker).pause()).to.be.revertedWithCustomError(c, "OwnableUnauthorizedAccount");
    await expect(o.setProtocolFee(1001)).to.be.revertedWithCustomError(c, "FeeTooHigh").withArgs(1001);
    await expect(o.setProtocolFee(1000)).to.emit(c, "ProtocolFeeSet").withArgs(1000);
    await expect(o.setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(c, "ZeroAddress");
    await expect(o.setTreasury(env.keeper.address)).to.emit(c, "TreasurySet").withArgs(env.keeper.address);
    for (const [req, bounty] of [
      [5000, 99],
      [5000, 2001],
      [9001, 999],
      [9000, 1001],
      [4000, 500],
    ]) {
      await expect(o.setSlashSplit(req, bounty)).to.be.revertedWithCustomError(c, "SlashSplitOutOfBounds");
    }
    await expect(o.setSlashSplit(8000, 2000)).to.emit(c, "SlashSplitSet").withArgs(8000, 2000);
    expect(await c.slashRequesterBps()).to.equal(8000);
    await expect(o.setHookGasLimit(49_999)).to.be.revertedWithCustomError(c, "InvalidHookGasLimit");
    await expect(o.setHookGasLimit(2_000_001)).to.be.revertedWithCustomError(c, "InvalidHookGasLimit");
    await expect(o.setHookGasLimit(100_000)).to.emit(c, "HookGasLimitSet").withArgs(100_000);
    await expect(o.setReputationHook(env.keeper.address)).to.be.revertedWithCustomError(c, "NotAContract").withArgs(env.keeper.address);
    await expect(o.setEligibilityGate(env.keeper.address)).to.be.revertedWithCustomError(c, "NotAContract").withArgs(env.keeper.address);
    const hookAddr = await env.registry.getAddress(); // any contract; a hook without the functions just fails softly
    await expect(o.setReputationHook(hookAddr)).to.emit(c, "ReputationHookSet").withArgs(hookAddr);
    await expect(o.setReputationHook(ethers.ZeroAddress)).to.emit(c, "ReputationHookSet").withArgs(ethers.ZeroAddress);
    await expect(c.connect(env.worker).setReputationHook(env.worker.address)).to.be.revertedWithCustomError(
      c,
      "OwnableUnauthorizedAccount",
    );
    // Fee changes apply to jobs posted afterwards only.
    const job = await postJob(env);
    expect((await c.getJob(job.jobId)).protocolFeeBps).to.equal(1000);
  });

  it("calls the reputation hook after settlement and slashing; failures are reported, not fatal", async function () {
    const env = await loadFixture(withWorkers);
    const hook = await (await ethers.getContractFactory("MockReputationHook")).deploy();
    await env.core.connect(env.owner).setReputationHook(await hook.getAddress());
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    await submit(env, job, 0, env.worker, await proveShard(env, job, 0, env.worker.address));
    expect(await hook.settledCalls()).to.equal(1);
    await claimReleased(env, job.jobId, 1);
    await time.increase(WINDOW + 1);
    await env.core.connect(env.keeper).reclaimExpired(job.jobId, 1);
    expect(await hook.slashedCalls()).to.equal(1);
    expect(await hook.lastWorker()).to.equal(env.worker.address);

    await hook.setMode(1); // revert
    await claimReleased(env, job.jobId, 2, env.worker2);
    await time.increase(WINDOW + 1);
    await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 2)).to.emit(env.core, "ReputationHookFailed");
    await hook.setMode(2); // burn gas: capped
    await env.core.connect(env.worker2).claim(job.jobId, 3);
    const p = await proveShard(env, job, 3, env.worker2.address);
    const tx = submit(env, job, 3, env.worker2, p);
    await expect(tx).to.emit(env.core, "ReputationHookFailed");
    const rc = await (await tx).wait();
    expect(rc!.gasUsed).to.be.lessThan(1_500_000n);
  });

  it("refuses a call that leaves the hook less than its gas limit", async function () {
    const env = await loadFixture(withWorkers);
    const hook = await (await ethers.getContractFactory("MockReputationHook")).deploy();
    await env.core.connect(env.owner).setReputationHook(await hook.getAddress());
    await env.core.connect(env.owner).setHookGasLimit(2_000_000);
    const job = await postJob(env);
    await claimReleased(env, job.jobId, 0);
    await time.increase(WINDOW + 1);
    await expect(env.core.connect(env.keeper).reclaimExpired(job.jobId, 0, { gasLimit: 1_000_000 })).to.be.revertedWithCustomError(
      env.core,
      "InsufficientGasForHook",
    );
  });
});

