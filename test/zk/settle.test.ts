import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { parseEther, type Signer } from "ethers";
import { computeBinding } from "../../lib/chain/binding";
import { deployProtocol, type ProtocolContracts } from "../../lib/chain/deployments";
import { ShardTree } from "../../lib/chain/merkle";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { inputCommitment } from "../../lib/zk/commitment";
import { fetchArtifacts } from "../../lib/zk/bundle";
import { uniformCalibration } from "../../lib/zk/model";
import { proveBatch, ProverThread } from "../../lib/zk/prover";
import { quantizeInput } from "../../lib/zk/quantize";
import { registerOnnxModel, type Registered } from "../../lib/zk/register";
import { mlpOnnx } from "./models";

describe("zk: register an ONNX model and settle through the core", function () {
  let c: ProtocolContracts;
  let store: ContentStore;
  let reg: Registered;
  let thread: ProverThread;
  let worker: Signer;
  let worker2: Signer;
  let requester: Signer;
  const inputs = uniformCalibration(8, 4, 21);
  const shards = [inputs.slice(0, 2), inputs.slice(2, 4)];
  let tree: ShardTree;
  let jobId: bigint;

  const bindingFor = async (shard: number, w: Signer) =>
    computeBinding({ chainId: (await ethers.provider.getNetwork()).chainId, core: await c.core.getAddress(), jobId, shardIndex: BigInt(shard), worker: await w.getAddress() });

  before(async function () {
    const [owner, modelOwner, req, w1, w2] = await ethers.getSigners();
    [requester, worker, worker2] = [req, w1, w2];
    ({ contracts: c } = await deployProtocol(owner, { treasury: owner.address, unbondingPeriod: 3600 }));
    store = createContentStore({ kind: "embedded", embedded: { dir: fs.mkdtempSync(path.join(os.tmpdir(), "zk-store-")) } });
    reg = await registerOnnxModel(
      { onnx: mlpOnnx(7, [8, 6, 3]), name: "mlp-8-6-3", feePerInference: parseEther("0.001"), batch: 2, calibration: uniformCalibration(8, 32, 5), quant: { rangeBits: 24, activationBits: 12 } },
      c.registry.connect(modelOwner), modelOwner, store,
    );
    thread = new ProverThread();
    for (const w of [worker, worker2]) {
      await c.core.connect(w).registerWorker("bafyworker", "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
      await c.core.connect(w).stake({ value: parseEther("1") });
    }
    const leaves = await Promise.all(shards.map((s) => inputCommitment(s.map((x) => quantizeInput(reg.artifacts.quant, x)))));
    tree = new ShardTree(leaves);
    const params = { modelId: reg.modelId, modelVersion: 1, shardCount: 2, inputRoot: tree.root, pricePerShard: parseEther("0.01"), collateral: parseEther("0.05"), claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: false, inputCount: 0 };
    await c.core.connect(requester).postJob(params, { value: await c.core.jobEscrowFor(params) });
    jobId = await c.core.jobCount();
  });
  after(async () => {
    await thread.close();
    await store.close();
  });

  it("registers a flagged dev-setup version whose artifacts can be fetched back by CID", async () => {
    const v = await c.registry.getVersion(reg.modelId, 1);
    expect(v.devSetup).to.equal(true);
    expect(v.circuitHash).to.equal(reg.artifacts.circuitHash);
    expect(v.numPublicSignals).to.equal(4n); // layout 2: output, input, one cipher word (6 outputs of 24 bits), binding
    expect(v.layoutVersion).to.equal(2n);
    expect(v.batchSize).to.equal(2n);
    const fetched = await fetchArtifacts(reg.cids, v.circuitHash, store, fs.mkdtempSync(path.join(os.tmpdir(), "zk-fetch-")));
    expect(fs.readFileSync(fetched.files.zkey)).to.deep.equal(fs.readFileSync(reg.artifacts.files.zkey));
  });

  it("rejects a proof for a different input leaf, a swapped binding and a tampered proof; settles a real one", async () => {
    await c.core.connect(worker).claim(jobId, 0);
    // Proof of shard 1's inputs submitted with shard 0's leaf: the input commitment signal differs from the leaf.
    const wrongInputs = await proveBatch(reg.artifacts, shards[1], await bindingFor(0, worker), { thread });
    await expect(c.core.connect(worker).submitResult(jobId, 0, tree.commitments[0], tree.proof(0), wrongInputs.outputCommitment, wrongInputs.cipher, "bafyout", wrongInputs.proofBytes)).to.be.revertedWithCustomError(c.core, "InvalidProof");
    // A proof bound to another worker.
    const swapped = await proveBatch(reg.artifacts, shards[0], await bindingFor(0, worker2), { thread });
    await expect(c.core.connect(worker).submitResult(jobId, 0, swapped.inputCommitment, tree.proof(0), swapped.outputCommitment, swapped.cipher, "bafyout", swapped.proofBytes)).to.be.revertedWithCustomError(c.core, "InvalidProof");
    // The right proof, tampered (a.y + 1 is off the curve) and with a tampered output commitment.
    const good = await proveBatch(reg.artifacts, shards[0], await bindingFor(0, worker), { thread });
    const bad = good.proofBytes.slice(0, 66) + (BigInt("0x" + good.proofBytes.slice(66, 130)) + 1n).toString(16).padStart(64, "0") + good.proofBytes.slice(130);
    await expect(c.core.connect(worker).submitResult(jobId, 0, good.inputCommitment, tree.proof(0), good.outputCommitment, good.cipher, "bafyout", bad)).to.be.revertedWithCustomError(c.core, "InvalidProof");
    await expect(c.core.connect(worker).submitResult(jobId, 0, good.inputCommitment, tree.proof(0), good.outputCommitment + 1n, good.cipher, "bafyout", good.proofBytes)).to.be.revertedWithCustomError(c.core, "InvalidProof");
    const tx = await c.core.connect(worker).submitResult(jobId, 0, good.inputCommitment, tree.proof(0), good.outputCommitment, good.cipher, "bafyout", good.proofBytes);
    const receipt = await tx.wait();
    expect(receipt?.status).to.equal(1);
    expect((await c.core.getShard(jobId, 0)).status).to.equal(2n);
  });
});
