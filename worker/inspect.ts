/**
 * The worker's inspection of a key release (F-01), done before any compute and within the inspection window:
 * open the key, fetch and decrypt the package, check it is the committed input. Each failure says which exit the
 * core offers: "prove" (a keyed release whose key is not the committed one: proveBadRelease, paid) or "leave"
 * (what the core cannot check: leaveClaim, no slash).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { ReleaseView } from "../lib/chain/jobbook";
import { LEAF_ENCODING } from "../lib/chain/merkle";
import { openEnvelope, unwrapKey } from "../lib/crypto";
import { unmaskDataKey, type ClaimContext } from "../lib/crypto/release";
import { decodeRelease, decodeShardPackage, type ShardPackage } from "../lib/requester/shard";
import type { ContentStore } from "../lib/storage";
import { describeError } from "../lib/chain/errors";
import { inputCommitment } from "../lib/zk/commitment";

export type Inspection =
  | { ok: true; pkg: ShardPackage; dataKey?: Uint8Array }
  | { ok: false; exit: "prove" | "leave"; reason: string };

export interface InspectArgs {
  release: ReleaseView;
  /** The claim's one-time secret, for a keyed claim. */
  oneTimeSecret?: bigint;
  ctx: ClaimContext;
  inputRoot: string;
  encryptionPrivateKey: Uint8Array;
  /** Fetches the package (with the caller's retries); throws when it is unavailable. */
  fetch: (cid: string) => Promise<Uint8Array>;
}

const ZERO32 = "0x" + "00".repeat(32);
const leave = (reason: string): Inspection => ({ ok: false, exit: "leave", reason });

export async function inspectRelease(a: InspectArgs): Promise<Inspection> {
  let dataKey: Uint8Array | undefined;
  let packageCid: string;
  try {
    const p = decodeRelease(a.release.payload);
    packageCid = p.packageCid;
    if (a.oneTimeSecret !== undefined && a.release.keyHash !== ZERO32) {
      const opened = unmaskDataKey(a.release, a.oneTimeSecret, a.ctx);
      if (!opened.matches) return { ok: false, exit: "prove", reason: "released key does not hash to the committed key hash" };
      dataKey = opened.dataKey;
    } else if (p.wrappedKey.length) {
      dataKey = unwrapKey(p.wrappedKey, a.encryptionPrivateKey);
    }
  } catch (err) {
    return leave(`release cannot be opened: ${describeError(err)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await a.fetch(packageCid);
  } catch (err) {
    return leave(`shard package ${packageCid} is unavailable: ${describeError(err)}`);
  }
  let pkg: ShardPackage;
  try {
    pkg = decodeShardPackage(openEnvelope(bytes, dataKey));
  } catch (err) {
    return leave(`shard package does not open with the released key: ${describeError(err)}`);
  }
  if (pkg.shardIndex !== Number(a.ctx.shardIndex)) return leave(`shard package is for shard ${pkg.shardIndex}`);
  let committed: bigint;
  try {
    committed = BigInt(pkg.inputCommitment);
  } catch {
    return leave("shard package's input commitment is not a number");
  }
  if (!StandardMerkleTree.verify(a.inputRoot, LEAF_ENCODING, [a.ctx.shardIndex, committed], pkg.merkleProof)) {
    return leave("shard package's input commitment is not under the job's input root");
  }
  let actual: bigint;
  try {
    actual = await inputCommitment(pkg.inputs);
  } catch (err) {
    return leave(`shard package's inputs cannot be committed: ${describeError(err)}`);
  }
  if (actual !== committed) return leave(`shard package's inputs hash to ${actual}, not the committed ${committed}`);
  return { ok: true, pkg, dataKey };
}
