/**
 * Outsourced training data, the requester's side: the shards a job trains on, each sealed under its own data key on
 * the content store and committed in the job's `dataRoot`, and the release of a shard's key to the worker holding a
 * slot on it (ITrainingJobs.releaseDataKey), wrapped to that worker's registered encryption key.
 *
 * A shard's data ("VOT1", big-endian): shardIndex u32 | examples u32 | features u32 | seed 32 bytes | lr × 1e9 u64 |
 * X as float64 (examples × features) | Y as uint8. `seed` is a per-shard secret: with (global model, data, seed,
 * round, lr, the job's DP parameters) training is deterministic, so honest replicas agree bit for bit, and nobody
 * without the key can recompute (and subtract) the DP noise. The leaf of shard s is (uint256 s, bytes32
 * keccak256(data)) in an OpenZeppelin StandardMerkleTree; the package on storage is the sealed concatenation of
 * uint32 proof length, the proof as JSON, and the data.
 */
import fs from "node:fs";
import path from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getBytes, hexlify, keccak256, randomBytes, type Signer } from "ethers";
import type { OblivionCore, TrainingJobs } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { encryptForStorage, openEnvelope, wrapKey } from "../crypto";
import { encodeRelease } from "../requester/shard";
import { revertName } from "../chain/errors";
import { oblivionHome } from "../util/home";
import { slotState } from "./params";

const MAGIC = [0x56, 0x4f, 0x54, 0x31]; // "VOT1"
const HEAD = 4 + 4 + 4 + 4 + 32 + 8;
export const LEAF_ENCODING = ["uint256", "bytes32"];

export interface TrainingShard {
  shardIndex: number;
  X: Float64Array[];
  Y: number[];
  /** 32-byte hex secret seeding the shard's DP-SGD run (per round: `roundSeed`). */
  seed: string;
  /** Learning rate every replica uses. */
  lr: number;
}

export function encodeShardData(s: TrainingShard): Uint8Array {
  const n = s.X.length;
  const d = n === 0 ? 0 : s.X[0].length;
  if (n === 0 || d === 0) throw new RangeError(`training shard ${s.shardIndex}: needs at least one example with features`);
  if (s.Y.length !== n) throw new RangeError(`training shard ${s.shardIndex}: ${n} examples but ${s.Y.length} labels`);
  const out = new Uint8Array(HEAD + 8 * n * d + n);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint32(4, s.shardIndex, false);
  v.setUint32(8, n, false);
  v.setUint32(12, d, false);
  out.set(getBytes(s.seed), 16);
  v.setBigUint64(48, BigInt(Math.round(s.lr * 1e9)), false);
  s.X.forEach((x, i) => {
    if (x.length !== d) throw new RangeError(`training shard ${s.shardIndex}: example ${i} has ${x.length} features, expected ${d}`);
    x.forEach((f, k) => v.setFloat64(HEAD + 8 * (i * d + k), f, false));
  });
  s.Y.forEach((y, i) => {
    if (!(Number.isInteger(y) && y >= 0 && y < 256)) throw new RangeError(`training shard ${s.shardIndex}: label ${i} is ${y}, not 0..255`);
    out[HEAD + 8 * n * d + i] = y;
  });
  return out;
}

export function decodeShardData(bytes: Uint8Array): TrainingShard {
  if (bytes.length < HEAD || MAGIC.some((m, i) => bytes[i] !== m)) throw new RangeError("training shard: not a VOT1 encoding");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = v.getUint32(8, false);
  const d = v.getUint32(12, false);
  if (bytes.length !== HEAD + 8 * n * d + n) throw new RangeError(`training shard: ${bytes.length} bytes do not hold ${n} × ${d} examples`);
  const X = Array.from({ length: n }, (_, i) => Float64Array.from({ length: d }, (_, k) => v.getFloat64(HEAD + 8 * (i * d + k), false)));
  return {
    shardIndex: v.getUint32(4, false),
    X,
    Y: Array.from(bytes.subarray(HEAD + 8 * n * d)),
    seed: hexlify(bytes.subarray(16, 48)),
    lr: Number(v.getBigUint64(48, false)) / 1e9,
  };
}

/** The DP-SGD seed of a shard's run in `round` (what lib/ml's Rng takes). */
export function roundSeed(seed: string, round: number): number {
  const h = keccak256(new Uint8Array([...getBytes(seed), round >> 8, round & 0xff]));
  return Number(BigInt(h) & 0xffffffffn);
}

export function dataTree(shards: Uint8Array[]): StandardMerkleTree<[bigint, string]> {
  return StandardMerkleTree.of(shards.map((b, i) => [BigInt(i), keccak256(b)] as [bigint, string]), LEAF_ENCODING);
}

