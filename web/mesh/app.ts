/**
 * The mesh page: renders each MeshSnapshot pushed by the server's event stream (/api/events) and re-verifies audit
 * records through POST /api/audit/:id/verify. No dependencies; compiled by the server with transpileModule.
 */
import type { AuditSnapshot, JobSnapshot, MeshSnapshot, TrainingRound, VerifyReport, WorkerSnapshot } from "../../lib/mesh/types";

type Child = Node | string;

function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const short = (a: string) => (a.length > 12 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a);

/** Wei (decimal string) as ETH with 4 decimals. */
function eth(wei: string): string {
  const w = BigInt(wei);
  const whole = w / 10n ** 18n;
  const frac = ((w % 10n ** 18n) / 10n ** 14n).toString().padStart(4, "0");
  return `${whole}.${frac}`;
}

/** Outcomes of re-verification, kept across re-renders. */
const results = new Map<string, { text: string; cls: string }>();

/** `now`: the later of the server's wall clock and the latest block's time (stale on an idle node, ahead after a time jump). */
function workerBox(w: WorkerSnapshot, now: number): HTMLElement {
  let current = "—";
  let deadline = "—";
  if (w.current) {
    const left = Number(w.current.deadline) - now;
    current = `job ${w.current.jobId} · shard ${w.current.shardIndex}`;
    deadline = left > 0 ? `${left}s left` : "expired";
  }
  const row = (k: string, v: string) => [el("dt", {}, k), el("dd", {}, v)];
  return el(
    "div",
    { class: `worker ${w.status}`, "data-address": w.address, "data-status": w.status },
    el("span", { class: "state" }, w.status),
    el("div", { class: "addr", title: w.address }, short(w.address)),
    el(
      "dl",
      {},
      ...row("stake", eth(w.stake)),
      ...row("locked", eth(w.locked)),
      ...row("current", current),
      ...row("deadline", deadline),
      ...row("earned", eth(w.earned)),
      ...row("withdrawn", eth(w.withdrawn)),
      ...row("settled / slashed", `${w.settled} / ${w.slashed}`),
    ),
  );
}

function jobRow(j: JobSnapshot): HTMLElement {
  const pct = (n: number) => `${(100 * n) / j.shardCount}%`;
  const bar = el("div", { class: "bar" });
  for (const st of ["settled", "claimed", "open"] as const) bar.append(el("span", { class: st, style: `width:${pct(j[st])}` }));
  return el(
    "div",
    { class: "job", "data-job": j.jobId },
    el(
      "div",
      { class: "title" },
      el("b", {}, `Job #${j.jobId}`),
      el("span", { title: j.setup ? `setup contributors: ${j.setup.contributors.join(", ")}` : "" }, `model ${j.modelId} v${j.modelVersion}${setupText(j)}${j.unvettedVerifier ? " · UNVETTED verifier" : ""}${j.cancelled ? " · cancelled" : ""}`),
      el("span", {}, `${j.settled}/${j.shardCount} settled`),
    ),
    bar,
    el("div", { class: "legend" }, `${j.settled} settled · ${j.claimed} claimed · ${j.open} open`),
  );
}

async function reverify(recordId: string, button: HTMLButtonElement, out: HTMLElement): Promise<void> {
  button.disabled = true;
  out.textContent = "verifying…";
  out.className = "result";
  try {
    const res = await fetch(`/api/audit/${recordId}/verify`, { method: "POST" });
    const body = (await res.json()) as VerifyReport & { error?: string };
    if (!res.ok) results.set(recordId, { text: `error: ${body.error}`, cls: "invalid" });
    else {
      const ok = body.valid && body.proofHashMatches;
      const text = `${body.valid ? "valid" : "INVALID"} proof, hash ${body.proofHashMatches ? "matches" : "MISMATCH"}`;
      results.set(recordId, { text, cls: ok ? "valid" : "invalid" });
    }
  } catch (err) {
    results.set(recordId, { text: `error: ${(err as Error).message}`, cls: "invalid" });
  }
  const r = results.get(recordId)!;
  out.textContent = r.text;
  out.className = `result ${r.cls}`;
  button.disabled = false;
}

function auditRow(a: AuditSnapshot): HTMLElement {
  const button = el("button", { "data-verify": a.recordId }, "Re-verify") as HTMLButtonElement;
  const prev = results.get(a.recordId);
  const out = el("span", { class: `result ${prev?.cls ?? ""}`, "data-result": a.recordId }, prev?.text ?? "");
  button.addEventListener("click", () => void reverify(a.recordId, button, out));
  return el(
    "tr",
    { "data-record": a.recordId },
    el("td", {}, `#${a.recordId}`),
    el("td", {}, a.jobId === "0" ? "anchored" : `${a.jobId} / ${a.shardIndex}`),
    el("td", { class: "mono", title: a.worker }, short(a.worker)),
    el("td", { class: "mono", title: a.verifier }, short(a.verifier)),
    el("td", { class: "mono", title: a.proofHash }, short(a.proofHash)),
    el("td", {}, button, out),
  );
}

function trainingRow(t: TrainingRound): HTMLElement {
  return el(
    "tr",
    {},
    el("td", {}, t.jobId ?? "—"),
    el("td", {}, String(t.round)),
    el("td", {}, `${(100 * t.accuracy).toFixed(2)} %`),
    el("td", {}, t.epsilon.toFixed(3)),
    el("td", {}, t.delta === undefined ? "—" : t.delta.toExponential(1)),
  );
}

function fill(container: HTMLElement, items: HTMLElement[], emptyText: string): void {
  container.replaceChildren(...(items.length ? items : [el("p", { class: "empty" }, emptyText)]));
}

function render(s: MeshSnapshot): void {
  $("chain").textContent = `${s.network} · chain ${s.chainId} · block ${s.block} · core ${short(s.core)}`;
  fill($("workers"), s.workers.map((w) => workerBox(w, Math.max(s.now, s.chainTime))), "No workers yet.");
  fill($("jobs"), s.jobs.map(jobRow), "No jobs yet.");
  ($("audits").querySelector("tbody") as HTMLElement).replaceChildren(...s.audits.map(auditRow));
  $("training-section").hidden = s.training.length === 0;
  ($("training").querySelector("tbody") as HTMLElement).replaceChildren(...s.training.map(trainingRow));
  document.body.dataset.block = String(s.block);
}

const events = new EventSource("/api/events");
events.onopen = () => ($("live").className = "live on");
events.onerror = () => ($("live").className = "live off");
events.onmessage = (m: MessageEvent<string>) => render(JSON.parse(m.data) as MeshSnapshot);

/** " · DEV setup" or " · ceremony, N contributors" (the addresses are in the title). */
function setupText(j: JobSnapshot): string {
  if (!j.setup) return "";
  if (j.setup.kind === "dev") return " · DEV setup";
  if (j.setup.kind === "external") return " · external setup";
  return ` · ceremony, ${j.setup.contributors.length} contributor${j.setup.contributors.length === 1 ? "" : "s"}`;
}
