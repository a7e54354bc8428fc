/**
 * The shard input tree: an OpenZeppelin StandardMerkleTree over leaves (uint256 shardIndex, uint256 inputCommitment),
 * which the core checks with OZ MerkleProof. One leaf per shard, in shard order; with key hashes, also one key leaf
 * per shard (KEY_LEAF_TAG | shardIndex, uint256(keccak256(dataKey))) that a keyed release proves (F-01).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { FIELD_ORDER } from "./binding";

export const LEAF_ENCODING = ["uint256", "uint256"];
/** OblivionCore.KEY_LEAF_TAG: sets a key leaf's first word apart from shard indices. */
export const KEY_LEAF_TAG = 1n << 255n;

export class ShardTree {
  readonly tree: StandardMerkleTree<[bigint, bigint]>;
  private readonly indexOf: number[] = [];
  private readonly keyIndexOf: number[] = [];

  /** @param keyHashes per shard, keccak256 of its data key (0x00..00 for public data); omitted: no key leaves. */
  constructor(
    readonly commitments: readonly bigint[],
    readonly keyHashes?: readonly string[],
  ) {
    if (commitments.length === 0) throw new Error("ShardTree: a job needs at least one shard commitment");
    commitments.forEach((c, i) => {
      if (c < 0n || c >= FIELD_ORDER) throw new Error(`ShardTree: commitment of shard ${i} is not a field element`);
    });
    if (keyHashes && keyHashes.length !== commitments.length) {
      throw new Error(`ShardTree: ${keyHashes.length} key hashes for ${commitments.length} shards`);
    }
    const leaves = commitments.map((c, i) => [BigInt(i), c] as [bigint, bigint]);
    keyHashes?.forEach((h, i) => leaves.push([KEY_LEAF_TAG | BigInt(i), BigInt(h)]));
    this.tree = StandardMerkleTree.of(leaves, LEAF_ENCODING);
    for (const [treeIndex, [first]] of this.tree.entries()) {
      if (first & KEY_LEAF_TAG) this.keyIndexOf[Number(first ^ KEY_LEAF_TAG)] = treeIndex;
      else this.indexOf[Number(first)] = treeIndex;
    }
  }

  get root(): string {
    return this.tree.root;
  }

  get shardCount(): number {
    return this.commitments.length;
  }

  /** The Merkle proof of shard `i`'s leaf. */
  proof(i: number): string[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.commitments.length) {
      throw new Error(`ShardTree: shard ${i} out of range 0..${this.commitments.length - 1}`);
    }
    return this.tree.getProof(this.indexOf[i]);
  }

  /** The Merkle proof of shard `i`'s key leaf (what a keyed release carries). */
  keyProof(i: number): string[] {
    if (!this.keyHashes) throw new Error("ShardTree: this tree commits no data keys");
    this.proof(i); // range check
    return this.tree.getProof(this.keyIndexOf[i]);
  }

  /** Serialisable form (the OZ tree dump). */
  dump(): ReturnType<StandardMerkleTree<[bigint, bigint]>["dump"]> {
    return this.tree.dump();
  }
}