function packPackage(proof: string[], data: Uint8Array): Uint8Array {
  const p = new TextEncoder().encode(JSON.stringify(proof));
  const out = new Uint8Array(4 + p.length + data.length);
  new DataView(out.buffer).setUint32(0, p.length, false);
  out.set(p, 4);
  out.set(data, 4 + p.length);
  return out;
}

/** Opens a fetched package with its data key and checks it is shard `shardIndex` of the tree rooted at `dataRoot`. */
export function openShardPackage(envelope: Uint8Array, dataKey: Uint8Array, dataRoot: string, shardIndex: number): TrainingShard {
  const plain = openEnvelope(envelope, dataKey);
  if (plain.length < 4) throw new RangeError("training package: truncated");
  const len = new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(0, false);
  const proof = JSON.parse(new TextDecoder().decode(plain.subarray(4, 4 + len))) as string[];
  const data = plain.subarray(4 + len);
  const leaf = [BigInt(shardIndex), keccak256(data)] as [bigint, string];
  if (!StandardMerkleTree.verify(dataRoot, LEAF_ENCODING, leaf, proof)) {
    throw new Error(`training package is not shard ${shardIndex} of data root ${dataRoot}`);
  }
  const s = decodeShardData(data);
  if (s.shardIndex !== shardIndex) throw new Error(`training package holds shard ${s.shardIndex}, expected ${shardIndex}`);
  return s;
}

/** What the requester keeps to release keys: per shard, the package CID and its data key. */
export interface TrainingDataFile {
  dataRoot: string;
  shards: { packageCid: string; dataKey: string }[];
}

/** Seals every shard under a fresh key, stores it, and returns the data root with the secrets to keep. */
export async function prepareTrainingData(
  store: ContentStore,
  shards: { X: Float64Array[]; Y: number[] }[],
  lr: number,
): Promise<TrainingDataFile> {
  if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`learning rate must be > 0, got ${lr}`);
  const data = shards.map((s, i) => encodeShardData({ shardIndex: i, X: s.X, Y: s.Y, seed: hexlify(randomBytes(32)), lr }));
  const tree = dataTree(data);
  const out: TrainingDataFile = { dataRoot: tree.root, shards: [] };
  for (const [i, d] of data.entries()) {
    const { ciphertext, dataKey } = encryptForStorage(packPackage(tree.getProof(i), d));
    out.shards.push({ packageCid: await store.put(ciphertext), dataKey: hexlify(dataKey) });
  }
  return out;
}

export function trainingDataPath(chainId: string, training: string, jobId: bigint, home = oblivionHome()): string {
  return path.join(home, "training", `${chainId}-${training.toLowerCase()}-${jobId}.json`);
}

export function saveTrainingData(file: string, d: TrainingDataFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(d, null, 2) + "\n", { mode: 0o600 });
}

export function readTrainingData(file: string): TrainingDataFile {
  if (!fs.existsSync(file)) throw new Error(`no local training data secrets: ${file} is missing (was the job posted from here?)`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as TrainingDataFile;
}

/** Shard of an outsourced slot: 2s and 2s+1 are shard s's primary and replica, 2·shards + s its referee. */
export const shardOfSlot = (slot: number, shards: number): number => (slot >= 2 * shards ? slot - 2 * shards : slot >> 1);

/**
 * Releases the data key of every joined slot of the job's current round that has none yet; returns the slots served.
 * Restart-safe: reads the slots from the chain.
 */
export async function releaseTrainingKeys(
  training: TrainingJobs,
  core: OblivionCore,
  requester: Signer,
  jobId: bigint,
  file: TrainingDataFile,
): Promise<number[]> {
  const t = training.connect(requester);
  const job = await t.getJob(jobId);
  if (job.dataRoot !== file.dataRoot) throw new Error(`job ${jobId}'s data root ${job.dataRoot} is not the one in the local secrets (${file.dataRoot})`);
  const round = Number(job.round);
  const shards = Number(job.participantsPerRound);
  const served: number[] = [];
  for (let slot = 0; slot < 3 * shards; slot++) {
    const s = await t.getSlot(jobId, round, slot);
    if (slotState(s.state) !== "joined" || s.keyReleasedAt !== 0n) continue; // waiting for its key
    const secret = file.shards[shardOfSlot(slot, shards)];
    const [, pub] = await core.workerProfile(s.worker);
    const release = encodeRelease({ packageCid: secret.packageCid, wrappedKey: wrapKey(getBytes(secret.dataKey), getBytes(pub)) });
    try {
      await (await t.releaseDataKey(jobId, round, slot, release)).wait();
      served.push(slot);
    } catch (err) {
      // the slot submitted, the round moved on or the job ended since it was read: nothing left to release there
      if (["SlotNotAwaitingKey", "RoundNotCurrent", "SubmitWindowClosed", "BudgetExhausted", "JobNotActive"].includes(revertName(err) ?? "")) continue;
      throw err;
    }
  }
  return served;
}
