/**
 * One of my jobs, live: each shard open, claimed by whom (with its countdown), key released, settled with its proof
 * verified on-chain; the release agent's actions; checked results with the predicted classes, exported as CSV or
 * JSON; the job file for `job:follow` / `requester:run`; cancel. Results are read, opened and checked against the proven
 * output commitments in the tab (requester/tab.ts), as `job:results` does. The shards' states come from the job's
 * events (chain/job.ts), not from a read per shard: a job of more than PAGE shards lists, a page at a time, the shards
 * that have had events, and counts the open ones nobody touched.
 */
import { useMemo, useState } from "react";
import { usePublicClient } from "wagmi";
import type { ShardView } from "../../../lib/chain/jobView";
import { useApp } from "../app";
import { useAgentEvents } from "../chain/agent";
import { useBlock, useNow } from "../chain/block";
import { useJob } from "../chain/job";
import { jobFileName, type JobFile } from "../chain/jobStore";
import { countdown, csvLines, download, downloadParts, eth, jsonLines, short } from "../format";
import { coreAbi } from "../generated/abis";
import { TxButton } from "../wallet/TxButton";
import { Reverify } from "./Reverify";
import { VirtualTable } from "./VirtualTable";
import { useTx } from "../wallet/useTx";

const n = (x: number) => x.toLocaleString("en-US");

/** Shard rows per page. A job of at most this many shards lists every shard; a larger one only those with events. */
const PAGE = 100;

interface ResultRow { shardIndex: number; recordId: string; worker: string; predictions: number[]; outputs: number[][]; disagreements: number[] }

/** What a re-verification needs of a Recorded event. */
function refOf(l: { args: { record: { jobId: bigint; shardIndex: number; modelId: bigint | number; modelVersion: number; submitter: string; proofHash: string } }; transactionHash: string }) {
  const r = l.args.record;
  return { kind: "settlement" as const, job: r.jobId.toString(), shard: r.shardIndex, model: r.modelId.toString(), version: r.modelVersion, worker: r.submitter, proofHash: r.proofHash, tx: l.transactionHash };
}

export default function JobWatch({ file }: { file: JobFile }) {
  const { config } = useApp();
  const client = usePublicClient();
  const { time } = useBlock();
  const now = Math.max(useNow(), time);
  const agent = useAgentEvents();
  const jobId = BigInt(file.jobId);
  const { chain: data, view, applied, settled: settledShards, recordOf, loading } = useJob(jobId, file.posted?.block);
  const [page, setPage] = useState(0);
  const [results, setResults] = useState<{ rows: ResultRow[]; unreadable: string[] }>();
  const [resultError, setResultError] = useState<string>();
  const cancel = useTx("cancelJob");
  const allSettled = !!data && data.job.settledShards === data.job.shardCount;
  // the rows: every shard of a small job; of a large one, the shards with events (the rest are open and untouched)
  const shardCount = view?.shardCount ?? 0;
  const listed = useMemo(() => view?.listed(PAGE) ?? [], [view, applied]); // eslint-disable-line react-hooks/exhaustive-deps -- the view changes in place
  const pages = Math.max(1, Math.ceil(listed.length / PAGE));
  const at = Math.min(page, pages - 1);
  const shown = listed.slice(at * PAGE, (at + 1) * PAGE);
  const untouched = view ? shardCount - view.touched.size : 0;

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
      {view && (
        <p id="shard-counts" data-open={view.counts.open} data-untouched={untouched} data-with-events={view.touched.size}>
          {n(view.counts.open)} open ({n(untouched)} never claimed{loading ? ", reading the job's events…" : ""}) · {n(view.counts.claimed)} claimed · {n(view.counts.settled)} settled{view.counts.forfeited ? ` · ${n(view.counts.forfeited)} forfeited` : ""}
          {shardCount > PAGE && ` · ${n(view.touched.size)} shards with events listed`}
        </p>
      )}
      {pages > 1 && (
        <div className="row" id="shard-pages">
          <button className="secondary" disabled={at === 0} onClick={() => setPage(at - 1)}>previous</button>
          <span>page {at + 1} of {pages}</span>
          <button className="secondary" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>next</button>
        </div>
      )}
      <div className="shards">
        {view &&
          shown.map((i) => {
            const s: ShardView = view.shard(i);
            const st = s.state;
            const settled = settledShards.get(i);
            return (
              <div key={i} className={`shard ${st}`} data-shard={i} data-state={st}>
                <b>shard {i}</b> · {st}
                {st === "claimed" && (
                  <div>
                    by {short(s.worker ?? "")} · {countdown(s.deadline ?? 0n, now)}
                    <br />
                    {s.release && s.release.claimNonce === s.claimNonce ? "key released" : "waiting for key release"}
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
          <VirtualTable
            id="results"
            rows={flat}
            height={Math.min(480, 28 * (flat.length + 1) + 4)}
            columns={["input", "shard", "record", "worker", "predicted class"]}
            row={(r) => <tr key={r.input} data-input={r.input}><td>{r.input}</td><td>{r.shard}</td><td>{r.record}</td><td>{short(r.worker)}</td><td className="predicted">{r.predicted}</td></tr>}
          />
          <div className="row">
            <button id="results-csv" onClick={() => void downloadParts(`job-${file.jobId}-results.csv`, "text/csv", csvLines(["input", "shard", "record", "worker", "predicted", "outputs"], flat))}>Download CSV</button>
            <button id="results-json" onClick={() => void downloadParts(`job-${file.jobId}-results.json`, "application/json", jsonLines(flat))}>Download JSON</button>
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
