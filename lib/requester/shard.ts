/**
 * What travels between requester and worker for one shard, besides the chain:
 * - the shard package (on storage, AES-GCM encrypted to a fresh data key): the shard's quantized inputs and the Merkle
 *   proof of its input commitment;
 * - the release (on-chain, in ShardKeyReleased once the shard is claimed): the package's CID and the data key wrapped
 *   (ECIES) to the claiming worker's registered public key, or no key for public data;
 * - the result (on storage, encrypted with the same data key, so only the requester reads it): the outputs.
 */
import { AbiCoder, getBytes, hexlify } from "ethers";

export interface ShardPackage {
  version: 1;
  shardIndex: number;
  /** The committed input bytes, one vector per inference of the batch. */
  inputs: number[][];
  /** Decimal string of the field element committed in the job's Merkle leaf. */
  inputCommitment: string;
  merkleProof: string[];
}

export interface ShardResult {
  version: 1;
  jobId: string;
  shardIndex: number;
  /** The float model's outputs (what the requester asked for), one vector per inference. */
  outputs: number[][];
  /** The circuit's quantized outputs, which the output commitment binds; decimal strings. */
  quantizedOutputs: string[][];
  outputCommitment: string;
}

export interface Release {
  packageCid: string;
  /** ECIES-wrapped data key; empty for public data. */
  wrappedKey: Uint8Array;
  /**
   * Where the requester serves the job's content (trustless gateways, or `kubo+` RPC APIs): workers on other
   * machines fetch the package (and the model's artifacts) there, and deliver the result there. Public on-chain.
   */
  endpoints?: string[];
}

const RELEASE_TYPES = ["string", "bytes"];
/** With endpoints: abi.encode(packageCid, wrappedKey, endpoints). Releases without them keep the two-field form. */
const RELEASE_TYPES_V2 = ["string", "bytes", "string[]"];
const MAX_ENDPOINTS = 8;

export function encodeRelease(r: Release): string {
  const coder = AbiCoder.defaultAbiCoder();
  if (!r.endpoints?.length) return coder.encode(RELEASE_TYPES, [r.packageCid, hexlify(r.wrappedKey)]);
  return coder.encode(RELEASE_TYPES_V2, [r.packageCid, hexlify(r.wrappedKey), r.endpoints.slice(0, MAX_ENDPOINTS)]);
}

export function decodeRelease(payload: string): Release {
  const coder = AbiCoder.defaultAbiCoder();
  try {
    // the three-field form only when it re-encodes to exactly the payload (a two-field payload never does)
    const d = coder.decode(RELEASE_TYPES_V2, payload);
    if (coder.encode(RELEASE_TYPES_V2, [d[0], d[1], [...d[2]]]) === payload.toLowerCase()) {
      return { packageCid: d[0] as string, wrappedKey: getBytes(d[1] as string), endpoints: ([...d[2]] as string[]).slice(0, MAX_ENDPOINTS) };
    }
  } catch {
    // the two-field form
  }
  let decoded;
  try {
    decoded = coder.decode(RELEASE_TYPES, payload);
  } catch (err) {
    throw new Error(`malformed shard key release (${(err as Error).message.split("\n")[0]})`);
  }
  return { packageCid: decoded[0] as string, wrappedKey: getBytes(decoded[1] as string) };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export const encodeJson = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));

export function decodeShardPackage(bytes: Uint8Array): ShardPackage {
  const p = JSON.parse(dec.decode(bytes)) as ShardPackage;
  if (p?.version !== 1 || !Array.isArray(p.inputs) || typeof p.inputCommitment !== "string" || !Array.isArray(p.merkleProof)) {
    throw new Error("malformed shard package: expected {version: 1, shardIndex, inputs, inputCommitment, merkleProof}");
  }
  return p;
}

export function decodeShardResult(bytes: Uint8Array): ShardResult {
  const r = JSON.parse(dec.decode(bytes)) as ShardResult;
  if (r?.version !== 1 || !Array.isArray(r.outputs) || typeof r.outputCommitment !== "string") {
    throw new Error("malformed shard result: expected {version: 1, jobId, shardIndex, outputs, outputCommitment}");
  }
  return r;
}
