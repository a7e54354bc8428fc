/**
 * Re-verification of an audit record in the page, with no server in the trust path: the proof comes from the
 * settling transaction's calldata (submitResult, or anchor for an anchored proof), the public signals (layout 2, with the output cipher words from the calldata) are
 * rebuilt as the core binds them (lib/chain/binding.ts, lib/mesh/verify.ts), the verification key comes from the
 * model version's circuit bundle read by CID (every block checked), and snarkjs `groth16.verify` decides. This module
 * and snarkjs load only when a re-verify button is pressed.
 */
import { decodeAbiParameters, decodeFunctionData, encodeAbiParameters, keccak256, parseAbiParameters, type Address, type Hex, type PublicClient } from "viem";
import { auditAbi, coreAbi } from "../generated/abis";
import { readCircuitBundle } from "../storage/circuitBundle";

/** BN254 scalar field order r. */
const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export interface RecordRef {
  kind: "settlement" | "anchor";
  job: string;
  shard: number;
  model: string;
  version: number;
  worker: string;
  proofHash: string;
  tx: string;
}

export interface BrowserVerdict {
  valid: boolean;
  proofHashMatches: boolean;
  signals: string[];
}

const vkeys = new Map<string, Promise<unknown>>();

/** The model version's verification key, from its circuit bundle (`vkey`, as lib/zk/bundle.ts stores it). */
function vkeyOf(client: PublicClient, registry: Address, model: bigint, version: number): Promise<unknown> {
  const k = `${registry}:${model}:${version}`;
  if (!vkeys.has(k)) {
    const p = readCircuitBundle(client, registry, model, version).then((bundle) => {
      if (typeof bundle.vkey !== "string") throw new Error(`the circuit bundle ${bundle.cid} has no verification key`);
      return JSON.parse(bundle.vkey) as unknown;
    });
    p.catch(() => vkeys.delete(k));
    vkeys.set(k, p);
  }
  return vkeys.get(k)!;
}

/** Proof bytes abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c) (b swapped for the precompile) as snarkjs's proof. */
function snarkjsProof(bytes: Hex) {
  const [a, b, c] = decodeAbiParameters(parseAbiParameters("uint256[2], uint256[2][2], uint256[2]"), bytes);
  const s = (x: bigint) => x.toString();
  return {
    protocol: "groth16",
    curve: "bn128",
    pi_a: [s(a[0]), s(a[1]), "1"],
    pi_b: [[s(b[0][1]), s(b[0][0])], [s(b[1][1]), s(b[1][0])], ["1", "0"]],
    pi_c: [s(c[0]), s(c[1]), "1"],
  };
}

async function proofAndSignals(client: PublicClient, contracts: { core: Address; audit: Address }, chainId: number, r: RecordRef): Promise<{ proof: Hex; signals: bigint[] }> {
  const tx = await client.getTransaction({ hash: r.tx as Hex });
  const target = r.kind === "anchor" ? contracts.audit : contracts.core;
  if (!tx.to || tx.to.toLowerCase() !== target.toLowerCase()) throw new Error(`transaction ${r.tx} was sent through a contract: its proof cannot be read from calldata`);
  if (r.kind === "anchor") {
    const call = decodeFunctionData({ abi: auditAbi, data: tx.input });
    if (call.functionName !== "anchor") throw new Error(`transaction ${r.tx} does not call anchor`);
    const [, proof, publicSignals] = call.args;
    return { proof, signals: [...publicSignals] };
  }
  const call = decodeFunctionData({ abi: coreAbi, data: tx.input });
  if (call.functionName !== "submitResult") throw new Error(`transaction ${r.tx} does not call submitResult`);
  const [jobId, shardIndex, inputCommitment, , outputCommitment, outputCipher, , proof] = call.args;
  if (jobId.toString() !== r.job || shardIndex !== BigInt(r.shard)) throw new Error(`transaction ${r.tx} settles job ${jobId} shard ${shardIndex}, not the record's`);
  const job = await client.readContract({ address: contracts.core, abi: coreAbi, functionName: "getJob", args: [jobId] });
  const enc = encodeAbiParameters(parseAbiParameters("uint256, address, uint256, uint256, address"), [BigInt(chainId), contracts.core, jobId, shardIndex, r.worker as Address]);
  const binding = BigInt(keccak256(enc)) % FIELD_ORDER;
  const mc = BigInt(job.modelCommitment);
  // layout 2: [output, input, (model), cipher..., binding] (layout 1: no cipher)
  return { proof, signals: [outputCommitment, inputCommitment, ...(mc === 0n ? [] : [mc]), ...outputCipher, binding] };
}

export async function reverifyInBrowser(client: PublicClient, contracts: { core: Address; audit: Address; registry: Address }, chainId: number, r: RecordRef): Promise<BrowserVerdict> {
  const [{ proof, signals }, vkey, snarkjs] = await Promise.all([proofAndSignals(client, contracts, chainId, r), vkeyOf(client, contracts.registry, BigInt(r.model), r.version), import("snarkjs")]);
  const pub = signals.map(String);
  const valid = await snarkjs.groth16.verify(vkey, pub, snarkjsProof(proof));
  return { valid, proofHashMatches: keccak256(proof) === r.proofHash.toLowerCase(), signals: pub };
}
