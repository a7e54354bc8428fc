/**
 * Keeper duty for training jobs. For jobs whose aggregator is this keeper: close each round once it is closable
 * (fetch and check the updates, aggregate, publish the next model; lib/training/aggregator.ts). For every outsourced
 * job: run the draws that are ready (lib/training/draws.ts), and settle a round its aggregator left unclosed once
 * anyone may (`settleRound`: the decided slots are paid, the model stays). For every job: call an expired round in
 * (`expireRound`, permissionless after the close deadline): silent participants are slashed with this keeper as the
 * bounty receiver (unless it is the job's requester or aggregator), and the job is aborted so its requester can take
 * the escrow back.
 */
import type { Signer } from "ethers";
import type { TrainingJobs } from "../typechain-types";
import type { ContentStore } from "../lib/storage";
import { describeError, revertName } from "../lib/chain/errors";
import { isTransportError } from "../lib/util/retry";
import type { Logger } from "../lib/util/log";
import { aggregateAndClose, roundClosable } from "../lib/training/aggregator";
import { jobStatus } from "../lib/training/params";
import { resolveReadyDraws } from "../lib/training/draws";
import type { KeeperDuty } from "./keeper";

/** Reverts that mean someone else (or the aggregator) acted first. */
const LOST_RACE = new Set(["RoundNotExpired", "JobNotActive", "BudgetExhausted", "RoundNotCurrent", "RoundNotClosable", "SettleTooEarly", "CloseWindowPassed"]);

/**
 * One pass costs O(live rounds): finished and aborted jobs are dropped for good, a job is read with two calls (job and
 * round), draws are looked at only where a committed primary waits for one, and no slot is scanned. Rounds this keeper
 * aggregates are served first, earliest close deadline first, so a flood of cheap jobs cannot push them past their
 * deadline. Rounds nobody joined are left alone (nothing to slash or settle: no bounty, only gas).
 */
export class TrainingDuty implements KeeperDuty {
  readonly name = "training";
  readonly stats = { closed: 0, settled: 0, expired: 0, draws: 0, lostRaces: 0, jobsRead: 0 };
  /** Jobs seen to be finished or aborted (never read again), and the next job id never read. */
  private readonly ended = new Set<bigint>();
  private nextJob = 1n;
  private readonly live: bigint[] = [];

  constructor(
    private readonly training: TrainingJobs,
    private readonly store: ContentStore,
    private readonly signer: Signer,
    private readonly log: Logger,
  ) {}

  async run(signal?: AbortSignal): Promise<number> {
    const training = this.training.connect(this.signer);
    const me = (await this.signer.getAddress()).toLowerCase();
    const now = BigInt((await this.signer.provider!.getBlock("latest"))!.timestamp);
    const count = await training.jobCount();
    for (; this.nextJob <= count; this.nextJob++) this.live.push(this.nextJob);
    const jobs = [];
    for (const jobId of this.live) {
      if (signal?.aborted) break;
      const job = await training.getJob(jobId);
      this.stats.jobsRead++;
      if (jobStatus(job.status) !== "active") {
        this.ended.add(jobId);
        continue;
      }
      jobs.push({ jobId, job, round: await training.getRound(jobId, job.round), mine: job.aggregator.toLowerCase() === me });
    }
    this.live.splice(0, this.live.length, ...this.live.filter((j) => !this.ended.has(j)));
    // own rounds first, by close deadline; then the rest by close deadline
    jobs.sort((x, y) => (x.mine === y.mine ? Number(x.round.closeDeadline - y.round.closeDeadline) : x.mine ? -1 : 1));
    let actions = 0;
    for (const { jobId, job, round, mine } of jobs) {
      if (signal?.aborted) break;
      const outsourced = Number(job.mode) === 1;
      const staffed = round.joined > 0n || round.standby > 0n;
      if (!staffed && !mine) continue;
      try {
        if (outsourced && round.openAudits > 0n) {
          const draws = await resolveReadyDraws(training, jobId);
          this.stats.draws += draws.length;
          actions += draws.length;
          if (draws.length > 0) this.log.info("training draws run", { job: jobId, draws: draws.join("; ") });
        }
        if (now > round.closeDeadline) {
          if (!staffed) continue;
          await (await training.expireRound(jobId)).wait();
          this.stats.expired++;
          actions++;
          this.log.warn("training round expired unclosed: job aborted, silent participants slashed", { job: jobId, round: job.round });
        } else if (mine && (await roundClosable(training, jobId))) {
          const r = await aggregateAndClose(training, this.store, jobId);
          this.stats.closed++;
          actions++;
          this.log.info("training round closed", { job: jobId, round: r.round, accepted: r.verdicts.filter((v) => v.accepted).length, next: r.nextModelCid });
        } else if (outsourced && !mine && now >= (await training.auditTimes(jobId, job.round)).settleFrom) {
          await (await training.settleRound(jobId, job.round)).wait();
          this.stats.settled++;
          actions++;
          this.log.warn("training round settled without its aggregator: decided slots paid, model unchanged", { job: jobId, round: job.round });
        }
      } catch (err) {
        const name = revertName(err);
        if (name && LOST_RACE.has(name)) {
          this.stats.lostRaces++;
          this.log.info("training action lost a race", { job: jobId, reason: name });
        } else if (isTransportError(err)) {
          throw err;
        } else {
          this.log.error("training action failed", { job: jobId, reason: describeError(err) });
        }
      }
    }
    return actions;
  }
}
