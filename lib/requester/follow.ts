/**
 * The requester as a process: follow jobs, release keys as claims arrive, and show progress until every shard has
 * settled (`job:post --follow`, `job:follow`), or serve every job with a local job file until stopped
 * (`requester:run`). It serves the jobs' content to workers on other machines and publishes where (content.ts).
 * Progress is one line redrawn on a terminal, otherwise a plain line when it changes, at most every 10 s; open shards
 * that nobody claims get their reason named (stall.ts); content workers cannot reach is said once per job.
 * RPC loss is one line within a poll, retried with backoff, and one line when the node is back.
 */
import type { Signer } from "ethers";
import type { OblivionCore } from "../../typechain-types";
import { describeError } from "../chain/errors";
import { JobBook, type JobView } from "../chain/jobbook";
import type { Logger } from "../util/log";
import { isTransportError, sleep } from "../util/retry";
import { ReleaseAgent } from "./agent";
import { startJobContent, type ContentOptions, type JobContent } from "./content";
import { claimantUploads } from "./delivery";
import { whyUnclaimed } from "./stall";

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
  /** Serve the jobs' content and publish where (default: no server, nothing published). */
  content?: ContentOptions;
  /** Redraw one progress line (a terminal) instead of plain lines at most every `plainEveryMs`. */
  tty?: boolean;
  plainEveryMs?: number;
  /** How long open shards may go unclaimed before the reason is named (default 20 s). */
  stallMs?: number;
  /** The command that prints a finished job's results (pointed to when a job ends). */
  resultsCommand?: (jobId: bigint) => string;
}

export interface FollowOutcome {
  progress: JobProgress[];
  released: number;
  /** Release transactions the pre-send check refused (never sent). */
  refused: number;
  /** true when every followed job has settled; false when stopped (signal) or the job was cancelled. */
  complete: boolean;
  /** The endpoints the releases published. */
  endpoints: string[];
}

const RPC_BACKOFF = { baseMs: 500, maxMs: 10_000 };

export async function followJobs(o: FollowOptions): Promise<FollowOutcome> {
  const coreAddress = await o.core.getAddress();
  const provider = o.requester.provider!;
  const chainId = (await provider.getNetwork()).chainId;
  if ((await provider.getCode(coreAddress)) === "0x") {
    throw new Error(`no OblivionCore at ${coreAddress} on chain ${chainId}: the chain was reset or the deployment file is from another chain (run deploy)`);
  }
  const me = (await o.requester.getAddress()).toLowerCase();
  const book = new JobBook(o.core, provider, o.fromBlock ?? 0);
  let content: JobContent = { endpoints: [], close: async () => undefined };
  if (o.content) {
    content = await startJobContent(o.content, claimantUploads(book, me, chainId, coreAddress));
    if (content.served) o.log.info("serving the jobs' content to workers", { at: content.served, published: content.endpoints.join(",") || "none" });
    else if (content.endpoints.length) o.log.info("publishing content endpoints to workers", { published: content.endpoints.join(",") });
    else o.log.warn("publishing no content endpoints: only workers that share this store or reach it by their own gateways can work", { store: o.content.store.kind });
  }
  try {
    return await followLoop(o, book, content.endpoints, me);
  } finally {
    await content.close();
  }
}

async function followLoop(o: FollowOptions, book: JobBook, endpoints: string[], me: string): Promise<FollowOutcome> {
  const agent = new ReleaseAgent(o.core, o.requester, book, o.log, { jobsDir: o.jobsDir, jobs: o.jobs && new Set(o.jobs), endpoints });
  const t0 = Date.now();
  const settledAtStart = new Map<bigint, number>();
  const line = new ProgressLine(o.log, o.tty ?? false, o.plainEveryMs ?? 10_000);
  const stall = new StallWatch(o, endpoints);
  const finished = new Set<bigint>();
  let rpcDown: { since: number; delay: number } | undefined;
  let progress: JobProgress[] = [];
  let failures = 0;
  const outcome = (complete: boolean): FollowOutcome => {
    line.flush();
    return { progress, released: agent.released, refused: agent.refused, complete, endpoints };
  };
  for (;;) {
    if (o.signal?.aborted) return outcome(false); // stopped before or between passes: nothing more is sent
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
    if (o.jobs) {
      for (const id of o.jobs) {
        const j = book.jobs.get(id);
        if (!j) throw new Error(`job ${id} is not on this chain's core (not posted, or the chain was reset)`);
        if (j.requester !== me) throw new Error(`job ${id} was posted by ${j.requester}, not by the signer ${me} (pass the --from that posted it)`);
      }
    }
    const jobs = await agent.served();
    progress = jobs.map(progressOf);
    for (const p of progress) if (!settledAtStart.has(p.jobId)) settledAtStart.set(p.jobId, p.settled);
    const live = progress.filter((p) => p.settled < p.shardCount && !p.cancelled);
    const counted = o.jobs ? progress : live;
    const total = counted.reduce((a, p) => a + p.shardCount, 0);
    const settled = counted.reduce((a, p) => a + p.settled, 0);
    const since = counted.reduce((a, p) => a + p.settled - settledAtStart.get(p.jobId)!, 0);
    const eta = etaSeconds(since, total - settled, Date.now() - t0);
    // a failed look at why shards wait is said, and the follow goes on
    await stall.check(jobs, progress).catch((err) => o.log.warn("could not tell why open shards wait", { reason: describeError(err) }));
    const text = (o.jobs && progress.length === 1 ? progressLine(progress[0], eta) : summaryLine(progress, eta)) + stall.suffix(counted);
    line.update(text, settled, total);
    for (const p of progress) {
      // a job seen live that has just ended: where its results are
      if (p.settled === p.shardCount && settledAtStart.get(p.jobId)! < p.shardCount && !finished.has(p.jobId)) {
        finished.add(p.jobId);
        line.flush();
        o.log.info(`job ${p.jobId}: every shard settled${o.resultsCommand ? `; results: ${o.resultsCommand(p.jobId)}` : ""}`);
      }
    }
    if (o.jobs) {
      if (progress.every((p) => p.settled === p.shardCount)) return outcome(true);
      const dead = progress.find((p) => p.cancelled && p.claimed === 0);
      if (dead) {
        line.flush();
        o.log.warn("job cancelled; nothing left to follow", { job: dead.jobId, settled: dead.settled, of: dead.shardCount });
        return outcome(false);
      }
    }
    if (await pause(o.pollMs ?? 1_000, o.signal)) return outcome(false);
  }
}

