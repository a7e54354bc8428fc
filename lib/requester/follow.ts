/**
 * The requester as a process: follow jobs, release keys as claims arrive, and show progress until every shard has
 * settled (`job:post --follow`, `job:follow`), or serve every job with a local job file until stopped
 * (`requester:run`). RPC loss is one line within a poll, retried with backoff, and one line when the node is back.
 */
import type { Signer } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import { describeError } from "../chain/errors";
import { JobBook, type JobView } from "../chain/jobbook";
import type { Logger } from "../util/log";
import { isTransportError, sleep } from "../util/retry";
import { ReleaseAgent } from "./agent";

export interface JobProgress {
  jobId: bigint;
  shardCount: number;
  settled: number;
  claimed: number;
  open: number;
  cancelled: boolean;
}

export function progressOf(job: JobView): JobProgress {
  const { settled, claimed, open } = job.counts;
  return { jobId: job.jobId, shardCount: job.shardCount, settled, claimed, open, cancelled: job.cancelled };
}

/** Estimated seconds left from the settlement rate since following began; undefined before the first settlement. */
export function etaSeconds(settledSinceStart: number, remaining: number, elapsedMs: number): number | undefined {
  if (settledSinceStart <= 0 || remaining <= 0) return remaining <= 0 ? 0 : undefined;
  return Math.round(((elapsedMs / settledSinceStart) * remaining) / 1000);
}

export function progressLine(p: JobProgress, eta?: number): string {
  const e = eta === undefined ? "" : `, ETA ${eta} s`;
  return `job ${p.jobId}: settled ${p.settled}/${p.shardCount}, claimed ${p.claimed}, open ${p.open}${p.cancelled ? ", CANCELLED" : ""}${e}`;
}

export interface FollowOptions {
  core: OblivionCore;
  requester: Signer;
  log: Logger;
  jobsDir?: string;
  /** Jobs to follow to the end; undefined serves every job of this requester until `signal` aborts. */
  jobs?: bigint[];
  pollMs?: number;
  signal?: AbortSignal;
  /** First block of the job book (the core's deployment block; 0 reads the whole chain). */
  fromBlock?: number;
}

export interface FollowOutcome {
  progress: JobProgress[];
  released: number;
  /** Release transactions the pre-send check refused (never sent). */
  refused: number;
  /** true when every followed job has settled; false when stopped (signal) or the job was cancelled. */
  complete: boolean;
}

const RPC_BACKOFF = { baseMs: 500, maxMs: 10_000 };

export async function followJobs(o: FollowOptions): Promise<FollowOutcome> {
  const coreAddress = await o.core.getAddress();
  if ((await o.requester.provider!.getCode(coreAddress)) === "0x") {
    const chainId = (await o.requester.provider!.getNetwork()).chainId;
    throw new Error(`no OblivionCore at ${coreAddress} on chain ${chainId}: the chain was reset or the deployment file is from another chain (run deploy)`);
  }
  const book = new JobBook(o.core, o.requester.provider!, o.fromBlock ?? 0);
  const agent = new ReleaseAgent(o.core, o.requester, book, o.log, { jobsDir: o.jobsDir, jobs: o.jobs && new Set(o.jobs) });
  const t0 = Date.now();
  const settledAtStart = new Map<bigint, number>();
  let lastLine = "";
  let rpcDown: { since: number; delay: number } | undefined;
  let progress: JobProgress[] = [];
  let failures = 0;
  const outcome = (complete: boolean): FollowOutcome => ({ progress, released: agent.released, refused: agent.refused, complete });
  for (;;) {
    try {
      await book.sync();
      await agent.tick();
      if (rpcDown) {
        o.log.info("RPC back; following again", { downSeconds: Math.round((Date.now() - rpcDown.since) / 1000) });
        rpcDown = undefined;
      }
      failures = 0;
    } catch (err) {
      if (!isTransportError(err)) {
        // Following one job, a failure ends the command in one line; the service logs it and backs off instead.
        if (o.jobs) throw err;
        failures++;
        const waitMs = Math.min(RPC_BACKOFF.baseMs * 2 ** failures, 60_000);
        o.log.warn("pass failed; backing off", { reason: describeError(err), failures, waitMs });
        if (await pause(waitMs, o.signal)) return outcome(false);
        continue;
      }
      if (!rpcDown) {
        rpcDown = { since: Date.now(), delay: RPC_BACKOFF.baseMs };
        o.log.warn("RPC unreachable; retrying with backoff", { reason: describeError(err) });
      } else rpcDown.delay = Math.min(rpcDown.delay * 2, RPC_BACKOFF.maxMs);
      if (await pause(rpcDown.delay, o.signal)) return outcome(false);
      continue;
    }
    if (o.jobs) for (const id of o.jobs) if (!book.jobs.has(id)) throw new Error(`job ${id} is not on this chain's core (not posted, or the chain was reset)`);
    const jobs = await agent.served();
    progress = jobs.map(progressOf);
    for (const p of progress) if (!settledAtStart.has(p.jobId)) settledAtStart.set(p.jobId, p.settled);
    const total = progress.reduce((a, p) => a + p.shardCount, 0);
    const settled = progress.reduce((a, p) => a + p.settled, 0);
    const since = progress.reduce((a, p) => a + p.settled - settledAtStart.get(p.jobId)!, 0);
    const eta = etaSeconds(since, total - settled, Date.now() - t0);
    const line = o.jobs && progress.length === 1 ? progressLine(progress[0], eta) : summaryLine(progress, eta);
    if (stripEta(line) !== stripEta(lastLine)) o.log.info(line);
    lastLine = line;
    o.log.progress(`settled (claimed ${progress.reduce((a, p) => a + p.claimed, 0)}${eta === undefined ? "" : `, ETA ${eta} s`})`, settled, total);
    if (o.jobs) {
      if (progress.every((p) => p.settled === p.shardCount)) return outcome(true);
      const dead = progress.find((p) => p.cancelled && p.claimed === 0);
      if (dead) {
        o.log.warn("job cancelled; nothing left to follow", { job: dead.jobId, settled: dead.settled, of: dead.shardCount });
        return outcome(false);
      }
    }
    if (await pause(o.pollMs ?? 1_000, o.signal)) return outcome(false);
  }
}

const stripEta = (l: string) => l.replace(/, ETA \d+ s$/, "");

function summaryLine(progress: JobProgress[], eta?: number): string {
  const live = progress.filter((p) => p.settled < p.shardCount && !p.cancelled);
  const sum = (k: "settled" | "claimed" | "open") => live.reduce((a, p) => a + p[k], 0);
  return `serving ${progress.length} jobs (${live.length} live): settled ${sum("settled")}, claimed ${sum("claimed")}, open ${sum("open")}${eta === undefined ? "" : `, ETA ${eta} s`}`;
}

/** Sleeps; true when aborted. */
async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return true;
  try {
    await sleep(ms, signal);
    return false;
  } catch {
    return true;
  }
}
