/**
 * The requester's job file: $OBLIVION_HOME/jobs/<chainId>-<core>-<jobId>.json for the CLI, IndexedDB in the
 * dashboard; the same JSON either way (export and import move it between them). It holds the data keys: keep it private.
 * No imports: the browser bundle takes it as it is.
 */

export interface ShardSecret {
  packageCid: string;
  inputCommitment: string;
  /** Hex data key; absent for public data. */
  dataKey?: string;
  /** keccak256 of the data key (zero for public data), committed in the shard's key leaf. */
  keyHash?: string;
  /** Merkle proof of the key leaf under the input root, which a keyed release carries. */
  keyProof?: string[];
}

/** The local job file: everything the requester needs to release keys and read results. Keep it private. */
export interface JobFile {
  chainId: string;
  core: string;
  jobId: string;
  modelId: string;
  modelVersion: number;
  shards: ShardSecret[];
  /** Real inputs (the last shard's padding excluded), when the job was posted from raw inputs. */
  inputCount?: number;
  /** Where the job was posted: block and its hash, so that files of a reset chain are told apart. */
  posted?: { block: number; blockHash: string; tx: string };
}

