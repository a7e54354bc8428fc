/**
 * Verifiable history: every audit record the InferenceAudit wrote (settlements and anchored proofs), filtered by
 * model, worker, job and time, re-verified on demand (on-chain and in the page), exported as CSV or JSON. Events are read in pages of block
 * ranges once and then a block at a time; the table renders only the rows in view.
 */
import { useMemo, useState } from "react";
import { getAbiItem } from "viem";
import { useApp } from "../app";
import { useLogs } from "../chain/useLogs";
import { download, short, toCsv } from "../format";
import { auditAbi } from "../generated/abis";
import type { RecordRef } from "../zk/reverify";
import { Reverify } from "./Reverify";
import { VirtualTable } from "./VirtualTable";

const RECORDED = getAbiItem({ abi: auditAbi, name: "Recorded" });
const ANCHORED = getAbiItem({ abi: auditAbi, name: "Anchored" });

/** A record as the table and the exports show it; what a re-verification needs is RecordRef's part. */
export interface HistoryRow extends RecordRef {
  record: string;
  verifier: string;
  time: string;
  timestamp: number;
  inputCommitment: string;
  outputCommitment: string;
  block: string;
}

const COLUMNS: (keyof HistoryRow)[] = ["record", "kind", "job", "shard", "model", "version", "worker", "verifier", "time", "inputCommitment", "outputCommitment", "proofHash", "block", "tx"];

export default function History() {
  const { config } = useApp();
  const { logs, loading } = useLogs("audit", config.contracts.audit, [RECORDED, ANCHORED]);
  const [f, setF] = useState({ model: "", worker: "", job: "", from: "", to: "" });

  const all = useMemo<HistoryRow[]>(
    () =>
      logs.map((l) => {
        const r = l.args.record;
        return {
          record: l.args.recordId.toString(),
          kind: l.eventName === "Recorded" ? "settlement" : "anchor",
          job: r.jobId.toString(),
          shard: r.shardIndex,
          model: r.modelId.toString(),
          version: r.modelVersion,
          worker: r.submitter.toLowerCase(),
          verifier: r.verifier.toLowerCase(),
          time: new Date(r.timestamp * 1000).toISOString().replace(".000Z", "Z"),
          timestamp: r.timestamp,
          inputCommitment: r.inputCommitment.toString(),
          outputCommitment: r.outputCommitment.toString(),
          proofHash: r.proofHash,
          block: l.blockNumber.toString(),
          tx: l.transactionHash,
        };
      }),
    [logs],
  );
  const rows = useMemo(() => {
    const from = f.from ? Date.parse(f.from) / 1000 : -Infinity;
    const to = f.to ? Date.parse(f.to) / 1000 : Infinity;
    return all
      .filter((r) => (!f.model || r.model === f.model.trim()) && (!f.job || r.job === f.job.trim()) && (!f.worker || r.worker.includes(f.worker.trim().toLowerCase())) && r.timestamp >= from && r.timestamp <= to)
      .reverse();
  }, [all, f]);

  const input = (k: keyof typeof f, ph: string, type = "text") => <input type={type} placeholder={ph} value={f[k]} data-filter={k} onChange={(e) => setF({ ...f, [k]: e.target.value })} />;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return (
    <section>
      <h2>Verifiable history</h2>
      <p className="lead">Every job anchored on-chain for auditing: one record per verified proof.</p>
      <div className="filters">
        {input("model", "model id")}
        {input("worker", "worker address")}
        {input("job", "job id")}
        <label>from {input("from", "", "datetime-local")}</label>
        <label>to {input("to", "", "datetime-local")}</label>
        <button id="export-csv" onClick={() => download(`oblivion-history-${stamp}.csv`, "text/csv", toCsv(COLUMNS, rows as never))}>Export CSV</button>
        <button id="export-json" onClick={() => download(`oblivion-history-${stamp}.json`, "application/json", JSON.stringify(rows, null, 2))}>Export JSON</button>
      </div>
      <p id="history-count">{loading ? "reading audit events…" : `${rows.length} of ${all.length} records`}</p>
      <VirtualTable
        id="history"
        rows={rows}
        columns={["record", "job · shard", "model", "worker", "time", "tx", "re-verify"]}
        row={(r) => (
          <tr key={r.record} data-record={r.record}>
            <td>{r.record}</td>
            <td>{r.kind === "anchor" ? "anchored" : `${r.job} · ${r.shard}`}</td>
            <td>{r.model} v{r.version}</td>
            <td title={r.worker}>{short(r.worker)}</td>
            <td>{r.time}</td>
            <td title={r.tx}>{short(r.tx)}</td>
            <td>
              <Reverify id={r.record} record={r} />
            </td>
          </tr>
        )}
      />
    </section>
  );
}
