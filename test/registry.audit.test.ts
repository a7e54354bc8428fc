import { expect } from "chai";
import { recordStruct } from "../lib/chain/protocol";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { verifyingKeyOf, type SnarkjsVkey } from "../lib/zk/vk-verifier";
import { deployEnv, versionSpec, registerAndStake, postJob, proveShard, type Env } from "./helpers/protocol";
import { buildFixture, proveFixture } from "./helpers/fixtureCircuit";
import { releaseCurve } from "./helpers/snarkjs";

describe("ModelRegistry", function () {
  after(releaseCurve);

  it("registers, publishes versions, updates the fee, deactivates and reactivates, owner only", async function () {
    const env = await loadFixture(deployEnv);
    const r = env.registry;
    const v = await env.verifiers.fixture_public.getAddress();
    expect(await r.modelCount()).to.equal(2);
    const m = await r.getModel(1);
    expect(m.owner).to.equal(env.modelOwner.address);
    expect(m.name).to.equal("fixture-public");
    expect(m.versionCount).to.equal(1);
    const ver = await r.getVersion(1, 1);
    expect(ver.verifier).to.equal(v);
    expect(ver.circuitHash).to.equal(env.circuitHash.fixture_public);
    expect(ver.devSetup).to.equal(true);
    await expect(r.connect(env.worker).publishVersion(1, versionSpec(v, ethers.ZeroHash)))
      .to.be.revertedWithCustomError(r, "NotModelOwner")
      .withArgs(1, env.worker.address);
    await expect(r.connect(env.modelOwner).publishVersion(1, versionSpec(v, ethers.ZeroHash, { batchSize: 8 })))
      .to.emit(r, "VersionPublished")
      .withArgs(1, 2, v, ethers.ZeroHash, 0, true);
    expect((await r.jobTerms(1, 2)).batchSize).to.equal(8);
    expect((await r.jobTerms(1, 1)).batchSize).to.equal(4); // version 1 unchanged
    await expect(r.connect(env.modelOwner).setFee(1, 7)).to.emit(r, "FeeUpdated").withArgs(1, 7);
    await expect(r.connect(env.worker).setFee(1, 7)).to.be.revertedWithCustomError(r, "NotModelOwner");
    await expect(r.connect(env.modelOwner).deactivate(1)).to.emit(r, "ModelDeactivated").withArgs(1);
    expect((await r.jobTerms(1, 1)).active).to.equal(false);
    await expect(r.connect(env.modelOwner).deactivate(1)).to.be.revertedWithCustomError(r, "ModelNotActive");
    await expect(r.connect(env.modelOwner).setFee(1, 1)).to.be.revertedWithCustomError(r, "ModelNotActive");
    await expect(r.connect(env.worker).reactivate(1)).to.be.revertedWithCustomError(r, "NotModelOwner").withArgs(1, env.worker.address);
    await expect(r.connect(env.modelOwner).reactivate(1)).to.emit(r, "ModelReactivated").withArgs(1);
    expect((await r.jobTerms(1, 1)).active).to.equal(true);
    expect((await r.jobTerms(1, 1)).feePerInference).to.equal(7); // the fee set before it was deactivated
    await expect(r.connect(env.modelOwner).reactivate(1)).to.be.revertedWithCustomError(r, "ModelAlreadyActive").withArgs(1);
    await expect(r.connect(env.modelOwner).reactivate(9)).to.be.revertedWithCustomError(r, "ModelNotFound").withArgs(9);
    await expect(r.getModel(0)).to.be.revertedWithCustomError(r, "ModelNotFound").withArgs(0);
    await expect(r.getVersion(2, 0)).to.be.revertedWithCustomError(r, "VersionNotFound").withArgs(2, 0);
    await expect(r.getVersion(2, 2)).to.be.revertedWithCustomError(r, "VersionNotFound");
  });

  it("validates every version field", async function () {
    const env = await loadFixture(deployEnv);
    const r = env.registry.connect(env.modelOwner);
    const v = await env.verifiers.fixture_public.getAddress();
    const h = ethers.ZeroHash;
    const reg = (over: object, name = "m") => r.registerModel(name, 0, versionSpec(v, h, over));
    await expect(reg({}, "")).to.be.revertedWithCustomError(r, "EmptyName");
    await expect(reg({ onnxCid: "" })).to.be.revertedWithCustomError(r, "EmptyCid").withArgs("onnxCid");
    await expect(reg({ circuitCid: "" })).to.be.revertedWithCustomError(r, "EmptyCid").withArgs("circuitCid");
    await expect(reg({ provingKeyCid: "" })).to.be.revertedWithCustomError(r, "EmptyCid").withArgs("provingKeyCid");
    await expect(reg({ verifier: env.worker.address })).to.be.revertedWithCustomError(r, "InvalidVerifier");
    await expect(reg({ proofSystem: 0 })).to.be.revertedWithCustomError(r, "InvalidProofSystem");
    await expect(reg({ layoutVersion: 3 })).to.be.revertedWithCustomError(r, "UnsupportedLayout").withArgs(3);
    await expect(reg({ layoutVersion: 0 })).to.be.revertedWithCustomError(r, "UnsupportedLayout").withArgs(0);
    // layout 2 needs at least one output cipher word beyond the commitments and the binding (G-07)
    await expect(reg({ layoutVersion: 2 })).to.be.revertedWithCustomError(r, "SignalCountMismatch").withArgs(4, 3);
    await expect(reg({ layoutVersion: 2, modelCommitment: 5n, numPublicSignals: 4 })).to.be.revertedWithCustomError(r, "SignalCountMismatch").withArgs(5, 4);
    await expect(reg({ numPublicSignals: 4 })).to.be.revertedWithCustomError(r, "SignalCountMismatch").withArgs(3, 4);
    await expect(reg({ modelCommitment: 5n, numPublicSignals: 3 }))
      .to.be.revertedWithCustomError(r, "SignalCountMismatch")
      .withArgs(4, 3);
    const big = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    await expect(reg({ modelCommitment: big, numPublicSignals: 4 })).to.be.revertedWithCustomError(r, "CommitmentOutOfField");
    await expect(reg({})).to.emit(r, "ModelRegistered").withArgs(3, env.modelOwner.address, "m", 0);
  });

  it("a setup ceremony refuses each malformed spec, contribution, early or repeated seal and bad finalization with its named error", async function () {
    const env = await loadFixture(deployEnv);
    const r = env.registry.connect(env.modelOwner);
    const spec = versionSpec(ethers.ZeroAddress, env.circuitHash.fixture_public, { provingKeyCid: "", devSetup: false });
    const deadline = BigInt(await ethers.provider.getBlockNumber()) + 20n;
    const ceremony = { r1csHash: ethers.id("r1cs"), ptauHash: ethers.id("ptau"), r1csCid: "bafyr1cs", ptauCid: "bafyptau", deadline, firstContribution: ethers.id("c0"), firstKeyCid: "bafyk0" };
    const open = (s: object, c: object) => r.registerCeremonyModel("m", 0, { ...spec, ...s }, { ...ceremony, ...c });
    const invalid: [object, object][] = [
      [{ verifier: env.worker.address }, {}],
      [{ provingKeyCid: "bafyzkey" }, {}],
      [{ devSetup: true }, {}],
      [{ proofSystem: 2 }, {}],
      [{}, { r1csHash: ethers.ZeroHash }],
      [{}, { ptauHash: ethers.ZeroHash }],
      [{}, { r1csCid: "" }],
      [{}, { ptauCid: "" }],
      [{}, { deadline: 1n }],
    ];
    for (const [s, c] of invalid) await expect(open(s, c), Object.keys({ ...s, ...c }).join()).to.be.revertedWithCustomError(r, "InvalidCeremonySpec");
    await expect(open({}, { firstContribution: ethers.ZeroHash })).to.be.revertedWithCustomError(r, "DuplicateContribution").withArgs(ethers.ZeroHash);
    await expect(open({}, { firstKeyCid: "" })).to.be.revertedWithCustomError(r, "EmptyKeyCid");
    await open({}, {});
    const id = await env.registry.modelCount();
    await expect(env.registry.jobTerms(id, 1)).to.be.revertedWithCustomError(r, "CeremonyNotFinalized").withArgs(id, 1);
    await expect(r.contribute(1, 1, 0, ethers.id("x"), "bafyx")).to.be.revertedWithCustomError(r, "NoCeremony").withArgs(1, 1);
    const c = env.registry.connect(env.worker);
    await expect(c.contribute(id, 1, 5, ethers.id("c1"), "bafyk1")).to.be.revertedWithCustomError(r, "UnknownContribution").withArgs(5);
    await expect(c.contribute(id, 1, 0, ethers.id("c0"), "bafyk1")).to.be.revertedWithCustomError(r, "DuplicateContribution").withArgs(ethers.id("c0"));
    await expect(c.contribute(id, 1, 0, ethers.id("c1"), "bafyk1")).to.emit(r, "ContributionRecorded");
    const key = verifyingKeyOf((await buildFixture("fixture_public")).vkey as SnarkjsVkey);
    const fin = (tip: number, hash: string, cid: string, k = key) => c.finalizeCeremony(id, 1, tip, hash, cid, k);
    await expect(fin(1, ethers.id("final"), "bafyfinal")).to.be.revertedWithCustomError(r, "CeremonyNotSealed").withArgs(id, 1);
    await expect(c.sealCeremony(id, 1)).to.be.revertedWithCustomError(r, "CeremonyStillOpen").withArgs(id, 1, deadline);
    await mine(Number(deadline - BigInt(await ethers.provider.getBlockNumber())) + 1);
    await expect(c.contribute(id, 1, 1, ethers.id("c2"), "bafyk2")).to.be.revertedWithCustomError(r, "CeremonyClosed").withArgs(id, 1, deadline);
    await expect(c.sealCeremony(id, 1)).to.emit(r, "CeremonySealed");
    await expect(c.sealCeremony(id, 1)).to.be.revertedWithCustomError(r, "CeremonyAlreadySealed").withArgs(id, 1);
    await expect(fin(2, ethers.id("final"), "bafyfinal")).to.be.revertedWithCustomError(r, "UnknownContribution").withArgs(2);
    for (const h of [ethers.ZeroHash, ethers.id("c1")]) await expect(fin(1, h, "bafyfinal")).to.be.revertedWithCustomError(r, "DuplicateContribution").withArgs(h);
    await expect(fin(1, ethers.id("final"), "")).to.be.revertedWithCustomError(r, "EmptyKeyCid");
    await expect(fin(1, ethers.id("final"), "bafyfinal", { ...key, ic: [...key.ic, ...key.ic.slice(0, 2)] }))
      .to.be.revertedWithCustomError(r, "VerifierSignalMismatch")
      .withArgs(4, 3);
    await fin(1, ethers.id("final"), "bafyfinal");
    expect((await env.registry.getCeremony(id, 1)).finalized).to.equal(true);
    await expect(fin(1, ethers.id("final2"), "bafyfinal")).to.be.revertedWithCustomError(r, "CeremonyAlreadyFinalized").withArgs(id, 1);
    expect((await env.registry.jobTerms(id, 1)).verifier).to.equal((await env.registry.getVersion(id, 1)).verifier);
  });

  it("publishes a ceremony version on an existing model: the version counts, its ceremony opens; owner, active model and valid spec only", async function () {
    const env = await loadFixture(deployEnv);
    const r = env.registry.connect(env.modelOwner);
    const id = env.models.fixture_public;
    const spec = versionSpec(ethers.ZeroAddress, env.circuitHash.fixture_public, { provingKeyCid: "", devSetup: false, batchSize: 4 });
    const deadline = BigInt(await ethers.provider.getBlockNumber()) + 20n;
    const ceremony = { r1csHash: ethers.id("r1cs-v2"), ptauHash: ethers.id("ptau"), r1csCid: "bafyr1cs2", ptauCid: "bafyptau", deadline, firstContribution: ethers.id("v2-c0"), firstKeyCid: "bafyv2k0" };
    const publish = (signer = env.modelOwner, s: object = {}, c: object = {}) =>
      env.registry.connect(signer).publishCeremonyVersion(id, { ...spec, ...s }, { ...ceremony, ...c });
    // refused: not the owner, an invalid ceremony spec, an unknown model, an inactive model; none adds a version
    await expect(publish(env.worker)).to.be.revertedWithCustomError(r, "NotModelOwner").withArgs(id, env.worker.address);
    await expect(publish(env.modelOwner, { devSetup: true })).to.be.revertedWithCustomError(r, "InvalidCeremonySpec");
    await expect(publish(env.modelOwner, {}, { deadline: 1n })).to.be.revertedWithCustomError(r, "InvalidCeremonySpec");
    await expect(r.publishCeremonyVersion(9, spec, ceremony)).to.be.revertedWithCustomError(r, "ModelNotFound").withArgs(9);
    await r.deactivate(id);
    await expect(publish()).to.be.revertedWithCustomError(r, "ModelNotActive").withArgs(id);
    await r.reactivate(id);
    expect((await env.registry.getModel(id)).versionCount).to.equal(1n);
    await expect(env.registry.getCeremony(id, 1)).to.be.revertedWithCustomError(r, "NoCeremony").withArgs(id, 1);

    const version = await r.publishCeremonyVersion.staticCall(id, spec, ceremony);
    expect(version).to.equal(2n);
    await expect(publish())
      .to.emit(r, "VersionPublished")
      .withArgs(id, 2, ethers.ZeroAddress, env.circuitHash.fixture_public, 0, false)
      .and.to.emit(r, "CeremonyOpened")
      .withArgs(id, 2, ceremony.r1csHash, ceremony.ptauHash, deadline)
      .and.to.emit(r, "ContributionRecorded")
      .withArgs(id, 2, 0, env.modelOwner.address, await env.registry.NO_PARENT(), ceremony.firstContribution, ceremony.firstKeyCid);
    expect((await env.registry.getModel(id)).versionCount).to.equal(2n);
    const c = await env.registry.getCeremony(id, 2);
    expect([c.r1csHash, c.ptauHash, c.deadline, c.sealedAt, c.finalized, c.r1csCid, c.ptauCid]).to.deep.equal([
      ceremony.r1csHash, ceremony.ptauHash, deadline, 0n, false, ceremony.r1csCid, ceremony.ptauCid,
    ]);
    expect(c.contributions.map((x) => [x.contributor, x.contributionHash, x.keyCid])).to.deep.equal([
      [env.modelOwner.address, ceremony.firstContribution, ceremony.firstKeyCid],
    ]);
    const v2 = await env.registry.getVersion(id, 2);
    expect([v2.verifier, v2.vetted, v2.devSetup, v2.batchSize]).to.deep.equal([ethers.ZeroAddress, false, false, 4n]);
    // the new version takes contributions and no job until finalized; version 1 serves jobs as before
    await expect(env.registry.connect(env.worker).contribute(id, 2, 0, ethers.id("v2-c1"), "bafyv2k1"))
      .to.emit(r, "ContributionRecorded")
      .withArgs(id, 2, 1, env.worker.address, 0, ethers.id("v2-c1"), "bafyv2k1");
    await expect(env.registry.jobTerms(id, 2)).to.be.revertedWithCustomError(r, "CeremonyNotFinalized").withArgs(id, 2);
    expect((await env.registry.jobTerms(id, 1)).verifier).to.equal(await env.verifiers.fixture_public.getAddress());
    // a spent first contribution cannot open another version's ceremony
    await expect(publish(env.modelOwner, {}, { r1csHash: ethers.id("r1cs-v3") }))
      .to.be.revertedWithCustomError(r, "DuplicateContribution")
      .withArgs(ceremony.firstContribution);
    expect((await env.registry.getModel(id)).versionCount).to.equal(2n);
  });

  it("a posted job keeps its pinned version and fee after the model changes", async function () {
    const env = await loadFixture(deployEnv);
    await registerAndStake(env, env.worker);
    const job = await postJob(env);
    const before = await env.core.getJob(job.jobId);
    await env.registry.connect(env.modelOwner).setFee(1, 1);
    await env.registry
      .connect(env.modelOwner)
      .publishVersion(1, versionSpec(await env.verifiers.fixture_private.getAddress(), ethers.ZeroHash, { numPublicSignals: 4, modelCommitment: 9n }));
    const after = await env.core.getJob(job.jobId);
    expect(after.ownerFeePerShard).to.equal(before.ownerFeePerShard);
    expect(after.verifier).to.equal(before.verifier);
    expect(after.modelVersion).to.equal(1);
  });
});

