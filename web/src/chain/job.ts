/**
 * One job as the chain says it happened, for the requester's job screen: the core's events of this job only (asked of
 * the node by its jobId topic, from the block it was posted in), applied by the job book's own state machine
 * (lib/chain/jobView.ts: state only for shards that have had events, open shards a range minus a set), and the job's
 * counters and escrow (getJob, jobEscrow), read again only when a new event of the job lands. Nothing here reads a
 * shard: what the page costs per block does not grow with the job's shard count (a million-shard job reads as a
 * two-shard one with the same events).
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo, useRef } from "react";
import { getAbiItem, numberToHex } from "viem";
import { usePublicClient } from "wagmi";
import { applyCoreEvent, JobView } from "../../../lib/chain/jobView";
import { useApp } from "../app";
import { auditAbi, coreAbi } from "../generated/abis";
import { useBlock } from "./block";
import type { AnyEventLog } from "./logs";
import { useLogs } from "./useLogs";

/** Every core event that names a job and changes its shards, its counters or its escrow. */
const EVENTS = (["ShardClaimed", "ShardKeyReleased", "ClaimLeft", "BadReleaseProven", "ShardSettled", "ClaimSlashed", "ClaimVoided", "JobCancelled", "EscrowRefunded"] as const).map((name) =>
  getAbiItem({ abi: coreAbi, name }),
);
const RECORDED = getAbiItem({ abi: auditAbi, name: "Recorded" });

/** `postedBlock`: the block the job file says the job was posted in (its events start there). */
export function useJob(jobId: bigint, postedBlock?: number) {
  const { config } = useApp();
  const client = usePublicClient();
  const { block } = useBlock();
  const topic = numberToHex(jobId, { size: 32 });
  // A job file of another (reset) chain may name a block this chain has not reached: read from the deployment then.
  const from = postedBlock !== undefined && block >= BigInt(postedBlock) ? BigInt(postedBlock) : BigInt(config.fromBlock);
  const ready = block > 0n;
  const events = useLogs(`job:${jobId}:${from}`, ready ? config.contracts.core : undefined, EVENTS, { fromBlock: from, topics: [topic] });
  const records = useLogs(`job-records:${jobId}:${from}`, ready ? config.contracts.audit : undefined, [RECORDED], { fromBlock: from, topics: [null, topic] });
  const logs = events.logs as unknown as AnyEventLog[];

  const { data: chain, error } = useQuery({
    queryKey: ["job", config.contracts.core, jobId.toString(), logs.length],
    enabled: !!client && ready,
    // the previous answer while a new event's read runs, never another job's
    placeholderData: (p, prev) => (prev?.queryKey[2] === jobId.toString() ? p : undefined),
    queryFn: async () => ({
      job: await client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "getJob", args: [jobId] }),
      escrow: await client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "jobEscrow", args: [jobId] }),
    }),
  });

  // The job's view, kept across renders: new logs (appended) are applied to it; older pages (prepended while the
  // first read goes back to the post) rebuild it from all logs. Either way O(events), never O(shards).
  const held = useRef<{ view: JobView; applied: readonly AnyEventLog[] }>(undefined);
  const state = useMemo(() => {
    const j = chain?.job;
    if (!j) return undefined;
    let h = held.current;
    const n = h?.applied.length ?? 0;
    const extends_ = h && h.view.jobId === jobId && h.view.shardCount === j.shardCount && logs.length >= n && (n === 0 || logs[n - 1] === h.applied[n - 1]);
    if (!h || !extends_) h = { view: new JobView(jobId, j.requester.toLowerCase(), BigInt(j.modelId), BigInt(j.modelVersion), j.shardCount, j.inputRoot, Number(from)), applied: [] };
    const jobs = new Map([[jobId, h.view]]);
    for (const l of logs.slice(h.applied.length)) applyCoreEvent(jobs, { name: l.eventName, args: l.args, blockNumber: Number(l.blockNumber), txHash: l.transactionHash });
    h.applied = logs;
    held.current = h;
    // a fresh object per change, so that views of it re-render (the JobView itself is mutated in place)
    return { view: h.view, events: logs.length };
  }, [chain?.job, logs, jobId, from]);

  const settled = useMemo(() => new Map(logs.filter((e) => e.eventName === "ShardSettled").map((e) => [Number(e.args.shardIndex), e])), [logs]);
  const recordOf = useMemo(() => new Map(records.logs.map((r) => [r.args.record.shardIndex, r])), [records.logs]);
  /** `applied`: events applied to `view` so far (it changes whenever the view does). */
  return { chain, view: state?.view, applied: state?.events ?? 0, settled, recordOf, loading: events.loading, error: error ?? events.error };
}
