/**
 * The job book's memory and pass times with G-04's attack: two 1,000,000-shard jobs (the most a job may have) beside a
 * few hundred live claims. The book reads the core's real event encoding from an in-memory log source, so only the
 * book is measured. Beside it, in the same run, the reference: the previous layout (one object and one Set per shard)
 * and its keeper scan. Writes bench/results/jobbook.json and docs/jobbook.md.
 * Run: npm run bench:jobbook (node --expose-gc, so each heap figure is taken after a full collection)
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ethers, type Log, type Provider } from "ethers";
import { OblivionCore__factory, type OblivionCore } from "../typechain-types";
import { JobBook, nowSeconds } from "../lib/chain/jobbook";

const SHARDS = 1_000_000;
const JOBS = 2;
const CLAIMS_PER_JOB = 200;
const SETTLED_PER_JOB = 50;
const MiB = 1024 * 1024;
const CORE = "0x000000000000000000000000000000000000c0de";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (npm run bench:jobbook)");

function heapMiB(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed / MiB;
}

/** Median of `runs` timings of `f`, in milliseconds. */
function medianMs(runs: number, f: () => unknown): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(runs / 2)];
}

/** The events of the attack and of live work, encoded as the core emits them. */
function attackLogs(): Log[] {
  const iface = OblivionCore__factory.createInterface();
  const logs: Log[] = [];
  const push = (name: string, values: unknown[]) => {
    const { data, topics } = iface.encodeEventLog(name, values);
    logs.push({ address: CORE, data, topics, blockNumber: 1, transactionHash: ethers.ZeroHash, index: logs.length } as unknown as Log);
  };
  const attacker = ethers.getAddress("0x" + "a1".repeat(20));
  const now = nowSeconds();
  for (let j = 1n; j <= BigInt(JOBS); j++) {
    push("JobPosted", [j, attacker, 7n, 1, SHARDS, ethers.ZeroHash, BigInt(SHARDS)]);
    for (let c = 0; c < CLAIMS_PER_JOB; c++) {
      const shard = BigInt(c * 4_999);
      const worker = ethers.getAddress("0x" + (c % 50).toString(16).padStart(40, "0"));
      // half the claims expired an hour ago, half run for a day
      push("ShardClaimed", [j, shard, worker, c % 2 ? now - 3_600n : now + 86_400n, 1, 0n, 0n]);
      if (c < SETTLED_PER_JOB) push("ShardSettled", [j, shard, worker, 1n, [1n, 2n], "", 1n, 0n, 0n]);
    }
  }
  return logs;
}

function sourceOf(logs: Log[]): { core: OblivionCore; provider: Provider } {
  const core = { interface: OblivionCore__factory.createInterface(), getAddress: async () => CORE } as unknown as OblivionCore;
  const provider = { getBlockNumber: async () => 1, getLogs: async () => logs } as unknown as Provider;
  return { core, provider };
}