describe("InferenceAudit", function () {
  after(releaseCurve);

  it("is bound once, by its deployer, and only the core writes settlement records", async function () {
    const env = await loadFixture(deployEnv);
    const a = env.audit;
    expect(await a.core()).to.equal(await env.core.getAddress());
    await expect(a.connect(env.owner).bindCore(env.worker.address)).to.be.revertedWithCustomError(a, "CoreAlreadyBound");
    await expect(a.connect(env.worker).bindCore(env.worker.address)).to.be.revertedWithCustomError(a, "NotDeployer");
    const fresh = await (await ethers.getContractFactory("InferenceAudit", env.owner)).deploy();
    await expect(fresh.bindCore(ethers.ZeroAddress)).to.be.revertedWithCustomError(fresh, "ZeroCore");
    await expect(a.connect(env.worker).record(1, 0, 1, 1, env.worker.address, env.worker.address, 1, 2, ethers.ZeroHash))
      .to.be.revertedWithCustomError(a, "NotCore")
      .withArgs(env.worker.address);
    await fresh.bindCore(env.owner.address);
    await expect(fresh.record(2n ** 64n, 0, 1, 1, env.worker.address, env.worker.address, 1, 2, ethers.ZeroHash)).to.be.revertedWithCustomError(
      fresh,
      "ValueTooLarge",
    );
    await fresh.record(5, 3, 1, 1, env.worker.address, env.worker.address, 1, 2, ethers.ZeroHash);
    await fresh.record(6, 0, 1, 1, env.worker.address, env.worker.address, 1, 2, ethers.ZeroHash);
    await fresh.record(5, 1, 1, 1, env.worker.address, env.worker.address, 1, 2, ethers.ZeroHash);
    // Per-job chains: job 5 holds records 1 and 3, job 6 record 2.
    expect(await fresh.recordIdsOfJob(5)).to.deep.equal([1n, 3n]);
    expect(await fresh.recordIdsOfJob(6)).to.deep.equal([2n]);
    expect((await fresh.entryOf(3)).previous).to.equal(1n);
    expect((await fresh.entryOf(1)).previous).to.equal(0n);
    const [log] = await fresh.queryFilter(fresh.filters.Recorded(3));
    const rec = log.args.record;
    expect([rec.jobId, rec.shardIndex, rec.submitter]).to.deep.equal([5n, 1n, env.worker.address]);
    expect(await fresh.isRecord(3, recordStruct(rec))).to.equal(true);
    expect(await fresh.isRecord(1, recordStruct(rec))).to.equal(false);
    const forged = { ...recordStruct(rec), outputCommitment: 3n };
    expect(await fresh.isRecord(3, forged)).to.equal(false);
    expect((await fresh.entryOf(3)).digest).to.equal(await fresh.digestOf(recordStruct(rec)));
    await expect(a.entryOf(0)).to.be.revertedWithCustomError(a, "RecordNotFound").withArgs(0);
    await expect(a.isRecord(1, recordStruct(rec))).to.be.revertedWithCustomError(a, "RecordNotFound").withArgs(1);
    expect(await a.recordIdsOfJob(1)).to.deep.equal([]);
  });

  it("refuses each id too wide for its packed record field with ValueTooLarge, and records the widest that fit", async function () {
    const env = await loadFixture(deployEnv);
    const fresh = await (await ethers.getContractFactory("InferenceAudit", env.owner)).deploy();
    await fresh.bindCore(env.owner.address);
    const [u64, u32] = [2n ** 64n - 1n, 2n ** 32n - 1n];
    const rec = (job: bigint, shard: bigint, model: bigint, version: bigint) =>
      fresh.record(job, shard, model, version, env.worker.address, env.worker.address, 1, 2, ethers.ZeroHash);
    for (const [field, args] of [
      ["shardIndex", [u64, u32 + 1n, u32, u32]],
      ["modelId", [u64, u32, u32 + 1n, u32]],
      ["modelVersion", [u64, u32, u32, u32 + 1n]],
    ] as const) {
      await expect(rec(...args), field).to.be.revertedWithCustomError(fresh, "ValueTooLarge");
    }
    expect(await fresh.recordCount()).to.equal(0n);
    await expect(rec(u64, u32, u32, u32)).to.emit(fresh, "Recorded");
    expect(await fresh.recordIdsOfJob(u64)).to.deep.equal([1n]);
  });

  it("anchors a proof verified outside jobs only after verifying it itself", async function () {
    const env: Env = await loadFixture(deployEnv);
    const a = env.audit.connect(env.keeper);
    const adapter = await env.verifiers.fixture_public.getAddress();
    const p = await proveFixture("fixture_public", [4n, 9n], 777n);
    await expect(a.anchor(env.worker.address, p.proof, p.signals)).to.be.revertedWithCustomError(a, "InvalidVerifier");
    await expect(a.anchor(adapter, p.proof, p.signals.slice(0, 2))).to.be.revertedWithCustomError(a, "TooFewSignals").withArgs(2);
    const wrong = [...p.signals];
    wrong[2] = 778n;
    await expect(a.anchor(adapter, p.proof, wrong)).to.be.revertedWithCustomError(a, "ProofRejected").withArgs(adapter);
    await expect(a.anchor(adapter, p.proof, p.signals)).to.emit(a, "Anchored");
    await a.anchor(adapter, p.proof, p.signals);
    const [log] = await a.queryFilter(a.filters.Anchored(1));
    const r = log.args.record;
    expect([log.args.submitter, log.args.verifier]).to.deep.equal([env.keeper.address, adapter]);
    expect(r.jobId).to.equal(0n);
    expect(r.outputCommitment).to.equal(p.outputCommitment);
    expect(r.inputCommitment).to.equal(p.inputCommitment);
    expect(r.proofHash).to.equal(ethers.keccak256(p.proof));
    expect(await a.isRecord(1, recordStruct(r))).to.equal(true);
    expect(await a.anchoredBy(env.keeper.address)).to.deep.equal([1n, 2n]);
    expect(await a.anchoredBy(env.worker.address)).to.deep.equal([]);
    expect(await a.recordCount()).to.equal(2n);
  });

  it("settlement records a real proof once per shard", async function () {
    const env = await loadFixture(deployEnv);
    await registerAndStake(env, env.worker);
    const job = await postJob(env, { shards: 2 });
    await env.core.connect(env.worker).claim(job.jobId, 1);
    const p = await proveShard(env, job, 1, env.worker.address);
    await env.core
      .connect(env.worker)
      .submitResult(job.jobId, 1, p.inputCommitment, job.tree.proof(1), p.outputCommitment, [], "bafy", p.proof);
    expect(await env.audit.recordIdsOfJob(job.jobId)).to.deep.equal([1n]);
  });
});
