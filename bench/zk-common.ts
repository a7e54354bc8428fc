/** Shared by the zk benchmarks (bench:zk, bench:zk-lenet): on-chain verify gas and one settlement through the core. */
import fs from "node:fs";
import { ethers } from "hardhat";
import { parseEther, type Signer } from "ethers";
import { computeBinding } from "../lib/chain/binding";
import type { ProtocolContracts } from "../lib/chain/deployments";
import { ShardTree } from "../lib/chain/merkle";
import { inputCommitment } from "../lib/zk/commitment";
import type { ModelArtifacts } from "../lib/zk/model";
import { proveBytes, type ProverThread } from "../lib/zk/prover";
import { compileVerifier, decodeProof, deployVerifier, encodeProof } from "../lib/zk/verifier";

/** Deploys the model's raw verifier, checks `proof` on it and returns its execution gas (without the 21k base). */
export async function gasOf(art: ModelArtifacts, proof: Awaited<ReturnType<ProverThread["prove"]>>) {
  const [signer] = await ethers.getSigners();
  const v = await deployVerifier(compileVerifier(fs.readFileSync(art.files.verifier, "utf8")), signer);
  const p = decodeProof(encodeProof(proof.proof));
  const sig = proof.publicSignals.map(BigInt);
  if (!(await v.contract.verifyProof(p.a, p.b, p.c, sig))) throw new Error("bench: on-chain verification failed");
  const gas = await v.contract.verifyProof.estimateGas(p.a, p.b, p.c, sig);
  return { verifyGas: Number(gas) - 21_000, codeSize: v.codeSize };
}

/** One job of one shard through the real core: post, claim, prove (bound to the claim), settle; returns gasUsed. */
export async function settleGas(c: ProtocolContracts, modelId: bigint, art: ModelArtifacts, bytes: number[][], worker: Signer, thread: ProverThread) {
  const [, requester] = await ethers.getSigners();
  const tree = new ShardTree([await inputCommitment(bytes)]);
  const params = { modelId, modelVersion: 1, shardCount: 1, inputRoot: tree.root, pricePerShard: parseEther("0.01"), collateral: parseEther("0.05"), claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: false, inputCount: 0 };
  await (await c.core.connect(requester).postJob(params, { value: await c.core.jobEscrowFor(params) })).wait();
  const jobId = await c.core.jobCount();
  await (await c.core.connect(worker).claim(jobId, 0)).wait();
  const binding = computeBinding({ chainId: (await ethers.provider.getNetwork()).chainId, core: await c.core.getAddress(), jobId, shardIndex: 0n, worker: await worker.getAddress() });
  const p = await proveBytes(thread, art, bytes, binding);
  const sig = p.publicSignals.map(BigInt);
  // layout 2: [output, input, cipher[W], binding] (public weights)
  const tx = await c.core.connect(worker).submitResult(jobId, 0, sig[1], tree.proof(0), sig[0], sig.slice(2, -1), "", encodeProof(p.proof));
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new Error("bench: settlement failed");
  return Number(receipt.gasUsed);
}

