/**
 * One of my jobs, live: each shard open, claimed by whom (with its countdown), key released, settled with its proof
 * verified on-chain; the release agent's actions; checked results with the predicted classes, exported as CSV or
 * JSON; the job file for `job:follow` / `requester:run`; cancel. Results are read, opened and checked against the proven
 * output commitments in the tab (requester/tab.ts), as `job:results` does.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { getAbiItem } from "viem";
import { usePublicClient } from "wagmi";
import { useApp } from "../app";
import { useAgentEvents } from "../chain/agent";
import { useBlock, useNow } from "../chain/block";
import { jobFileName, type JobFile } from "../chain/jobStore";
import type { AnyEventLog } from "../chain/logs";
import { useLogs } from "../chain/useLogs";
import { countdown, download, eth, short, toCsv } from "../format";
import { auditAbi, coreAbi } from "../generated/abis";
import { TxButton } from "../wallet/TxButton";
import { Reverify } from "./Reverify";
import { useTx } from "../wallet/useTx";

const STATUS = ["open", "claimed", "settled", "forfeited"];
const EVENTS = (["ShardSettled", "ShardKeyReleased"] as const).map((name) => getAbiItem({ abi: coreAbi, name }));
const RECORDED = getAbiItem({ abi: auditAbi, name: "Recorded" });

interface ResultRow { shardIndex: number; recordId: string; worker: string; predictions: number[]; outputs: number[][]; disagreements: number[] }

/** What a re-verification needs of a Recorded event. */
function refOf(l: { args: { record: { jobId: bigint; shardIndex: number; modelId: bigint | number; modelVersion: number; submitter: string; proofHash: string } }; transactionHash: string }) {
  const r = l.args.record;
  return { kind: "settlement" as const, job: r.jobId.toString(), shard: r.shardIndex, model: r.modelId.toString(), version: r.modelVersion, worker: r.submitter, proofHash: r.proofHash, tx: l.transactionHash };
}

