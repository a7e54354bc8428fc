import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { hexlify, parseEther, randomBytes, type Signer } from "ethers";
import { computeBinding } from "../../lib/chain/binding";
import { deployProtocol, type ProtocolContracts } from "../../lib/chain/deployments";
import { ShardTree } from "../../lib/chain/merkle";
import { sealWithKey } from "../../lib/crypto";
import type { JobFile } from "../../lib/requester/job";
import { INLINE_PREFIX, outputRef } from "../../lib/requester/output-ref";
import { decryptOutputs } from "../../lib/requester/outputs";
import { resultsReport } from "../../lib/requester/report";
import { fetchJobResults } from "../../lib/requester/results";
import { encodeJson, type ShardResult } from "../../lib/requester/shard";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { encryptOutputs, FIELD_R, inputCommitment, outputCommitment, outputSalt } from "../../lib/zk/commitment";
import { uniformCalibration } from "../../lib/zk/model";
import { proveBatch, ProverThread, type ProveResult } from "../../lib/zk/prover";
import { quantizeInput } from "../../lib/zk/quantize";
import { registerOnnxModel, type Registered } from "../../lib/zk/register";
import { ENC_KEY } from "../helpers/protocol";
import { mlpOnnx } from "../zk/models";

const SHARDS = 3;

