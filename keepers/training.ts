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

export class TrainingDuty implements KeeperDuty {
  readonly name = "training";
  readonly stats = { closed: 0, settled: 0, expired: 0, draws: 0, lostRaces: 0 };

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
    let actions = 0;
    for (let jobId = 1n; jobId <= (await training.jobCount()) && !signal?.aborted; jobId++) {
      const job = await training.getJob(jobId);
      if (jobStatus(job.status) !== "active") continue;
      const outsourced = Number(job.mode) === 1;
      try {
        if (outsourced) {
          const draws = await resolveReadyDraws(training, jobId);
          this.stats.draws += draws.length;
          actions += draws.length;
          if (draws.length > 0) this.log.info("training draws run", { job: jobId, draws: draws.join("; ") });
        }
        const round = await training.getRound(jobId, job.round);
        const settleFrom = outsourced ? (await training.auditTimes(jobId, job.round)).settleFrom : 0n;
        const aggregator = job.aggregator.toLowerCase() === me;
        if (now > round.closeDeadline) {
          await (await training.expireRound(jobId)).wait();
          this.stats.expired++;
          actions++;
          this.log.warn("training round expired unclosed: job aborted, silent participants slashed", { job: jobId, round: job.round });
        } else if (aggregator && (await roundClosable(training, jobId))) {
          const r = await aggregateAndClose(training, this.store, jobId);
          this.stats.closed++;
          actions++;
          this.log.info("training round closed", { job: jobId, round: r.round, accepted: r.verdicts.filter((v) => v.accepted).length, next: r.nextModelCid });
        } else if (outsourced && !aggregator && now >= settleFrom) {
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