export default function JobWatch({ file }: { file: JobFile }) {
  const { config } = useApp();
  const client = usePublicClient();
  const { block, time } = useBlock();
  const now = Math.max(useNow(), time);
  const agent = useAgentEvents();
  const jobId = BigInt(file.jobId);
  const events = useLogs("job-events", config.contracts.core, EVENTS).logs as unknown as AnyEventLog[];
  const records = useLogs("audit-recorded", config.contracts.audit, [RECORDED]).logs;
  const { data } = useQuery({
    queryKey: ["job", file.jobId, block.toString()],
    enabled: !!client && block > 0n,
    placeholderData: (p) => p,
    queryFn: async () => {
      const job = await client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "getJob", args: [jobId] });
      const shards = await Promise.all(Array.from({ length: job.shardCount }, (_, i) => client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "getShard", args: [jobId, BigInt(i)] })));
      const escrow = await client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "jobEscrow", args: [jobId] });
      return { job, shards, escrow };
    },
  });
  const [results, setResults] = useState<{ rows: ResultRow[]; unreadable: string[] }>();
  const [resultError, setResultError] = useState<string>();
  const cancel = useTx("cancelJob");
  const mine = events.filter((e) => e.args.jobId === jobId);
  const settledShards = new Map(mine.filter((e) => e.eventName === "ShardSettled").map((e) => [Number(e.args.shardIndex), e]));
  const released = new Set(mine.filter((e) => e.eventName === "ShardKeyReleased").map((e) => `${e.args.shardIndex}:${e.args.claimNonce}`));
  const recordOf = new Map(records.filter((r) => r.args.jobId === jobId).map((r) => [r.args.record.shardIndex, r]));
  const allSettled = !!data && data.shards.every((s) => s.status === 2);

  async function fetchResults() {
    setResultError(undefined);
    try {
      const { resultsInTab } = await import("../requester/tab");
      const r = await resultsInTab(client!, config, file);
      setResults({ rows: r.rows.map((x) => ({ ...x, recordId: x.recordId.toString() })), unreadable: r.unreadable.map((u) => `shard ${u.shardIndex} (record ${u.recordId}, worker ${u.worker}): ${u.problem}`) });
    } catch (err) {
      setResultError((err as Error).message.split("\n")[0]);
    }
  }

  const flat = (results?.rows ?? []).flatMap((r) => r.predictions.map((p, k) => ({ input: r.shardIndex * (r.predictions.length || 1) + k, shard: r.shardIndex, record: r.recordId, worker: r.worker, predicted: p, outputs: JSON.stringify(r.outputs[k] ?? []) }))).filter((r) => file.inputCount === undefined || r.input < file.inputCount);
  return (
    <div className="card" id={`job-${file.jobId}`}>
      <h3>Job #{file.jobId} · model {file.modelId} v{file.modelVersion}</h3>
      {data && (
        <p>
          {data.job.settledShards}/{data.job.shardCount} settled · escrow left <span id="escrow-left">{eth(data.escrow, 6)}</span>
          {data.job.cancelled ? " · cancelled" : ""}
        </p>
      )}
      <div className="shards">
        {data?.shards.map((s, i) => {
          const st = STATUS[s.status] ?? "open";
          const settled = settledShards.get(i);
          return (
            <div key={i} className={`shard ${st}`} data-shard={i} data-state={st}>
              <b>shard {i}</b> · {st}
              {st === "claimed" && (
                <div>
                  by {short(s.worker)} · {countdown(s.deadline, now)}
                  <br />
                  {s.keyReleased || released.has(`${i}:${s.claimNonce}`) ? "key released" : "waiting for key release"}
                </div>
              )}
              {settled && (
                <div className="verified">
                  proof verified on-chain · record {recordOf.get(i)?.args.recordId.toString() ?? "…"} · {short(String(settled.args.worker))} paid {eth(settled.args.workerPay as bigint, 6)}
                  {recordOf.has(i) && (
                    <div>
                      <Reverify id={recordOf.get(i)!.args.recordId.toString()} record={refOf(recordOf.get(i)!)} attr="shard-" />
                    </div>
                  )}
                </div>
              )}
            </div>
          );
        })}
      </div>
      <div className="row">
        <button id="fetch-results" disabled={!data || data.job.settledShards === 0} onClick={() => void fetchResults()}>{allSettled ? "Get results" : "Get results so far"}</button>
        <button className="secondary" id="export-job" onClick={() => download(jobFileName(file), "application/json", JSON.stringify(file, null, 2))}>Export job file</button>
        {data && !data.job.cancelled && !allSettled && (
          <TxButton id="cancel-job" tx={cancel} request={() => ({ address: config.contracts.core, abi: coreAbi, functionName: "cancelJob", args: [jobId] })}>Cancel job</TxButton>
        )}
      </div>
      <p className="hint">The job file holds this job's data keys: keep it private. Put it in $OBLIVION_HOME/jobs to follow the job with <code>npx hardhat job:follow --job {file.jobId}</code> or <code>requester:run</code>.</p>
      {resultError && <p className="tx failed">{resultError}</p>}
      {results && (
        <>
          {results.unreadable.length > 0 && <ul id="results-unreadable">{results.unreadable.map((u) => <li key={u} className="warn">{u}</li>)}</ul>}
          <table id="results">
            <thead><tr><th>input</th><th>shard</th><th>record</th><th>worker</th><th>predicted class</th></tr></thead>
            <tbody>{flat.map((r) => <tr key={r.input} data-input={r.input}><td>{r.input}</td><td>{r.shard}</td><td>{r.record}</td><td>{short(r.worker)}</td><td className="predicted">{r.predicted}</td></tr>)}</tbody>
          </table>
          <div className="row">
            <button id="results-csv" onClick={() => download(`job-${file.jobId}-results.csv`, "text/csv", toCsv(["input", "shard", "record", "worker", "predicted", "outputs"], flat))}>Download CSV</button>
            <button id="results-json" onClick={() => download(`job-${file.jobId}-results.json`, "application/json", JSON.stringify(flat, null, 2))}>Download JSON</button>
          </div>
        </>
      )}
      {agent.length > 0 && (
        <details open>
          <summary>release agent (runs while this tab is open)</summary>
          <ul id="agent-log">{agent.map((e) => <li key={e.at + e.text} className={e.ok ? "" : "warn"}>{e.text}</li>)}</ul>
        </details>
      )}
    </div>
  );
}
