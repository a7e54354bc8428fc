/**
 * The verifiable history screen with 10,000 audit records, in Chromium against the app server and a hardhat node:
 * time until the first rows render and until every record is read, the eth_getLogs pages the page asks for, each
 * filter (model, worker, job, time), a scroll to the oldest record, CSV and JSON export of all records (the exported
 * count is checked), the longest main-thread task of each step, and the page's JS heap. Writes
 * bench/results/dashboard-history.json and prints the table of docs/dashboard.md.
 *
 * Fixture (bench only): the protocol is deployed as usual (ModelRegistry, OblivionCore), but the deployment file the
 * app reads names a second InferenceAudit, the real contract, whose core is AuditBatchWriter (contracts/test): it
 * calls `record` 100 times per transaction, so the audit emits the same `Recorded` events (10 fields, the digest
 * stored) a settlement emits, without 10,000 proofs. Between transactions `hardhat_mine` skips 500 blocks of 12 s,
 * so the records span about 50,000 blocks and a week: the page reads them in pages of 5,000 blocks as it would on a
 * real chain. 1,250 jobs of 8 shards, 4 models, 16 workers. Re-verification is not measured (no proof behind these
 * records; the dashboard test re-verifies real ones).
 * Run: npm run bench:history (inside `unshare -n` when another node holds the usual ports). HISTORY_RECORDS changes
 * the count.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress, keccak256, solidityPacked, toBeHex, type JsonRpcSigner } from "ethers";
import type { Page } from "playwright-core";
import { startApp } from "../lib/app";
import { deploymentPath, type Deployment } from "../lib/chain/deployments";
import { REPO_ROOT } from "../lib/util/processes";
import { launchChromium } from "../test/helpers/browser";
import { runBench, withLocalChain } from "./local-chain";
import { AuditBatchWriter__factory, InferenceAudit__factory, type AuditBatchWriter } from "../typechain-types";

const RECORDS = Number(process.env.HISTORY_RECORDS ?? 10_000);
const PER_TX = 100;
const SHARDS_PER_JOB = 8;
const MODELS = 4;
const WORKERS = Array.from({ length: 16 }, (_, i) => getAddress(keccak256(solidityPacked(["string", "uint256"], ["bench-worker", i])).slice(0, 42)));
const GAP_BLOCKS = 500;
const BLOCK_SECONDS = 12;
const FIELD = 21888242871839275222246405745257275088548364400416300476703385248914118003n;

type Entry = AuditBatchWriter.EntryStruct;
function entry(i: number): Entry {
  const h = (tag: string) => BigInt(keccak256(solidityPacked(["string", "uint256"], [tag, i])));
  const job = 1 + Math.floor(i / SHARDS_PER_JOB);
  return {
    jobId: job,
    shardIndex: i % SHARDS_PER_JOB,
    modelId: 1 + (job % MODELS),
    modelVersion: 1,
    worker: WORKERS[(i * 7 + job) % WORKERS.length],
    verifier: WORKERS[0],
    inputCommitment: h("in") % FIELD,
    outputCommitment: h("out") % FIELD,
    proofHash: toBeHex(h("proof"), 32),
  };
}

/** Deploys the bench audit and its writer, writes RECORDS records, and points the deployment file at that audit. */
async function fixture(owner: JsonRpcSigner, d: Deployment, dir: string) {
  const send = (m: string, p: unknown[]) => owner.provider.send(m, p);
  const audit = await new InferenceAudit__factory(owner).deploy();
  const auditTx = audit.deploymentTransaction()!;
  const writer = await new AuditBatchWriter__factory(owner).deploy(await audit.getAddress());
  await (await audit.bindCore(await writer.getAddress())).wait();
  const t0 = Date.now();
  const entries = Array.from({ length: RECORDS }, (_, i) => entry(i));
  for (let i = 0; i < RECORDS; i += PER_TX) {
    await send("hardhat_mine", [toBeHex(GAP_BLOCKS), toBeHex(BLOCK_SECONDS)]);
    await (await writer.write(entries.slice(i, i + PER_TX))).wait();
  }
  const fixtureSeconds = (Date.now() - t0) / 1000;
  if ((await audit.recordCount()) !== BigInt(RECORDS)) throw new Error(`fixture wrote ${await audit.recordCount()} records, not ${RECORDS}`);
  const file = deploymentPath("localhost", dir);
  const patched: Deployment = { ...d, contracts: { ...d.contracts, InferenceAudit: { address: await audit.getAddress(), initCodeHash: keccak256(InferenceAudit__factory.bytecode), txHash: auditTx.hash } } };
  fs.writeFileSync(file, JSON.stringify(patched, null, 2) + "\n");
  const logs = await audit.queryFilter(audit.filters.Recorded());
  return { audit: await audit.getAddress(), entries, timestamps: logs.map((l) => Number(l.args.record.timestamp)), blocks: (await owner.provider.getBlockNumber()) - (d.block?.number ?? 0), fixtureSeconds };
}

