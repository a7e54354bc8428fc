/**
 * Verifiable history: every audit record the InferenceAudit wrote (settlements and anchored proofs), filtered by
 * model, worker, job and time, re-verified on demand (on-chain and in the page), exported as CSV or JSON. Events are read in pages of block
 * ranges, newest first, each page shown as it lands, then a block at a time; the table renders only the rows in view.
 * Measured with 10,000 records by `npm run bench:history` (docs/dashboard.md).
 */
import { useDeferredValue, useMemo, useState } from "react";
import { getAbiItem } from "viem";
import { useApp } from "../app";
import { useLogs } from "../chain/useLogs";
import { csvLines, downloadParts, jsonLines, short } from "../format";
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

const EVENTS = [RECORDED, ANCHORED];
type AuditLog = ReturnType<typeof useLogs<(typeof EVENTS)[number]>>["logs"][number];

/** One row per log, built once per log (each page and each block re-renders the screen, not every row's fields). */
const built = new WeakMap<object, HistoryRow>();
function rowOf(l: AuditLog): HistoryRow {
  let row = built.get(l);
  if (row) return row;
  const r = l.args.record;
  row = {
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
  built.set(l, row);
  return row;
}

export default function History() {
  const { config } = useApp();
  const { logs, loading, error } = useLogs("audit", config.contracts.audit, EVENTS);
  const [typed, setF] = useState({ model: "", worker: "", job: "", from: "", to: "" });
  const f = useDeferredValue(typed);

  const all = useMemo(() => logs.map(rowOf), [logs]);
  const rows = useMemo(() => {
    const from = f.from ? Date.parse(f.from) / 1000 : -Infinity;
    const to = f.to ? Date.parse(f.to) / 1000 : Infinity;
    return all
      .filter((r) => (!f.model || r.model === f.model.trim()) && (!f.job || r.job === f.job.trim()) && (!f.worker || r.worker.includes(f.worker.trim().toLowerCase())) && r.timestamp >= from && r.timestamp <= to)
      .reverse();
  }, [all, f]);

  const input = (k: keyof typeof f, ph: string, type = "text") => <input type={type} placeholder={ph} value={typed[k]} data-filter={k} onChange={(e) => setF({ ...typed, [k]: e.target.value })} />;
  const [exporting, setExporting] = useState(false);
  const exportAs = (ext: string, type: string, parts: Iterable<string>) => {
    setExporting(true);
    void downloadParts(`oblivion-history-${new Date().toISOString().replace(/[:.]/g, "-")}.${ext}`, type, parts).finally(() => setExporting(false));
  };
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
        <button id="export-csv" disabled={loading || exporting} title={loading ? "older records are still being read" : undefined} onClick={() => exportAs("csv", "text/csv", csvLines(COLUMNS, rows as never))}>Export CSV</button>
        <button id="export-json" disabled={loading || exporting} title={loading ? "older records are still being read" : undefined} onClick={() => exportAs("json", "application/json", jsonLines(rows))}>Export JSON</button>
      </div>
      <p id="history-count" data-complete={!loading}>
        {loading ? `${rows.length} of ${all.length} records read so far, reading older blocks…` : `${rows.length} of ${all.length} records`}
      </p>
      {error && <p className="tx failed" id="history-error">Reading audit events failed (retried on the next block): {error.message.split("\n")[0]}</p>}
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