describe("security G-07: results you paid for are results you can read", function () {
  let c: ProtocolContracts;
  let store: ContentStore;
  let reg: Registered;
  let thread: ProverThread;
  let worker: Signer;
  let requester: Signer;
  let file: JobFile;
  let tree: ShardTree;
  let jobId: bigint;
  const inputs = uniformCalibration(8, 2 * SHARDS, 21);
  const shards = Array.from({ length: SHARDS }, (_, i) => inputs.slice(2 * i, 2 * i + 2));
  const dataKeys = shards.map(() => randomBytes(32));
  const salts = dataKeys.map((k) => outputSalt(k));
  const proofs: ProveResult[] = [];

  before(async function () {
    const [owner, modelOwner, req, w1] = await ethers.getSigners();
    [requester, worker] = [req, w1];
    ({ contracts: c } = await deployProtocol(owner, { treasury: owner.address, unbondingPeriod: 3600 }));
    store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "g07-store-")) } });
    // the same model as test/zk/settle.test.ts: its circuit comes from the same cache
    reg = await registerOnnxModel(
      { onnx: mlpOnnx(7, [8, 6, 3]), name: "mlp-8-6-3", feePerInference: parseEther("0.001"), batch: 2, calibration: uniformCalibration(8, 32, 5), quant: { rangeBits: 24, activationBits: 12 } },
      c.registry.connect(modelOwner), modelOwner, store,
    );
    thread = new ProverThread();
    await c.core.connect(worker).registerWorker("bafyworker", ENC_KEY);
    await c.core.connect(worker).stake({ value: parseEther("1") });
    // each shard's leaf commits its inputs under the salt of its data key (only requester and worker know it)
    const leaves = await Promise.all(shards.map((s, i) => inputCommitment(s.map((x) => quantizeInput(reg.artifacts.quant, x)), salts[i])));
    tree = new ShardTree(leaves);
    const params = { modelId: reg.modelId, modelVersion: 1, shardCount: SHARDS, inputRoot: tree.root, pricePerShard: parseEther("0.01"), collateral: parseEther("0.05"), claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: false, inputCount: 0 };
    await c.core.connect(requester).postJob(params, { value: await c.core.jobEscrowFor(params) });
    jobId = await c.core.jobCount();
    file = {
      chainId: (await ethers.provider.getNetwork()).chainId.toString(),
      core: await c.core.getAddress(),
      jobId: jobId.toString(),
      modelId: reg.modelId.toString(),
      modelVersion: 1,
      shards: leaves.map((l, i) => ({ packageCid: "bafyunused", inputCommitment: l.toString(), dataKey: hexlify(dataKeys[i]) })),
    };
    for (let i = 0; i < SHARDS; i++) {
      await c.core.connect(worker).claim(jobId, i);
      const binding = computeBinding({ chainId: BigInt(file.chainId), core: file.core, jobId, shardIndex: BigInt(i), worker: await worker.getAddress() });
      proofs.push(await proveBatch(reg.artifacts, shards[i], binding, { thread, salt: salts[i] }));
    }
  });
  after(async () => {
    await thread.close();
    await store.close();
  });

  const submit = (i: number, cipher: bigint[], outputCid = "", r = proofs[i]) =>
    c.core.connect(worker).submitResult(jobId, i, r.inputCommitment, tree.proof(i), r.outputCommitment, cipher, outputCid, r.proofBytes);

  it("G-07 a worker whose settlement does not carry the proven outputs is refused; the honest one is paid and the requester decrypts exactly them", async function () {
    const r = proofs[0];
    expect(reg.artifacts.layoutVersion).to.equal(2);
    expect(r.cipher).to.have.length(reg.artifacts.cipherWords);
    expect((await c.registry.getVersion(reg.modelId, 1)).layoutVersion).to.equal(2n);
    // withheld: no cipher words, or one word short
    await expect(submit(0, [])).to.be.revertedWithCustomError(c.core, "InvalidProof");
    await expect(submit(0, r.cipher.slice(1))).to.be.revertedWithCustomError(c.core, "InvalidProof");
    // garbage: a word changed, the outputs encrypted under another salt (readable by nobody who should), the outputs
    // in the clear (salt 0), another output vector under the right salt
    await expect(submit(0, [r.cipher[0] + 1n, ...r.cipher.slice(1)])).to.be.revertedWithCustomError(c.core, "InvalidProof");
    await expect(submit(0, await encryptOutputs(r.quantOutputs, 24, 12345n))).to.be.revertedWithCustomError(c.core, "InvalidProof");
    await expect(submit(0, await encryptOutputs(r.quantOutputs, 24, 0n))).to.be.revertedWithCustomError(c.core, "InvalidProof");
    const other = r.quantOutputs.map((v) => v.map((x, k) => (k === 0 ? x + 1n : x)));
    await expect(submit(0, await encryptOutputs(other, 24, salts[0]))).to.be.revertedWithCustomError(c.core, "InvalidProof");
    // a proof of the right inputs under another salt: its input commitment is not the posted leaf
    const binding = computeBinding({ chainId: BigInt(file.chainId), core: file.core, jobId, shardIndex: 0n, worker: await worker.getAddress() });
    const unsalted = await proveBatch(reg.artifacts, shards[0], binding, { thread });
    await expect(submit(0, unsalted.cipher, "", unsalted)).to.be.revertedWithCustomError(c.core, "InvalidInputProof");
    expect((await c.core.getShard(jobId, 0)).status).to.equal(1n); // still claimed, nobody paid

    // honest: the proof's own words, no off-chain result at all
    const before = await c.core.balanceOf(await worker.getAddress());
    await expect(submit(0, r.cipher)).to.emit(c.core, "ShardSettled").withArgs(jobId, 0, await worker.getAddress(), r.outputCommitment, r.cipher, "", (v: bigint) => v > 0n, (v: bigint) => v > 0n, (v: bigint) => v > 0n);
    expect(await c.core.balanceOf(await worker.getAddress())).to.be.greaterThan(before);
    const noStore = { get: async () => { throw new Error("no store"); } } as unknown as ContentStore;
    const { rows, unreadable } = await fetchJobResults(c.core, c.audit, noStore, file, { quant: reg.artifacts.quant, batch: 2 });
    expect(unreadable).to.deep.equal([]);
    expect(rows[0].quantizedOutputs).to.deep.equal(r.quantOutputs);
    expect(rows[0].floatFrom).to.equal("proof");
    // an observer without the data key reads nothing: its decryption is not the outputs
    const shape = { batch: 2, outSize: reg.artifacts.quant.outputSize, rangeBits: 24 };
    const observed = await decryptOutputs(r.cipher, undefined, shape).catch(() => null);
    expect(observed).to.not.deep.equal(r.quantOutputs);
    expect(r.cipher.every((w) => w < FIELD_R)).to.equal(true);
  });

  it("G-07 job:results marks nothing for a paid layout-2 shard: a missing or forged off-chain result only drops the float answer", async function () {
    // the reference worker's sealed result inline beside the cipher (float outputs, unproven)
    const honest: ShardResult = {
      version: 1, jobId: file.jobId, shardIndex: 1, outputs: proofs[1].floatOutputs,
      quantizedOutputs: proofs[1].quantOutputs.map((v) => v.map(String)), outputCommitment: proofs[1].outputCommitment.toString(),
    };
    await (await submit(1, proofs[1].cipher, await outputRef(sealWithKey(encodeJson(honest), dataKeys[1]), (b) => store.put(b)))).wait();
    // a result reference nobody serves, and inline bytes not sealed to the shard's key
    await (await submit(2, proofs[2].cipher, INLINE_PREFIX + Buffer.from(sealWithKey(encodeJson({ garbage: true }), randomBytes(32))).toString("base64"))).wait();

    const { rows, unreadable } = await fetchJobResults(c.core, c.audit, store, file, { quant: reg.artifacts.quant, batch: 2 });
    expect(unreadable).to.deep.equal([]);
    expect(rows.map((r) => r.shardIndex)).to.deep.equal([0, 1, 2]);
    rows.forEach((row, i) => expect(row.quantizedOutputs).to.deep.equal(proofs[i].quantOutputs));
    expect(rows.map((r) => r.floatFrom)).to.deep.equal(["proof", "worker", "proof"]);
    expect(rows[1].outputs).to.deep.equal(proofs[1].floatOutputs);
    const lines = resultsReport(jobId, rows, file, undefined, unreadable).lines;
    expect(lines[0]).to.equal(`job ${jobId}: ${SHARDS}/${SHARDS} shards settled and checked`);
    expect(lines.some((l) => l.includes("!"))).to.equal(false);
  });

  it("G-07 layout 1 (no cipher; externally built verifiers): a settled shard whose off-chain result is missing, or does not hash to the proven commitment, is marked, and the rest are read", async function () {
    // bookkeeping only: the verifier accepts exactly the layout-1 signals of the context its "proof" encodes
    const verifier = await (await ethers.getContractFactory("BookkeepingVerifier")).deploy();
    const [, modelOwner] = await ethers.getSigners();
    const spec = { onnxCid: "bafyonnx", circuitCid: "bafycircuit", provingKeyCid: "bafyzkey", circuitHash: ethers.ZeroHash, verifier: await verifier.getAddress(), proofSystem: 1, layoutVersion: 1, batchSize: 2, numPublicSignals: 3, devSetup: true, modelCommitment: 0n };
    await c.registry.connect(modelOwner).registerModel("external-v1", 0, spec);
    const modelId = await c.registry.modelCount();
    const outs = [[[1n, -2n, 3n], [4n, 5n, -6n]], [[7n, 8n, 9n], [0n, 0n, 1n]], [[2n, 2n, 2n], [3n, 3n, 3n]]];
    const keys = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const leaves = [11n, 12n, 13n];
    const v1tree = new ShardTree(leaves);
    const params = { modelId, modelVersion: 1, shardCount: 3, inputRoot: v1tree.root, pricePerShard: parseEther("0.01"), collateral: 0n, claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: true, inputCount: 0 };
    await c.core.connect(requester).postJob(params, { value: await c.core.jobEscrowFor(params) });
    const v1Job = await c.core.jobCount();
    const v1File: JobFile = { ...file, jobId: v1Job.toString(), modelId: modelId.toString(), shards: leaves.map((l, i) => ({ packageCid: "bafyunused", inputCommitment: l.toString(), dataKey: hexlify(keys[i]) })) };
    const coder = ethers.AbiCoder.defaultAbiCoder();
    for (const i of [0, 1, 2]) {
      await c.core.connect(worker).claim(v1Job, i);
      const out = await outputCommitment(outs[i], 24);
      const proof = coder.encode(["uint256", "address", "uint256", "uint256", "address", "uint256", "uint256"], [file.chainId, file.core, v1Job, i, await worker.getAddress(), out, leaves[i]]);
      const result: ShardResult = { version: 1, jobId: v1File.jobId, shardIndex: i, outputs: outs[i].map((v) => v.map(Number)), quantizedOutputs: outs[i].map((v) => v.map(String)), outputCommitment: out.toString() };
      // shard 1: a reference nobody serves; shard 2: sealed to the right key and shard, but its outputs are not the proven ones
      if (i === 2) result.quantizedOutputs = [["2", "2", "2"], ["3", "3", "4"]];
      const ref = i === 1 ? "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy" : INLINE_PREFIX + Buffer.from(sealWithKey(encodeJson(result), keys[i])).toString("base64");
      await (await c.core.connect(worker).submitResult(v1Job, i, leaves[i], v1tree.proof(i), out, [], ref, proof)).wait();
    }
    const quant = { ...reg.artifacts.quant, rangeBits: 24, outputSize: 3 };
    const { rows, unreadable } = await fetchJobResults(c.core, c.audit, store, v1File, { quant, batch: 2 });
    expect(rows.map((r) => r.shardIndex)).to.deep.equal([0]);
    expect(rows[0].quantizedOutputs).to.deep.equal(outs[0]);
    expect(unreadable.map((u) => [u.shardIndex, u.problem.split(":")[0]])).to.deep.equal([[1, "output not retrievable"], [2, "quantized outputs do not hash to the proven output commitment"]]);
    expect(unreadable.map((u) => u.worker)).to.deep.equal([await worker.getAddress(), await worker.getAddress()]);
    const report = resultsReport(v1Job, rows, v1File, undefined, unreadable).lines;
    expect(report[0]).to.equal(`job ${v1Job}: 1 settled shard checked; 2 settled with an unreadable output (marked ! below)`);
    // the table: shard 0's predictions, shards 1 and 2 marked with their reason
    expect(report.slice(2).map((l) => l.split(/\s+/).slice(0, 4).join(" "))).to.deep.equal([
      `0 ${rows[0].recordId} ${await worker.getAddress()} 2,1`,
      `1 ${unreadable[0].recordId} ${await worker.getAddress()} !`,
      `2 ${unreadable[1].recordId} ${await worker.getAddress()} !`,
    ]);
  });
});
