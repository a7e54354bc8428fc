/**
 * The owner fees a job still holds in escrow: its live shards (neither settled nor forfeited; once cancelled, only
 * the claims still open) times the job's owner fee per shard. Pure and browser-safe: `model:earnings`
 * (lib/chain/owner.ts) and the dashboard's model owner screen count it the same way.
 */
export interface JobFeeState {
  cancelled: boolean;
  shardCount: number | bigint;
  settledShards: number | bigint;
  forfeitedShards: number | bigint;
  openClaims: number | bigint;
  ownerFeePerShard: bigint;
}

export function ownerFeesInEscrow(j: JobFeeState): bigint {
  const live = j.cancelled ? Number(j.openClaims) : Number(j.shardCount) - Number(j.settledShards) - Number(j.forfeitedShards);
  return BigInt(live) * j.ownerFeePerShard;
}
