/**
 * Ceremony setups end to end, offline: a multi-party phase 1 made with snarkjs (test/helpers/ptau.ts), a phase 2 with
 * three named contributors (owner, worker, requester) and two griefers, finalization on the longest valid chain, the
 * transcript checked by anyone, and a job settled on the ceremony verifier with real proofs. Then the threat: a DEV
 * setup's trapdoor forges a proof its verifier accepts and the ceremony verifier refuses.
 */
import { expect } from "chai";
import { ENC_KEY } from "../helpers/protocol";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { parseEther, type Signer } from "ethers";
import { computeBinding } from "../../lib/chain/binding";
import { deployProtocol, type ProtocolContracts } from "../../lib/chain/deployments";
import { ShardTree } from "../../lib/chain/merkle";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { contributeKey, keyContributions, matchChain, verifyKey } from "../../lib/zk/ceremony";
import { contribute, fetchFile, finalize, readCeremony, registerCeremonyModel, trustLine, verifySetup, type CeremonyRegistered } from "../../lib/zk/ceremony-chain";
import { CeremonyError } from "../../lib/zk/ceremony-error";
import { fetchArtifacts } from "../../lib/zk/bundle";
import { inputCommitment, outputCommitment } from "../../lib/zk/commitment";
import { uniformCalibration } from "../../lib/zk/model";
import { proveBatch, ProverThread } from "../../lib/zk/prover";
import { binSections, checkPtau } from "../../lib/zk/ptau";
import { quantizeInput } from "../../lib/zk/quantize";
import { devSetup, getCurve, type DevTrapdoor } from "../../lib/zk/setup";
import { deployVettedVerifier, type SnarkjsVkey } from "../../lib/zk/vk-verifier";
import { encodeProof, type Groth16Proof } from "../../lib/zk/verifier";
import { IProofVerifier__factory } from "../../typechain-types";
import { prewarmTestPtau, testPtau } from "../helpers/ptau";
import { mlpOnnx } from "./models";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const named = async (p: Promise<unknown>, code: string) => {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(CeremonyError, (err as Error).message);
    expect((err as CeremonyError).code, (err as Error).message).to.equal(code);
    return (err as Error).message;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
};

/** Test forger: with a setup's gamma and delta, shifts C so that a proof of `signals` verifies for `forged`. */
async function forge(proof: Groth16Proof, vkey: SnarkjsVkey, signals: bigint[], forged: bigint[], gamma: bigint, delta: bigint): Promise<Groth16Proof> {
  const curve = await getCurve();
  const G1 = curve.G1;
  const pt = (p: string[]) => G1.fromObject([BigInt(p[0]), BigInt(p[1]), 1n]);
  let shift = G1.zero;
  signals.forEach((s, i) => {
    const d = (((forged[i] - s) % R) + R) % R;
    if (d !== 0n) shift = G1.add(shift, G1.timesScalar(pt(vkey.IC[i + 1]), d));
  });
  const k = (gamma * modInv(delta)) % R;
  // add(neg(.)): ffjavascript's G1.sub of an affine and a Jacobian point is wrong
  const c = G1.toAffine(G1.add(G1.neg(G1.timesScalar(shift, k)), pt(proof.pi_c)));
  const [x, y] = G1.toObject(c) as bigint[];
  return { ...proof, pi_c: [x.toString(), y.toString(), "1"] };
}

function modInv(a: bigint): bigint {
  let [t, nt, r, nr] = [0n, 1n, R, a % R];
  while (nr !== 0n) {
    const q = r / nr;
    [t, nt] = [nt, t - q * nt];
    [r, nr] = [nr, r - q * nr];
  }
  return (t + R) % R;
}

prewarmTestPtau(12);

