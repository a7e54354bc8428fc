/**
 * The JSON the mesh server sends to the page (one snapshot per server-sent event) and the answer of its re-verify
 * endpoint. Amounts are wei as decimal strings (JSON has no bigint). No imports: the page compiles this file too.
 */

/** A worker's box colour: the outcome of its latest claim; "expired" while it holds only claims past their deadline
 *  (a stopped worker, until a keeper reclaims them). */
export type WorkerStatus = "idle" | "working" | "expired" | "verified" | "slashed";

export interface WorkerSnapshot {
  address: string;
  stake: string;
  locked: string;
  /** Sum of workerPay over its settled shards. */
  earned: string;
  withdrawn: string;
  settled: number;
  slashed: number;
  status: WorkerStatus;
  /** The shard it holds now, if any (the one with the nearest deadline). */
  current?: { jobId: string; shardIndex: number; deadline: string };
  /** Every shard it holds now. */
  claims?: { jobId: string; shardIndex: number; deadline: string }[];
  /** Part of `locked` held by the collateral manager (training jobs), not by inference claims. */
  lockedByManager?: string;
}

export interface JobSnapshot {
  jobId: string;
  modelId: string;
  modelVersion: string;
  shardCount: number;
  /** Shard states as the core reports them (getShard), not as replayed from events. Open shards of a cancelled job
   *  were refunded and cannot be claimed. */
  open: number;
  claimed: number;
  settled: number;
  cancelled: boolean;
  /** The requester opted into a verifier the registry did not deploy (it may accept garbage or reject valid proofs). */
  unvettedVerifier: boolean;
  /** The model version's setup: "dev" (one party), "ceremony" (its final chain's contributors) or "external". */
  setup?: { kind: "dev" | "ceremony" | "external"; contributors: string[] };
}

export interface AuditSnapshot {
  recordId: string;
  jobId: string;
  shardIndex: number;
  worker: string;
  verifier: string;
  proofHash: string;
  blockNumber: number;
  txHash: string;
}

/** One training round (a training module reports these through a TrainingSource). */
export interface TrainingRound {
  jobId?: string;
  round: number;
  accuracy: number;
  epsilon: number;
  delta?: number;
}

export interface MeshSnapshot {
  network: string;
  chainId: string;
  core: string;
  block: number;
  /** Chain time of `block` (seconds): stale on an idle automining node. */
  chainTime: number;
  /** The server's wall clock (seconds) when the snapshot was taken: claim deadlines are shown against this. */
  now: number;
  workers: WorkerSnapshot[];
  jobs: JobSnapshot[];
  audits: AuditSnapshot[];
  training: TrainingRound[];
}

export interface VerifyReport {
  recordId: string;
  /** The verifier's answer for the proof from the settling transaction over the rebuilt settlement signals (layout 2). */
  valid: boolean;
  /** keccak256(proof) equals the record's proofHash. */
  proofHashMatches: boolean;
  verifier: string;
  txHash: string;
  signals: string[];
}
