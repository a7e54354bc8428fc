/**
 * Follows the chain for the mesh view: jobs and shards through the JobBook, workers (stake, locked collateral,
 * earnings, the outcome of their latest claim) through the core's events and `getWorker`, and the latest audit
 * records through the InferenceAudit's events. `sync()` reads what is new; `snapshot()` is what the page gets.
 */
import { setupInfo } from "../chain/setupKind";
import { auditRecord } from "../chain/protocol";
import type { Provider } from "ethers";
import type { InferenceAudit, ModelRegistry, OblivionCore } from "../../typechain-types";
import { JobBook, type BookEvent } from "../chain/jobbook";
import type { AuditSnapshot, JobSnapshot, MeshSnapshot, TrainingRound, WorkerSnapshot, WorkerStatus } from "./types";

/**
 * Events that reveal a worker or change its stake, beside those the JobBook applies; with the training manager's
 * locks, releases and slashes (its "locked" figure and its stake).
 */
const STAKE_EVENTS = ["WorkerRegistered", "Staked", "UnstakeRequested", "StakeWithdrawn", "Withdrawn", "ManagerLocked", "ManagerReleased", "ManagerSlashed"] as const;

export interface FollowerOptions {
  network: string;
  core: OblivionCore;
  audit: InferenceAudit;
  /** Where each job's model setup (DEV or ceremony and its contributors) is read; without it none is shown. */
  registry?: ModelRegistry;
  provider: Provider;
  /** First block to read (the deployment block). */
  fromBlock: number;
  /** Audit records kept for the page (newest first). */
  maxAudits?: number;
  /** Jobs kept for the page (newest first). */
  maxJobs?: number;
  maxRange?: number;
}

interface WorkerAcc {
  stake: bigint;
  locked: bigint;
  lockedByManager: bigint;
  earned: bigint;
  settled: number;
  slashed: number;
  status: WorkerStatus;
}

const lc = (a: string) => a.toLowerCase();

export class MeshFollower {
  readonly book: JobBook;
  private readonly workers = new Map<string, WorkerAcc>();
  /** Withdrawals by any account (workers' are shown). */
  private readonly withdrawn = new Map<string, bigint>();
  private audits: AuditSnapshot[] = [];
  private readonly verifierOf = new Map<string, string>();
  /** Whether each job's verifier is unvetted (fixed at post, read once). */
  private readonly unvetted = new Map<bigint, boolean>();
  /** Setup of each (model, version) a job uses (fixed once a job can be posted on it). */
  private readonly setups = new Map<string, JobSnapshot["setup"]>();
  private nextBlock: number;
  private block = 0;
  private chainTime = 0;
  private chainId = 0n;
  private coreAddress = "";
  private auditAddress = "";

  constructor(private readonly o: FollowerOptions) {
    this.book = new JobBook(o.core, o.provider, o.fromBlock, o.maxRange);
    this.nextBlock = o.fromBlock;
  }

  /** Reads every new event; returns true when anything the page shows may have changed. */
  async sync(): Promise<boolean> {
    if (!this.coreAddress) {
      this.coreAddress = lc(await this.o.core.getAddress());
      this.auditAddress = lc(await this.o.audit.getAddress());
      this.chainId = (await this.o.provider.getNetwork()).chainId;
    }
    const touched = new Set<string>();
    for (const ev of await this.book.sync()) this.applyBookEvent(ev, touched);
    const latest = await this.o.provider.getBlockNumber();
    const maxRange = this.o.maxRange ?? 5_000;
    while (this.nextBlock <= latest) {
      const to = Math.min(latest, this.nextBlock + maxRange - 1);
      await this.readStakeEvents(this.nextBlock, to, touched);
      await this.readAuditEvents(this.nextBlock, to);
      this.nextBlock = to + 1;
    }
    for (const w of touched) {
      const rec = await this.o.core.getWorker(w);
      const acc = this.acc(w);
      acc.stake = rec.stake;
      acc.locked = rec.locked;
      acc.lockedByManager = await this.o.core.lockedByManager(w);
    }
    await this.fillVerifiers();
    await this.fillUnvetted();
    const changed = latest !== this.block || touched.size > 0;
    if (latest !== this.block) {
      const b = await this.o.provider.getBlock(latest);
      this.block = latest;
      this.chainTime = b ? b.timestamp : this.chainTime;
    }
    return changed;
  }

  /** Claims open now (their deadlines are shown counting down). */
  liveClaims(): number {
    return this.book.totals().claimed;
  }