describe("zk: ceremony setups (phase 1 from a ptau, phase 2 with named contributors)", function () {
  this.timeout(900_000);
  let c: ProtocolContracts;
  let store: ContentStore;
  let ptau: string;
  let reg: CeremonyRegistered;
  let owner: Signer, requester: Signer, worker: Signer, griefer: Signer, finalizer: Signer;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "ceremony-"));
  const inputs = uniformCalibration(8, 2, 41);
  const ctx = (signer: Signer) => ({ registry: c.registry, signer, store, cacheDir });
  const mine = async (n: number) => void (await ethers.provider.send("hardhat_mine", ["0x" + n.toString(16)]));

  before(async function () {
    const signers = await ethers.getSigners();
    [finalizer, owner, requester, worker, griefer] = signers;
    ({ contracts: c } = await deployProtocol(finalizer, { treasury: signers[0].address, unbondingPeriod: 3600 }));
    store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "ceremony-store-")) } });
    ptau = await testPtau(12);
  });
  after(async () => store.close());

  it("accepts a multi-party ptau after verifying it, and refuses one whose powers are inconsistent (PtauInvalid)", async () => {
    const ok = await checkPtau(ptau);
    expect(ok.source).to.equal("verified");
    expect(ok.power).to.equal(12);
    expect(ok.contributions).to.equal(4); // three contributions and the beacon
    const bad = path.join(cacheDir, "bad.ptau");
    const b = fs.readFileSync(ptau);
    const p = binSections(ptau, "ptau")[2].p; // tau^3 and tau^4 in G1 swapped
    const t3 = Buffer.from(b.subarray(p + 3 * 64, p + 4 * 64));
    b.copy(b, p + 3 * 64, p + 4 * 64, p + 5 * 64);
    t3.copy(b, p + 4 * 64);
    fs.writeFileSync(bad, b);
    await named(checkPtau(bad), "PtauInvalid");
  });

  it("registers with the owner's contribution; a worker contributes; griefers' bad contributions are skipped, not built on", async () => {
    reg = await registerCeremonyModel(
      { onnx: mlpOnnx(7, [8, 6, 3]), name: "mlp-ceremony", feePerInference: parseEther("0.001"), batch: 2, calibration: uniformCalibration(8, 32, 5), quant: { rangeBits: 24, activationBits: 12 }, ptau, deadlineBlocks: 40, cacheRoot: path.join(cacheDir, "zk") },
      c.registry.connect(owner), owner, store,
    );
    const v = await c.registry.getVersion(reg.modelId, 1);
    expect(v.devSetup).to.equal(false);
    expect(v.verifier).to.equal(ethers.ZeroAddress);
    const cer = (await readCeremony(c.registry, reg.modelId, 1))!;
    expect(cer.ptauHash).to.equal(reg.ptau.hash32);
    expect(cer.contributions[0].contributor).to.equal(await owner.getAddress());
    // no job before the ceremony is final
    await expect(c.registry.jobTerms(reg.modelId, 1)).to.be.revertedWithCustomError(c.registry, "CeremonyNotFinalized");

    const w = await contribute(ctx(worker), reg.modelId);
    expect([w.index, w.parent]).to.deep.equal([1, 0]);

    // griefer 1: a key built on #0 recorded as built on #1 (its history skips the worker's contribution)
    const prev0 = await fetchFile(store, cer.contributions[0].keyCid, cacheDir);
    const g1 = await contributeKey(prev0, path.join(cacheDir, "g1.zkey"), await griefer.getAddress());
    await (await c.registry.connect(griefer).contribute(reg.modelId, 1, 1, g1.hash32, await store.put(fs.readFileSync(path.join(cacheDir, "g1.zkey"))))).wait();
    // griefer 2 records a key that names the worker as its contributor
    const prev1 = await fetchFile(store, w.keyCid, cacheDir);
    const g2 = await contributeKey(prev1, path.join(cacheDir, "g2.zkey"), await worker.getAddress());
    await (await c.registry.connect(griefer).contribute(reg.modelId, 1, 1, g2.hash32, await store.put(fs.readFileSync(path.join(cacheDir, "g2.zkey"))))).wait();
    // the same contribution cannot be recorded twice
    await expect(c.registry.connect(finalizer).contribute(reg.modelId, 1, 1, g2.hash32, "bafyx")).to.be.revertedWithCustomError(c.registry, "DuplicateContribution");

    const r = await contribute(ctx(requester), reg.modelId);
    expect(r.parent, r.skipped.join("\n")).to.equal(1);
    expect(r.skipped.join("\n")).to.match(/#2 by .*ContributionSkipped/).and.match(/#3 by .*ContributorMismatch/);
  });

  it("refuses a tampered contribution (ContributionInvalid) and transcripts that skip or reorder contributions", async () => {
    const cer = (await readCeremony(c.registry, reg.modelId, 1))!;
    const key = await fetchFile(store, cer.contributions[4].keyCid, cacheDir);
    const init = fs.readdirSync(cacheDir).find((f) => f.startsWith("init-"))!;
    const tampered = path.join(cacheDir, "tampered.zkey");
    const b = fs.readFileSync(key);
    const h = binSections(key, "zkey")[9].p + 64 * 7; // one H point replaced by another
    b.copy(b, h, h + 64, h + 128);
    fs.writeFileSync(tampered, b);
    await named(verifyKey(path.join(cacheDir, init), ptau, tampered), "ContributionInvalid");
    const contribs = await keyContributions(key);
    const [c0, c1, , , c4] = cer.contributions;
    expect(() => matchChain(contribs, [c0, c1, c4])).not.to.throw();
    expect(() => matchChain(contribs, [c0, c4])).to.throw(CeremonyError, /ContributionOutOfOrder/);
    expect(() => matchChain(contribs, [c1, c0, c4])).to.throw(CeremonyError, /ContributionOutOfOrder/);
    expect(() => matchChain(contribs, [c0, cer.contributions[2], c1, c4])).to.throw(CeremonyError, /ContributionSkipped/);
    expect(() => matchChain(contribs, [c0, c1])).to.throw(CeremonyError, /UnrecordedContribution/);
    expect(() => matchChain(contribs, [c0, { ...c1, contributor: cer.contributions[2].contributor }, c4])).to.throw(CeremonyError, /ContributorMismatch/);
  });

  it("finalizes after the deadline on the longest valid chain with a block-hash beacon; anyone verifies the transcript", async () => {
    await expect(finalize(ctx(finalizer), reg.modelId)).to.be.rejectedWith(/CeremonyStillOpen/);
    const f = await finalize({ ...ctx(finalizer), mine }, reg.modelId);
    expect(f.chain).to.deep.equal([0, 1, 4]);
    expect(f.skipped).to.have.length(2);
    const v = await verifySetup({ registry: c.registry, store, cacheDir: path.join(cacheDir, "anyone") }, reg.modelId);
    expect(v.ok, v.error).to.equal(true);
    expect(v.trusted).to.deep.equal(await Promise.all([owner, worker, requester].map((s) => s.getAddress())));
    expect(v.contributors.map((x) => x.inFinalChain)).to.deep.equal([true, true, false, false, true]);
    expect(trustLine(v, await requester.getAddress(), [])).to.match(/you contributed to its ceremony: you need to trust no one/);
    expect(trustLine(v, await finalizer.getAddress(), [])).to.match(/you trust that one of .* was honest/);
    await expect(c.registry.sealCeremony(reg.modelId, 1)).to.be.revertedWithCustomError(c.registry, "CeremonyAlreadySealed");
  });

  it("settles a job on the ceremony verifier with a real proof; the owner's pre-ceremony key and a DEV forgery are refused", async () => {
    const v = await c.registry.getVersion(reg.modelId, 1);
    expect(v.vetted).to.equal(true);
    const art = await fetchArtifacts({ onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid }, v.circuitHash, store, path.join(cacheDir, "worker"));
    await c.core.connect(worker).registerWorker("bafyworker", ENC_KEY);
    await c.core.connect(worker).stake({ value: parseEther("1") });
    const tree = new ShardTree([await inputCommitment(inputs.map((x) => quantizeInput(art.quant, x)))]);
    const params = { modelId: reg.modelId, modelVersion: 1, shardCount: 1, inputCount: 2, inputRoot: tree.root, pricePerShard: parseEther("0.01"), collateral: parseEther("0.05"), claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: false };
    await c.core.connect(requester).postJob(params, { value: await c.core.jobEscrowFor(params) });
    const jobId = await c.core.jobCount();
    await c.core.connect(worker).claim(jobId, 0);
    const binding = computeBinding({ chainId: (await ethers.provider.getNetwork()).chainId, core: await c.core.getAddress(), jobId, shardIndex: 0n, worker: await worker.getAddress() });
    const thread = new ProverThread();
    try {
      const ceremonyVerifier = IProofVerifier__factory.connect(v.verifier, ethers.provider);
      // a proof made with the owner's own (pre-ceremony) key
      const ownerKey = await fetchFile(store, (await readCeremony(c.registry, reg.modelId, 1))!.contributions[0].keyCid, cacheDir);
      const early = await proveBatch({ ...art, files: { ...art.files, zkey: ownerKey } }, inputs, binding, { thread });
      expect(await ceremonyVerifier.verifyProof(early.proofBytes, early.publicSignals)).to.equal(false);

      // the threat: a DEV setup of the same circuit whose trapdoor the forger knows
      const trap: DevTrapdoor = { tau: 5n ** 40n, alpha: 7n ** 30n, beta: 11n ** 20n, gamma: 13n ** 25n, delta: 17n ** 22n };
      const devKey = path.join(cacheDir, "dev.zkey");
      await devSetup(reg.artifacts.files.r1cs, devKey, trap);
      const devVkey = (await snarkjs.zKey.exportVerificationKey(devKey)) as SnarkjsVkey;
      const devVerifier = IProofVerifier__factory.connect(await deployVettedVerifier(c.registry, owner, devVkey), ethers.provider);
      const honestDev = await proveBatch({ ...art, files: { ...art.files, zkey: devKey } }, inputs, binding, { thread });
      const wrong = await outputCommitment([[1n, 2n, 3n], [4n, 5n, 6n]], 24);
      const forgedSignals = [wrong, ...honestDev.publicSignals.slice(1)];
      const forgedDev = await forge(honestDev.proof as Groth16Proof, devVkey, honestDev.publicSignals, forgedSignals, trap.gamma, trap.delta);
      expect(await devVerifier.verifyProof(encodeProof(forgedDev), forgedSignals)).to.equal(true); // the DEV verifier is fooled
      // the same forgery against the ceremony key (its gamma is the generator; its delta no one knows)
      const honest = await proveBatch(art, inputs, binding, { thread });
      const cerVkey = JSON.parse(fs.readFileSync(art.files.vkey, "utf8")) as SnarkjsVkey;
      for (const guess of [trap.delta, 1n]) {
        const forged = await forge(honest.proof as Groth16Proof, cerVkey, honest.publicSignals, forgedSignals, 1n, guess);
        expect(await ceremonyVerifier.verifyProof(encodeProof(forged), forgedSignals)).to.equal(false);
        await expect(c.core.connect(worker).submitResult(jobId, 0, honest.inputCommitment, tree.proof(0), wrong, honest.cipher, "bafyout", encodeProof(forged))).to.be.revertedWithCustomError(c.core, "InvalidProof");
      }
      await expect(c.core.connect(worker).submitResult(jobId, 0, early.inputCommitment, tree.proof(0), early.outputCommitment, early.cipher, "bafyout", early.proofBytes)).to.be.revertedWithCustomError(c.core, "InvalidProof");
      await (await c.core.connect(worker).submitResult(jobId, 0, honest.inputCommitment, tree.proof(0), honest.outputCommitment, honest.cipher, "bafyout", honest.proofBytes)).wait();
      expect((await c.core.getShard(jobId, 0)).status).to.equal(2n);
    } finally {
      await thread.close();
    }
  });
});
