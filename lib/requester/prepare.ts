/**
 * A job's shards before the post, browser-safe (the CLI's `job:post` and the dashboard's tab run this one module):
 * quantize float inputs to the model's committed bytes, commit each shard (Poseidon), commit the shards and their
 * data keys in one Merkle tree, then seal each shard package under its own data key and store it. The data keys
 * are generated where this runs and returned only to the caller, which keeps them (job file or IndexedDB).
 */
import { hexlify } from "ethers";
import { ShardTree } from "../chain/merkle";
import { DATA_KEY_LEN, packPublic, randomBytes, sealWithKey } from "../crypto/envelope";
import { keyHashOf } from "../crypto/release";
import { inputCommitment, outputSalt } from "../zk/commitment";
import { checkInputRange, quantizeInput, type QuantModel } from "../zk/quantize";
import type { ShardSecret } from "./jobFile";
import { encodeJson, type ShardPackage } from "./shard";

export interface PreparedShards {
  tree: ShardTree;
  shards: ShardSecret[];
  /** Real inputs behind the shards (padding excluded), recorded in the job file. */
  inputCount?: number;
}

/** Where sealed packages go: a ContentStore, or the dashboard's upload through the content server. */
export interface PackageSink {
  put(bytes: Uint8Array): Promise<string>;
}

/**
 * Uploads one package per shard. `batches[i]` holds shard i's quantized input bytes (one vector per inference); its
 * input commitment is taken under the output salt of its data key (lib/zk/commitment.ts: salt 0 for a public package),
 * so that only the requester and the worker can read the outputs the settlement carries (G-07).
 */
export async function prepareShards(
  store: PackageSink,
  batches: number[][][],
  encrypt: boolean,
  /** Data keys chosen by the caller; default: fresh random keys. */
  givenKeys?: Uint8Array[],
): Promise<PreparedShards> {
  if (givenKeys && (givenKeys.length !== batches.length || givenKeys.some((k) => k.length !== DATA_KEY_LEN))) {
    throw new Error(`want one ${DATA_KEY_LEN}-byte data key per shard (${batches.length}), got ${givenKeys.length}`);
  }
  // Keys first: their hashes are committed in the tree, and each package carries its proof from that tree.
  const keys = batches.map((_, i) => (encrypt ? (givenKeys?.[i] ?? randomBytes(DATA_KEY_LEN)) : undefined));
  const keyHashes = keys.map(keyHashOf);
  const commitments = await Promise.all(batches.map((b, i) => inputCommitment(b, outputSalt(keys[i]))));
  const tree = new ShardTree(commitments, keyHashes);
  const shards: ShardSecret[] = [];
  for (let i = 0; i < batches.length; i++) {
    const pkg: ShardPackage = {
      version: 1,
      shardIndex: i,
      inputs: batches[i],
      inputCommitment: commitments[i].toString(),
      merkleProof: tree.proof(i),
    };
    const plain = encodeJson(pkg);
    const dataKey = keys[i];
    const sealed = dataKey ? sealWithKey(plain, dataKey) : packPublic(plain);
    shards.push({
      packageCid: await store.put(sealed),
      inputCommitment: pkg.inputCommitment,
      ...(dataKey ? { dataKey: hexlify(dataKey) } : {}),
      keyHash: keyHashes[i],
      keyProof: tree.keyProof(i),
    });
  }
  return { tree, shards };
}

/**
 * Quantizes float input vectors to the model's committed bytes and groups them into shards of `batch` inferences;
 * `commitments` are their commitments as public packages (salt 0), for a dry check of the post before the data keys
 * exist (prepareShards commits each shard under its key's salt). The last shard is padded by repeating its last vector (its outputs for the padding are
 * ignored by `job:results`).
 */
export async function quantizeShards(
  quant: QuantModel,
  batch: number,
  vectors: ArrayLike<number>[],
  { clamp = false } = {},
): Promise<{ batches: number[][][]; commitments: bigint[]; padded: number; clamped: number }> {
  if (vectors.length === 0) throw new Error("no input vectors");
  vectors.forEach((v, i) => {
    if (v.length !== quant.inputSize) throw new Error(`input ${i} has ${v.length} values, the model takes ${quant.inputSize}`);
  });
  const clamped = checkInputRange(quant, vectors, clamp);
  const bytes = vectors.map((v) => quantizeInput(quant, v));
  const batches: number[][][] = [];
  for (let i = 0; i < bytes.length; i += batch) batches.push(bytes.slice(i, i + batch));
  const last = batches[batches.length - 1];
  const padded = batch - last.length;
  while (last.length < batch) last.push(last[last.length - 1]);
  const commitments = await Promise.all(batches.map((b) => inputCommitment(b)));
  return { batches, commitments, padded, clamped };
}
