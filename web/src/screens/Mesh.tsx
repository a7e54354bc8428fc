/**
 * Mesh: the live view of workers, jobs and audit records (server-sent snapshots of lib/mesh's follower), with model
 * names, ETH units, every claim a worker holds, expired claims shown as such, and on-chain training rounds.
 */
import { useState } from "react";
import type { JobSnapshot, WorkerSnapshot } from "../../../lib/mesh/types";
import { useNow } from "../chain/block";
import { useMeshSnapshot } from "../chain/mesh";
import { useModels } from "../chain/models";
import { useTrainingJobs } from "../chain/training";
import { countdown, eth, short } from "../format";

function WorkerBox({ w, now }: { w: WorkerSnapshot; now: number }) {
  const claims = w.claims ?? (w.current ? [w.current] : []);
  return (
    <div className={`worker ${w.status}`} data-address={w.address} data-status={w.status}>
      <span className="state">{w.status}</span>
      <div className="addr" title={w.address}>{short(w.address)}</div>
      <dl>
        <dt>stake</dt><dd>{eth(w.stake)}</dd>
        <dt>locked</dt><dd>{eth(w.locked)}{BigInt(w.lockedByManager ?? "0") > 0n ? ` (training ${eth(w.lockedByManager)})` : ""}</dd>
        <dt>current</dt><dd>{claims.length ? claims.map((c) => `job ${c.jobId} · shard ${c.shardIndex}`).join(", ") : "—"}</dd>
        <dt>deadline</dt><dd>{claims.length ? countdown(Number(claims[0].deadline), now) : "—"}</dd>
        <dt>earned</dt><dd>{eth(w.earned)}</dd>
        <dt>withdrawn</dt><dd>{eth(w.withdrawn)}</dd>
        <dt>settled / slashed</dt><dd>{w.settled} / {w.slashed}</dd>
      </dl>
    </div>
  );
}

/** " · DEV setup" or " · ceremony, N contributors" (the addresses are in the title). */
function setupText(j: JobSnapshot): string {
  if (!j.setup) return "";
  if (j.setup.kind === "dev") return " · DEV setup";
  if (j.setup.kind === "external") return " · external setup";
  return ` · ceremony, ${j.setup.contributors.length} contributor${j.setup.contributors.length === 1 ? "" : "s"}`;
}

function JobRow({ j, name }: { j: JobSnapshot; name?: string }) {
  const pct = (n: number) => `${(100 * n) / j.shardCount}%`;
  return (
    <div className="job" data-job={j.jobId}>
      <div className="title">
        <b>Job #{j.jobId}</b>
        <span title={j.setup ? `setup contributors: ${j.setup.contributors.join(", ")}` : undefined}>{name ?? `model ${j.modelId}`} v{j.modelVersion}{setupText(j)}{j.unvettedVerifier ? " · UNVETTED verifier" : ""}{j.cancelled ? " · cancelled" : ""}</span>
        <span>{j.settled}/{j.shardCount} settled</span>
      </div>
      <div className="bar">
        {(["settled", "claimed", "open"] as const).map((st) => <span key={st} className={st} style={{ width: pct(j[st]) }} />)}
      </div>
      <div className="legend">{j.cancelled ? `${j.settled} settled · ${j.claimed} claimed · ${j.open} refunded` : `${j.settled} settled · ${j.claimed} claimed · ${j.open} open`}</div>
    </div>
  );
}

export default function Mesh() {
  const { snap, connected } = useMeshSnapshot();
  const { rows: models } = useModels();
  const { jobs: training } = useTrainingJobs();
  const now = useNow();
  const [results, setResults] = useState<Record<string, { text: string; cls: string }>>({});
  if (!snap) return <p>{connected ? "…" : "Connecting to the mesh stream…"}</p>;
  const nameOf = (id: string) => models.find((m) => m.id.toString() === id)?.name;
  // Deadlines count against the later of the wall clock and the chain's time (ahead after a time jump).
  const clock = Math.max(now, snap.chainTime);
  const rounds = [
    ...training.flatMap((j) => j.rounds.map((r) => ({ key: `${j.jobId}:${r.round}`, job: j.jobId.toString(), round: r.round, acc: snap.training.find((t) => t.jobId === j.jobId.toString() && t.round === r.round)?.accuracy, state: r.closed ? "closed" : "open", accepted: r.accepted }))),
    ...snap.training.filter((t) => !training.some((j) => j.jobId.toString() === t.jobId)).map((t) => ({ key: `f${t.jobId}:${t.round}`, job: t.jobId ?? "—", round: t.round, acc: t.accuracy, state: "reported", accepted: undefined as number | undefined })),
  ];
  async function reverify(id: string) {
    setResults((r) => ({ ...r, [id]: { text: "verifying…", cls: "" } }));
    const res = await fetch(`/api/audit/${id}/verify`, { method: "POST" });
    const b = (await res.json()) as { valid?: boolean; proofHashMatches?: boolean; error?: string };
    setResults((r) => ({ ...r, [id]: b.error ? { text: b.error, cls: "invalid" } : { text: `${b.valid ? "valid proof" : "INVALID proof"}, ${b.proofHashMatches ? "hash matches" : "hash MISMATCH"}`, cls: b.valid && b.proofHashMatches ? "valid" : "invalid" } }));
  }
  return (
    <section className="mesh">
      <h2>Mesh <small>block {snap.block} · {connected ? "live" : "reconnecting…"}</small></h2>
      <p className="lead">Watch the mesh shard and process your job with cryptographic proof.</p>
      <div className="workers">{snap.workers.map((w) => <WorkerBox key={w.address} w={w} now={clock} />)}</div>
      <h3>Jobs</h3>
      <div className="jobs">{snap.jobs.map((j) => <JobRow key={j.jobId} j={j} name={nameOf(j.modelId)} />)}</div>
      <h3>Audit records</h3>
      <table className="audits">
        <thead><tr><th>record</th><th>job · shard</th><th>worker</th><th>verifier</th><th>block</th><th /></tr></thead>
        <tbody>
          {snap.audits.map((a) => (
            <tr key={a.recordId} data-record={a.recordId}>
              <td>{a.recordId}</td><td>{a.jobId} · {a.shardIndex}</td><td title={a.worker}>{short(a.worker)}</td><td title={a.verifier}>{short(a.verifier)}</td><td>{a.blockNumber}</td>
              <td><button data-verify={a.recordId} onClick={() => void reverify(a.recordId)}>re-verify</button> <span data-result={a.recordId} className={results[a.recordId]?.cls}>{results[a.recordId]?.text}</span></td>
            </tr>
          ))}
        </tbody>
      </table>
      <section id="training-section" hidden={!rounds.length}>
        <h3>Training rounds</h3>
        <table id="training">
          <thead><tr><th>job</th><th>round</th><th>accepted updates</th><th>accuracy</th><th>state</th></tr></thead>
          <tbody>{rounds.map((r) => <tr key={r.key} data-round={`${r.job}:${r.round}`} data-source={r.state === "reported" ? "report" : "chain"}><td>{r.job}</td><td>{r.round}</td><td>{r.accepted ?? "—"}</td><td>{r.acc !== undefined ? `${(r.acc * 100).toFixed(2)} %` : "—"}</td><td>{r.state}</td></tr>)}</tbody>
        </table>
      </section>
    </section>
  );
}
