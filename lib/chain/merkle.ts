/**
 * The shard input tree: an OpenZeppelin StandardMerkleTree over leaves (uint256 shardIndex, uint256 inputCommitment),
 * which the core checks with OZ MerkleProof. One leaf per shard, in shard order.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { FIELD_ORDER } from "./binding";

export const LEAF_ENCODING = ["uint256", "uint256"];

export class ShardTree {
  readonly tree: StandardMerkleTree<[bigint, bigint]>;
  private readonly indexOf: number[] = [];

  constructor(readonly commitments: readonly bigint[]) {
    if (commitments.length === 0) throw new Error("ShardTree: a job needs at least one shard commitment");
    commitments.forEach((c, i) => {
      if (c < 0n || c >= FIELD_ORDER) throw new Error(`ShardTree: commitment of shard ${i} is not a field element`);
    });
    this.tree = StandardMerkleTree.of(
      commitments.map((c, i) => [BigInt(i), c] as [bigint, bigint]),
      LEAF_ENCODING,
    );
    for (const [treeIndex, [shard]] of this.tree.entries()) this.indexOf[Number(shard)] = treeIndex;
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

  /** Serialisable form (the OZ tree dump). */
  dump(): ReturnType<StandardMerkleTree<[bigint, bigint]>["dump"]> {
    return this.tree.dump();
  }
}
