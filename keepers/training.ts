/**
 * Keeper duty for training jobs. For jobs whose aggregator is this keeper: close each round once it is closable
 * (fetch and check the updates, aggregate, publish the next model; lib/training/aggregator.ts). For every job: call an
 * expired round in (`expireRound`, permissionless after the close deadline): silent participants are slashed with this
 * keeper as the bounty receiver, and the job is aborted so its requester can take the escrow back.
 */
import type { Signer } from "ethers";
import type { TrainingJobs } from "../typechain-types";
import type { ContentStore } from "../lib/storage";
import { describeError, revertName } from "../lib/chain/errors";
import { isTransportError } from "../lib/util/retry";
import type { Logger } from "../lib/util/log";
import { aggregateAndClose, roundClosable } from "../lib/training/aggregator";
import { jobStatus } from "../lib/training/params";
import type { KeeperDuty } from "./keeper";

/** Reverts that mean someone else (or the aggregator) acted first. */
const LOST_RACE = new Set(["RoundNotExpired", "JobNotActive", "BudgetExhausted", "RoundNotCurrent", "RoundNotClosable"]);

export class TrainingDuty implements KeeperDuty {
  readonly name = "training";
  readonly stats = { closed: 0, expired: 0, lostRaces: 0 };

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
      const round = await training.getRound(jobId, job.round);
      try {
        if (now > round.closeDeadline) {
          await (await training.expireRound(jobId)).wait();
          this.stats.expired++;
          actions++;
          this.log.warn("training round expired unclosed: job aborted, silent participants slashed", { job: jobId, round: job.round });
        } else if (job.aggregator.toLowerCase() === me && (await roundClosable(training, jobId))) {
          const r = await aggregateAndClose(training, this.store, jobId);
          this.stats.closed++;
          actions++;
          this.log.info("training round closed", { job: jobId, round: r.round, accepted: r.verdicts.filter((v) => v.accepted).length, next: r.nextModelCid });
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
