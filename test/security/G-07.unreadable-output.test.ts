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
import { INLINE_OUTPUT_MAX, INLINE_PREFIX, outputRef } from "../../lib/requester/output-ref";
import { resultsReport } from "../../lib/requester/report";
import { fetchJobResults } from "../../lib/requester/results";
import { encodeJson, type ShardResult } from "../../lib/requester/shard";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { inputCommitment } from "../../lib/zk/commitment";
import { uniformCalibration } from "../../lib/zk/model";
import { proveBatch, ProverThread, type ProveResult } from "../../lib/zk/prover";
import { quantizeInput } from "../../lib/zk/quantize";
import { registerOnnxModel, type Registered } from "../../lib/zk/register";
import { ENC_KEY } from "../helpers/protocol";
import { mlpOnnx } from "../zk/models";

const SHARDS = 4;

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
    const leaves = await Promise.all(shards.map((s) => inputCommitment(s.map((x) => quantizeInput(reg.artifacts.quant, x)))));
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
  });
  after(async () => {
    await thread.close();
    await store.close();
  });

  /** Claims shard i, proves it for real and settles it with the output reference `ref(result)` makes. */
  async function settle(i: number, ref: (r: ProveResult, sealed: Uint8Array) => Promise<string>): Promise<bigint> {
    await c.core.connect(worker).claim(jobId, i);
    const binding = computeBinding({ chainId: BigInt(file.chainId), core: file.core, jobId, shardIndex: BigInt(i), worker: await worker.getAddress() });
    const r = await proveBatch(reg.artifacts, shards[i], binding, { thread });
    const result: ShardResult = {
      version: 1, jobId: file.jobId, shardIndex: i, outputs: r.floatOutputs,
      quantizedOutputs: r.quantOutputs.map((v) => v.map(String)), outputCommitment: r.outputCommitment.toString(),
    };
    const outputCid = await ref(r, sealWithKey(encodeJson(result), dataKeys[i]));
    const tx = await c.core.connect(worker).submitResult(jobId, i, r.inputCommitment, tree.proof(i), r.outputCommitment, outputCid, r.proofBytes);
    return (await tx.wait())!.gasUsed;
  }

  it("G-07 a paid shard whose output is missing or does not match its commitment is marked, and the rest are read", async function () {
    // honest: the reference worker's submission carries the sealed result inline
    await settle(0, (_, sealed) => outputRef(sealed, (b) => store.put(b)));
    // attack 1: a CID nobody serves
    await settle(1, async () => "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    // attack 2: a well-sealed result whose quantized outputs were changed after proving
    await settle(2, async (r) => {
      const forged: ShardResult = {
        version: 1, jobId: file.jobId, shardIndex: 2, outputs: r.floatOutputs,
        quantizedOutputs: r.quantOutputs.map((v) => v.map((x) => String(x + 1n))), outputCommitment: r.outputCommitment.toString(),
      };
      return INLINE_PREFIX + Buffer.from(sealWithKey(encodeJson(forged), dataKeys[2])).toString("base64");
    });
    // attack 3: inline bytes that are not sealed to the shard's key
    await settle(3, async () => INLINE_PREFIX + Buffer.from(sealWithKey(encodeJson({ garbage: true }), randomBytes(32))).toString("base64"));

    const { rows, unreadable } = await fetchJobResults(c.core, c.audit, store, file, 24);
    expect(rows.map((r) => r.shardIndex)).to.deep.equal([0]);
    expect(rows[0].predictions).to.have.length(2);
    expect(unreadable.map((u) => u.shardIndex)).to.deep.equal([1, 2, 3]);
    expect(unreadable[0].problem).to.match(/^output not retrievable/);
    expect(unreadable[1].problem).to.equal("quantized outputs do not hash to the proven output commitment");
    expect(unreadable[2].problem).to.match(/^output does not open under the shard's key/);
    for (const u of unreadable) expect(u.worker).to.equal(await worker.getAddress());
    const lines = resultsReport(jobId, rows, file, undefined, unreadable).lines;
    expect(lines[0]).to.equal(`job ${jobId}: 1 settled shard checked; 3 settled with an unreadable output (marked ! below)`);
    expect(lines.filter((l) => /^\d+ +\d+ +0x[0-9a-fA-F]{40}  ! /.test(l))).to.have.length(3);
  });

  it("G-07 honest path: the reference worker's result rides inline in the settlement and reads back without any store", async function () {
    const settled = await c.core.queryFilter(c.core.filters.ShardSettled(jobId, 0));
    expect(settled[0].args.outputCid.startsWith(INLINE_PREFIX)).to.equal(true);
    expect(Buffer.from(settled[0].args.outputCid.slice(INLINE_PREFIX.length), "base64").length).to.be.at.most(INLINE_OUTPUT_MAX);
    const noStore = { get: async () => { throw new Error("no store"); } } as unknown as ContentStore;
    const { rows } = await fetchJobResults(c.core, c.audit, noStore, file, 24);
    expect(rows.map((r) => r.shardIndex)).to.deep.equal([0]);
    // a result over the inline limit goes to the store
    const big = new Uint8Array(INLINE_OUTPUT_MAX + 1);
    expect(await outputRef(big, async () => "bafybig")).to.equal("bafybig");
  });
});