async function main() {
  const logs = attackLogs();
  const empty = new JobBook(...(Object.values(sourceOf([])) as [OblivionCore, Provider]));
  await empty.sync();
  const src = sourceOf(logs);
  let book = new JobBook(src.core, src.provider);
  await book.sync();

  const now = nowSeconds();
  const expired = book.expiredClaims(now).length;
  const keeperMs = medianMs(200, () => book.expiredClaims(now));
  const workerMs = medianMs(200, () => book.openShardsFor("0x" + "b2".repeat(20), () => true));
  const agentMs = medianMs(200, () => {
    let n = 0;
    for (const job of book.jobs.values()) for (const i of job.claimed) if (!job.shard(i).release) n++;
    return n;
  });
  const totals = book.totals();
  // What the synced book retains: the heap with it, less the heap once it is dropped (the empty book and the logs stay
  // alive in both), each after full collections, so warm-up allocations of the first sync do not count either way.
  const withJobs = heapMiB();
  book = undefined as unknown as JobBook;
  const bookMiB = withJobs - heapMiB();
  void empty;

  // The reference: the layout before G-04 (an object and a Set per shard), with its keeper scan over every shard.
  const refBase = heapMiB();
  const reference = Array.from({ length: JOBS }, () =>
    Array.from({ length: SHARDS }, () => ({ state: "open" as string, claimedBy: new Set<string>(), deadline: undefined as bigint | undefined })),
  );
  for (const shards of reference) for (let c = 0; c < CLAIMS_PER_JOB; c++) {
    const s = shards[c * 4_999];
    s.state = c < SETTLED_PER_JOB ? "settled" : "claimed";
    s.deadline = c % 2 ? now - 3_600n : now + 86_400n;
  }
  const refMiB = heapMiB() - refBase;
  const refKeeperMs = medianMs(10, () => {
    const out: number[] = [];
    for (const shards of reference) shards.forEach((s, i) => {
      if (s.state === "claimed" && s.deadline !== undefined && s.deadline < now) out.push(i);
    });
    return out;
  });

  const result = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    machine: "2 shared cores (other jobs running)",
    jobs: JOBS,
    shardsPerJob: SHARDS,
    claimsPerJob: CLAIMS_PER_JOB,
    settledPerJob: SETTLED_PER_JOB,
    expiredClaims: expired,
    totals,
    heapAboveEmptyMiB: +bookMiB.toFixed(2),
    keeperPassMs: +keeperMs.toFixed(3),
    workerPassMs: +workerMs.toFixed(3),
    agentPassMs: +agentMs.toFixed(3),
    targets: { heapAboveEmptyMiB: 20, keeperPassMs: 5 },
    reference: { layout: "one object and one Set per shard (before G-04)", heapMiB: +refMiB.toFixed(1), keeperPassMs: +refKeeperMs.toFixed(2) },
  };
  const ok = bookMiB <= 20 && keeperMs <= 5;
  const root = path.resolve(__dirname, "..");
  fs.writeFileSync(path.join(root, "bench", "results", "jobbook.json"), JSON.stringify(result, null, 2) + "\n");
  const md = [
    "# Job book: memory and passes with huge jobs",
    "",
    "Measured by `npm run bench:jobbook` (bench/jobbook.ts): a job book (lib/chain/jobbook.ts) synced over G-04's attack,",
    `${JOBS} jobs of ${SHARDS.toLocaleString("en-US")} shards each (the most a job may have), with ${CLAIMS_PER_JOB} claims per job, of which ${SETTLED_PER_JOB} settled and half of the`,
    "rest expired. The events are the core's own encoding, served from memory, so only the book is measured. Heap after a full",
    "garbage collection (node --expose-gc): what the synced book retains (the heap with it, less the heap once it is dropped,",
    "an empty book alive in both); pass times are medians. The reference, in the same run, is the",
    "layout before issue 20 (one object and one Set per shard) and its keeper scan over every shard. Raw data:",
    "bench/results/jobbook.json.",
    "",
    "| Figure | Job book | Reference (per-shard objects) | Target |",
    "|---|---:|---:|---:|",
    `| heap above an empty book (MiB) | ${result.heapAboveEmptyMiB} | ${result.reference.heapMiB} | ≤ 20 |`,
    `| keeper pass, \`expiredClaims\` (ms) | ${result.keeperPassMs} | ${result.reference.keeperPassMs} | ≤ 5 |`,
    `| worker pass, \`openShardsFor\` (ms) | ${result.workerPassMs} | | |`,
    `| release-agent pass over live claims (ms) | ${result.agentPassMs} | | |`,
    "",
    `Expired claims found: ${expired} of ${JOBS * (CLAIMS_PER_JOB - SETTLED_PER_JOB)} live. The book keeps state only for shards that had events;`,
    "open shards are each job's range minus those, so every pass costs O(claims), whatever the shard count.",
    "",
  ].join("\n");
  fs.writeFileSync(path.join(root, "docs", "jobbook.md"), md);
  console.log(JSON.stringify(result, null, 2));
  if (!ok) {
    console.error(`job book over target: ${bookMiB.toFixed(2)} MiB (≤ 20), keeper pass ${keeperMs.toFixed(3)} ms (≤ 5)`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