/** In the page before its scripts: the time the first history row and the complete count appear, and long tasks. */
function marks(records: number) {
  const g = globalThis as unknown as {
    __marks: Record<string, number>;
    __long: { start: number; duration: number }[];
    document: { querySelector(s: string): unknown };
    requestAnimationFrame(fn: () => void): void;
    performance: { now(): number };
    PerformanceObserver: new (fn: (l: { getEntries(): { startTime: number; duration: number }[] }) => void) => { observe(o: unknown): void };
  };
  g.__marks = {};
  g.__long = [];
  new g.PerformanceObserver((l) => l.getEntries().forEach((e) => g.__long.push({ start: e.startTime, duration: e.duration }))).observe({ type: "longtask", buffered: true });
  const tick = () => {
    if (!g.__marks.firstRow && g.document.querySelector("#history tbody tr[data-record]")) g.__marks.firstRow = g.performance.now();
    if (!g.__marks.complete && g.document.querySelector(`#history[data-rows="${records}"]`)) g.__marks.complete = g.performance.now();
    if (!g.__marks.complete) g.requestAnimationFrame(tick);
  };
  g.requestAnimationFrame(tick);
}

type Win = { document: { querySelector(s: string): { getAttribute(a: string): string | null; scrollTop: number; scrollHeight: number } | null }; performance: { now(): number }; __long: { start: number; duration: number }[] };
const now = (page: Page) => page.evaluate(() => (globalThis as unknown as Win).performance.now());
/** Waits (per animation frame) until the table holds `n` rows; returns the page's time then. */
const rowsAt = (page: Page, n: number) =>
  page.waitForFunction((k) => (globalThis as unknown as Win).document.querySelector("#history")?.getAttribute("data-rows") === String(k) && (globalThis as unknown as Win).performance.now(), n, { timeout: 60_000 }).then((h) => h.jsonValue() as Promise<number>);
const longestTask = (page: Page, since: number) => page.evaluate((s) => Math.max(0, ...(globalThis as unknown as Win).__long.filter((t) => t.start >= s).map((t) => t.duration)), since);
const ms = (x: number) => Math.round(x);