/** One progress line: redrawn in place on a terminal, otherwise printed when it changes, at most every `everyMs`. */
export class ProgressLine {
  private printed = "";
  private pending?: string;
  private lastAt = 0;
  constructor(
    private readonly log: Logger,
    private readonly tty: boolean,
    private readonly everyMs: number,
  ) {}

  update(text: string, done: number, total: number): void {
    if (this.tty) {
      this.log.progress(text, done, total);
      this.pending = stripEta(text) === stripEta(this.printed) ? undefined : text;
      return;
    }
    if (stripEta(text) === stripEta(this.printed)) {
      this.pending = undefined;
      return;
    }
    this.pending = text;
    if (Date.now() - this.lastAt >= this.everyMs) this.flush();
  }

  /** Prints the latest line if it has not been (before an event line, and at the end). */
  flush(): void {
    if (this.pending === undefined) return;
    this.log.info(this.pending);
    this.printed = this.pending;
    this.pending = undefined;
    this.lastAt = Date.now();
  }
}

/** Names, once per job and reason, why open shards go unclaimed, and that workers cannot reach the content. */
class StallWatch {
  private readonly since = new Map<bigint, { at: number; key: string }>();
  private readonly reasons = new Map<bigint, string[]>();
  private readonly told = new Map<bigint, string>();
  private readonly unreachableTold = new Set<bigint>();

  constructor(
    private readonly o: FollowOptions,
    private readonly endpoints: string[],
  ) {}

  async check(jobs: JobView[], progress: JobProgress[]): Promise<void> {
    for (const job of jobs) {
      const p = progress.find((x) => x.jobId === job.jobId)!;
      if (job.leftAfterRelease > 0 && !this.unreachableTold.has(job.jobId)) {
        this.unreachableTold.add(job.jobId);
        this.o.log.warn("workers cannot reach this job's content: they left claims after the key release", {
          job: job.jobId,
          left: job.leftAfterRelease,
          published: this.endpoints.join(",") || "none",
          hint: this.endpoints.length ? "serve on an address the workers can reach (--serve 0.0.0.0:8090) or name one (--content-url)" : "pass --serve 0.0.0.0:8090 or --content-url",
        });
      }
      // the clock restarts whenever the job's counts change
      const key = `${p.settled}/${p.claimed}/${p.open}/${job.leftAfterRelease}`;
      const s = this.since.get(job.jobId);
      if (!s || s.key !== key) {
        this.since.set(job.jobId, { at: Date.now(), key });
        this.reasons.delete(job.jobId);
        continue;
      }
      const stalled = p.open > 0 && p.claimed === 0 && !p.cancelled && Date.now() - s.at >= (this.o.stallMs ?? 20_000);
      if (!stalled || this.reasons.has(job.jobId)) continue;
      const r = await whyUnclaimed(this.o.core, job.jobId, job, this.o.fromBlock ?? 0);
      const reasons = r.reasons.length ? r.reasons : [`none the chain shows (${r.workers} workers registered): are they running?`];
      this.reasons.set(job.jobId, reasons);
      const said = reasons.join("; ");
      if (this.told.get(job.jobId) !== said) {
        this.told.set(job.jobId, said);
        this.o.log.warn(`job ${job.jobId}: ${p.open} open shards unclaimed`, { reasons: said });
      }
    }
  }

  /** ", unclaimed: <first reason>" for the progress line while a followed job is stalled. */
  suffix(progress: JobProgress[]): string {
    const first = progress.map((p) => this.reasons.get(p.jobId)?.[0]).find(Boolean);
    return first ? ` (unclaimed: ${first.split(":")[0]})` : "";
  }
}

const stripEta = (l: string) => l.replace(/, ETA \d+ s$/, "");

/** Counts over the live jobs only, so that a bar beside it never disagrees (no "33/33" next to "settled 0"). */
export function summaryLine(progress: JobProgress[], eta?: number): string {
  const live = progress.filter((p) => p.settled < p.shardCount && !p.cancelled);
  const sum = (k: "settled" | "claimed" | "open" | "shardCount") => live.reduce((a, p) => a + p[k], 0);
  const counts = live.length ? `: settled ${sum("settled")}/${sum("shardCount")}, claimed ${sum("claimed")}, open ${sum("open")}` : ": nothing left to do";
  return `serving ${progress.length} job${progress.length === 1 ? "" : "s"} (${live.length} live)${counts}${eta === undefined ? "" : `, ETA ${eta} s`}`;
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