  snapshot(training: TrainingRound[] = []): MeshSnapshot {
    const now = Math.floor(Date.now() / 1000);
    const clock = Math.max(now, this.chainTime);
    const workers: WorkerSnapshot[] = [...this.workers.entries()].map(([address, a]) => {
      const held = this.book.claimsOf(address).map((c) => ({ jobId: c.job.jobId.toString(), shardIndex: c.shardIndex, deadline: String(c.job.shard(c.shardIndex).deadline ?? 0n) }));
      const claim = held[0];
      // The latest event may say "working" for a claim that has since been left or expired: the claims decide.
      let status = a.status;
      if (status === "working" && !held.length) status = "idle";
      if (held.length && held.every((c) => Number(c.deadline) < clock)) status = "expired";
      else if (held.length) status = "working";
      return {
        address,
        stake: a.stake.toString(),
        locked: a.locked.toString(),
        lockedByManager: a.lockedByManager.toString(),
        earned: a.earned.toString(),
        withdrawn: (this.withdrawn.get(address) ?? 0n).toString(),
        settled: a.settled,
        slashed: a.slashed,
        status,
        current: claim,
        claims: held,
      };
    });
    const jobs: JobSnapshot[] = [...this.book.jobs.values()]
      .sort((x, y) => (x.jobId < y.jobId ? 1 : -1))
      .slice(0, this.o.maxJobs ?? 30)
      .map((j) => {
        // The book's counts follow the core's shard statuses event by event: O(1) per job, whatever its shard
        // count (G-04: a million-shard job costs the view no read per shard).
        return {
          jobId: j.jobId.toString(),
          modelId: j.modelId.toString(),
          modelVersion: j.modelVersion.toString(),
          shardCount: j.shardCount,
          open: j.counts.open,
          claimed: j.counts.claimed,
          settled: j.counts.settled,
          cancelled: j.cancelled,
          unvettedVerifier: this.unvetted.get(j.jobId) ?? false,
          setup: this.setups.get(`${j.modelId}:${j.modelVersion}`),
        };
      });
    return {
      network: this.o.network,
      chainId: this.chainId.toString(),
      core: this.coreAddress,
      block: this.block,
      chainTime: this.chainTime,
      now,
      workers,
      jobs,
      audits: this.audits,
      training,
    };
  }

  private acc(address: string): WorkerAcc {
    let a = this.workers.get(address);
    if (!a) {
      a = { stake: 0n, locked: 0n, lockedByManager: 0n, earned: 0n, settled: 0, slashed: 0, status: "idle" };
      this.workers.set(address, a);
    }
    return a;
  }

  private applyBookEvent(ev: BookEvent, touched: Set<string>): void {
    if (!ev.worker) return;
    const w = lc(ev.worker);
    touched.add(w);
    const a = this.acc(w);
    if (ev.name === "ShardClaimed") a.status = "working";
    else if (ev.name === "ShardSettled") {
      a.status = "verified";
      a.settled++;
      a.earned += ev.args.workerPay as bigint;
    } else if (ev.name === "ClaimSlashed") {
      a.status = "slashed";
      a.slashed++;
    } else if (ev.name === "ClaimVoided") a.status = "idle"; // expired without a key release: no fault of the worker
  }

  private async readStakeEvents(fromBlock: number, toBlock: number, touched: Set<string>): Promise<void> {
    const iface = this.o.core.interface;
    const topics = [STAKE_EVENTS.map((n) => iface.getEvent(n).topicHash)];
    const logs = await this.o.provider.getLogs({ address: this.coreAddress, fromBlock, toBlock, topics });
    for (const log of logs) {
      const p = iface.parseLog({ topics: [...log.topics], data: log.data });
      if (!p) continue;
      if (p.name === "Withdrawn") {
        const who = lc(p.args.account);
        this.withdrawn.set(who, (this.withdrawn.get(who) ?? 0n) + (p.args.amount as bigint));
        if (this.workers.has(who)) touched.add(who);
      } else {
        const w = lc(p.args.worker);
        this.acc(w);
        touched.add(w);
      }
    }
  }

  private async readAuditEvents(fromBlock: number, toBlock: number): Promise<void> {
    const iface = this.o.audit.interface;
    const topics = [[iface.getEvent("Recorded").topicHash, iface.getEvent("Anchored").topicHash]];
    const logs = await this.o.provider.getLogs({ address: this.auditAddress, fromBlock, toBlock, topics });
    const fresh: AuditSnapshot[] = [];
    for (const log of logs) {
      const p = iface.parseLog({ topics: [...log.topics], data: log.data });
      if (!p) continue;
      // Both events carry the full record (the contract stores only its digest).
      const r = p.args.record;
      fresh.push({
        recordId: p.args.recordId.toString(),
        jobId: r.jobId.toString(),
        shardIndex: Number(r.shardIndex),
        worker: lc(r.submitter),
        verifier: lc(r.verifier),
        proofHash: r.proofHash,
        blockNumber: log.blockNumber,
        txHash: log.transactionHash,
      });
    }
    if (fresh.length) this.audits = [...fresh.reverse(), ...this.audits].slice(0, this.o.maxAudits ?? 20);
  }

  /** Reads each new job's unvetted-verifier flag once (it cannot change after post). */
  private async fillUnvetted(): Promise<void> {
    for (const [id, j] of this.book.jobs) {
      if (!this.unvetted.has(id)) this.unvetted.set(id, (await this.o.core.getJob(id)).unvettedVerifier);
      const key = `${j.modelId}:${j.modelVersion}`;
      if (this.o.registry && !this.setups.has(key)) {
        const s = await setupInfo(this.o.registry, j.modelId, Number(j.modelVersion));
        this.setups.set(key, { kind: s.kind, contributors: s.contributors });
      }
    }
  }

  /** Records written by the core name no verifier in their event: read it from the record (kept ones only). */
  private async fillVerifiers(): Promise<void> {
    for (const r of this.audits) {
      if (r.verifier) continue;
      let v = this.verifierOf.get(r.recordId);
      if (!v) {
        v = lc((await auditRecord(this.o.audit, BigInt(r.recordId))).verifier);
        this.verifierOf.set(r.recordId, v);
      }
      r.verifier = v;
    }
  }
}