async function main(): Promise<void> {
  if (!Number.isInteger(RECORDS) || RECORDS < 1) throw new Error(`HISTORY_RECORDS must be a positive integer, got "${process.env.HISTORY_RECORDS}"`);
  await withLocalChain("history", async ({ url, owner, deployment, dir, store, silent }) => {
    const fx = await fixture(owner, deployment, dir);
    console.log(`fixture: ${RECORDS} records over ${fx.blocks} blocks in ${fx.fixtureSeconds.toFixed(1)} s`);
    const app = await startApp({ network: "localhost", rpcUrl: url, port: 0, store, log: silent, deploymentsDir: dir });
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true, timezoneId: "UTC" });
    await context.addInitScript(marks, RECORDS);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const heapMB = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      const { metrics } = await cdp.send("Performance.getMetrics");
      return Math.round((metrics.find((m) => m.name === "JSHeapUsedSize")!.value / 1048576) * 10) / 10;
    };
    /** eth_getLogs calls per phase, for the audit (the history screen) and for other contracts (other screens). */
    const calls: Record<string, number> = {};
    type Call = { method: string; params?: { address?: string }[] };
    const auditAddress = fx.audit.toLowerCase();
    let phase = "load";
    page.on("request", (r) => {
      if (!r.url().startsWith(url) || r.method() !== "POST") return;
      const body = r.postDataJSON() as Call | Call[];
      for (const c of Array.isArray(body) ? body : [body]) {
        if (c.method !== "eth_getLogs") continue;
        const k = `${phase}:${String(c.params?.[0]?.address).toLowerCase() === auditAddress ? "audit" : "other"}`;
        calls[k] = (calls[k] ?? 0) + 1;
      }
    });

    // Cold load of the history screen.
    await page.goto(`${app.url}#/history`);
    await rowsAt(page, RECORDS);
    const m = (await page.evaluate(() => (globalThis as unknown as { __marks: Record<string, number> }).__marks)) as { firstRow: number; complete: number };
    const loadLongest = await longestTask(page, 0);
    const heapLoaded = await heapMB();
    const renderedRows = await page.locator("#history tbody tr[data-record]").count();

    // Filters: from the keystroke to the filtered table painted, then cleared.
    const mid = fx.timestamps[Math.floor(RECORDS / 2)];
    const minute = (t: number) => new Date(t * 1000).toISOString().slice(0, 16);
    const from = Date.parse(minute(mid) + "Z") / 1000;
    const to = from + 24 * 3600;
    const filters = [
      { filter: "model", value: "2", expect: fx.entries.filter((e) => e.modelId === 2).length },
      { filter: "worker", value: WORKERS[3].toLowerCase(), expect: fx.entries.filter((e) => e.worker === WORKERS[3]).length },
      { filter: "job", value: "617", expect: fx.entries.filter((e) => e.jobId === 617).length },
      { filter: "from", value: minute(from), to: minute(to), expect: fx.timestamps.filter((t) => t >= from && t <= to).length },
    ];
    const filterMs: { filter: string; value: string; rows: number; ms: number; clearMs: number; longestTaskMs: number }[] = [];
    phase = "filters";
    for (const f of filters) {
      const t0 = await now(page);
      await page.fill(`[data-filter="${f.filter}"]`, f.value);
      if (f.to) await page.fill('[data-filter="to"]', f.to);
      const t1 = await rowsAt(page, f.expect);
      const c0 = await now(page);
      await page.fill(`[data-filter="${f.filter}"]`, "");
      if (f.to) await page.fill('[data-filter="to"]', "");
      const c1 = await rowsAt(page, RECORDS);
      filterMs.push({ filter: f.to ? "time" : f.filter, value: f.to ? `${f.value} .. ${f.to}` : f.value, rows: f.expect, ms: ms(t1 - t0), clearMs: ms(c1 - c0), longestTaskMs: ms(await longestTask(page, t0)) });
    }

    // Scroll to the oldest record (record 1 is the last row: newest first).
    phase = "scroll";
    const s0 = await now(page);
    await page.evaluate(() => {
      const el = (globalThis as unknown as Win).document.querySelector("#history")!;
      el.scrollTop = el.scrollHeight;
    });
    const s1 = await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('#history tr[data-record="1"]') && (globalThis as unknown as Win).performance.now()).then((h) => h.jsonValue() as Promise<number>);
    const scrollLongest = await longestTask(page, s0);

    // Exports of every record: from the click to the file, its record count checked.
    phase = "export";
    const exportOf = async (button: string, count: (text: string) => number) => {
      const t0 = await now(page);
      const started = Date.now();
      const dl = page.waitForEvent("download");
      await page.click(button);
      const file = await (await dl).path();
      const wall = Date.now() - started;
      const text = fs.readFileSync(file, "utf8");
      const n = count(text);
      if (n !== RECORDS) throw new Error(`${button} exported ${n} records, not ${RECORDS}`);
      return { ms: wall, records: n, bytes: text.length, longestTaskMs: ms(await longestTask(page, t0)) };
    };
    const csv = await exportOf("#export-csv", (t) => t.trim().split("\n").length - 1);
    const json = await exportOf("#export-json", (t) => (JSON.parse(t) as unknown[]).length);
    const heapAfter = await heapMB();

    // The screen opened again: what was read is kept (no page of old blocks read twice).
    phase = "revisit";
    await page.click('nav a[data-screen="market"]');
    await page.waitForSelector("main#screen-market");
    const r0 = await now(page);
    await page.click('nav a[data-screen="history"]');
    const r1 = await rowsAt(page, RECORDS);
    await page.waitForTimeout(1500);
    await browser.close();
    await app.close();

    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}, load average ${os.loadavg()[0].toFixed(1)} at the end`,
      fixture: {
        records: RECORDS,
        how: `InferenceAudit (the real contract) bound to AuditBatchWriter (contracts/test), ${PER_TX} record() calls per transaction; hardhat_mine ${GAP_BLOCKS} blocks of ${BLOCK_SECONDS} s between transactions; the app's deployment file names this audit beside the deployed core and registry`,
        jobs: Math.ceil(RECORDS / SHARDS_PER_JOB),
        models: MODELS,
        workers: WORKERS.length,
        blocks: fx.blocks,
        seconds: Math.round(fx.fixtureSeconds * 10) / 10,
      },
      load: { firstRowsMs: ms(m.firstRow), allRecordsMs: ms(m.complete), getLogsRequests: calls["load:audit"] ?? 0, renderedRows, longestTaskMs: ms(loadLongest) },
      filters: filterMs,
      scrollToOldest: { ms: ms(s1 - s0), longestTaskMs: ms(scrollLongest) },
      export: { csv, json },
      heapMB: { loaded: heapLoaded, afterExports: heapAfter },
      revisit: { rowsMs: ms(r1 - r0), auditGetLogsRequests: calls["revisit:audit"] ?? 0, otherGetLogsRequests: calls["revisit:other"] ?? 0 },
      getLogsRequests: calls,
    };
    fs.mkdirSync(path.join(REPO_ROOT, "bench", "results"), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, "bench", "results", "dashboard-history.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(`| step (${RECORDS.toLocaleString("en")} records) | measured | longest main-thread task |\n|---|---|---|`);
    console.log(`| first rows on screen (cold page load, newest page first) | ${result.load.firstRowsMs} ms | |`);
    console.log(`| every record read (${result.load.getLogsRequests} eth_getLogs pages of ${5000} blocks) | ${result.load.allRecordsMs} ms | ${result.load.longestTaskMs} ms |`);
    console.log(`| table rows in the DOM with every record loaded (virtualised) | ${renderedRows} of ${RECORDS} | |`);
    for (const f of filterMs) console.log(`| filter by ${f.filter} (${f.rows} rows) / cleared | ${f.ms} ms / ${f.clearMs} ms | ${f.longestTaskMs} ms |`);
    console.log(`| scroll to the oldest record | ${result.scrollToOldest.ms} ms | ${result.scrollToOldest.longestTaskMs} ms |`);
    console.log(`| CSV export, all records (${(csv.bytes / 1048576).toFixed(1)} MB, ${csv.records} rows checked) | ${csv.ms} ms | ${csv.longestTaskMs} ms |`);
    console.log(`| JSON export, all records (${(json.bytes / 1048576).toFixed(1)} MB, ${json.records} checked) | ${json.ms} ms | ${json.longestTaskMs} ms |`);
    console.log(`| JS heap, all loaded / after the exports | ${heapLoaded} MB / ${heapAfter} MB | |`);
    console.log(`| screen opened again (after the marketplace): all rows, eth_getLogs to the audit | ${result.revisit.rowsMs} ms, ${result.revisit.auditGetLogsRequests} requests | |`);
  });
}

runBench("bench:history", main);
