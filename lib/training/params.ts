/**
 * A training job's parameters in natural units, and their on-chain form (ITrainingJobs.JobParams, fixed point): ε and
 * the round budget come from the RDP accountant (maxRoundsForEpsilon), never from the chain.
 */
import { computeRdp, DEFAULT_ORDERS, epsilonFromRdp, maxStepsForEpsilon } from "../privacy/accountant";
import type { ITrainingJobs } from "../../typechain-types";

export const MODES = ["federated", "outsourced"] as const;
export const RULES = ["mean", "trimmed-mean", "median"] as const;
export type Mode = (typeof MODES)[number];
export type Rule = (typeof RULES)[number];
const ZERO_ROOT = "0x" + "00".repeat(32);

/** ITrainingJobs.Status and ITrainingJobs.SlotState by name, in enum order. */
export const JOB_STATUSES = ["active", "finished", "aborted"] as const;
export const SLOT_STATES = ["empty", "joined", "committed", "submitted", "accepted", "rejected", "slashed"] as const;
export type SlotStateName = (typeof SLOT_STATES)[number];
export const jobStatus = (status: bigint) => JOB_STATUSES[Number(status)];
export const slotState = (state: bigint): SlotStateName => SLOT_STATES[Number(state)];

/** Whether a training job still runs rounds (one read; what --loop duties poll). */
export async function jobActive(training: { getJob(jobId: bigint): Promise<{ status: bigint }> }, jobId: bigint): Promise<boolean> {
  return jobStatus((await training.getJob(jobId)).status) === "active";
}

export interface TrainingSpec {
  initialModelCid: string;
  aggregator: string;
  mode: Mode;
  rule: Rule;
  trim: number;
  participantsPerRound: number;
  /** Outsourced only: the data root of the shards (lib/training/shards.ts) and the share of shards replicated (0, 1]. */
  outsourcing?: { dataRoot: string; replication: number };
  rewardPerUpdate: bigint;
  aggregatorFee: bigint;
  collateral: bigint;
  roundWindow: number;
  closeWindow: number;
  /** DP-SGD run of one participant per round. */
  dp: { epsilon: number; delta: number; sigma: number; clip: number; samples: number; batch: number; localEpochs: number; updateClip: number };
  /** Cap below the accountant's budget (default: the budget itself). */
  maxRounds?: number;
}

const fixed = (x: number, scale: number, what: string): bigint => {
  const v = Math.round(x * scale);
  if (!(Number.isFinite(x) && x > 0 && v > 0)) throw new RangeError(`${what} must be > 0 and at least ${1 / scale}, got ${x}`);
  return BigInt(v);
};

/** The accountant's inputs as a job records them (ITrainingJobs.DpParams, fixed point). */
export interface RecordedDp {
  epsilonMicro: bigint;
  deltaPico: bigint;
  sigmaMicro: bigint;
  samplingPpm: bigint;
  stepsPerRound: bigint;
}

/** DP-SGD steps per round at rate q (ppm) for `localEpochs` epochs: ceil(localEpochs / q), what a job records. */
export function stepsPerRound(localEpochs: number, samplingPpm: number): number {
  return Math.ceil((localEpochs * 1e6) / samplingPpm);
}

/** The most rounds the recorded (q, σ, steps per round, δ) allow within the recorded ε. */
export function recordedBudget(dp: RecordedDp): number {
  const q = Number(dp.samplingPpm) / 1e6;
  return Math.floor(maxStepsForEpsilon(q, Number(dp.sigmaMicro) / 1e6, Number(dp.epsilonMicro) / 1e6, Number(dp.deltaPico) / 1e12) / Number(dp.stepsPerRound));
}

/** ε spent by `rounds` rounds of the recorded run. */
export function recordedEpsilon(dp: RecordedDp, rounds: number): number {
  const q = Number(dp.samplingPpm) / 1e6;
  const steps = rounds * Number(dp.stepsPerRound);
  return epsilonFromRdp(DEFAULT_ORDERS, computeRdp(q, Number(dp.sigmaMicro) / 1e6, steps), Number(dp.deltaPico) / 1e12).epsilon;
}

/** A job whose round cap spends more than its recorded ε: participants refuse to train for it. */
export class PrivacyBudgetExceeded extends Error {}

/**
 * What every participant's tool checks before it trains: the job's round cap fits the ε it records, recomputed from the
 * recorded sampling rate, noise, steps per round and δ. Throws PrivacyBudgetExceeded with one line naming the overrun.
 */
export function checkRoundCap(jobId: bigint, dp: RecordedDp, maxRounds: number): void {
  const allowed = recordedBudget(dp);
  if (maxRounds <= allowed) return;
  const spent = recordedEpsilon(dp, maxRounds);
  throw new PrivacyBudgetExceeded(
    `training job ${jobId} caps ${maxRounds} rounds but its recorded epsilon ${Number(dp.epsilonMicro) / 1e6} allows ${allowed} ` +
      `(q ${Number(dp.samplingPpm) / 1e6}, sigma ${Number(dp.sigmaMicro) / 1e6}, ${dp.stepsPerRound} steps a round, delta ${Number(dp.deltaPico) / 1e12}): ` +
      `${maxRounds} rounds spend epsilon ${spent.toFixed(2)}; refusing to train`,
  );
}

/** Round budget within (ε, δ) for the spec's per-round DP-SGD run, as the chain records it (q rounded to ppm). */
export function roundBudget(dp: TrainingSpec["dp"]): number {
  const samplingPpm = Math.round((dp.batch / dp.samples) * 1e6);
  if (!(dp.batch >= 1 && dp.batch <= dp.samples && samplingPpm >= 1)) throw new RangeError(`batch must be in [1, ${dp.samples}], got ${dp.batch}`);
  return recordedBudget({
    epsilonMicro: BigInt(Math.round(dp.epsilon * 1e6)),
    deltaPico: BigInt(Math.round(dp.delta * 1e12)),
    sigmaMicro: BigInt(Math.round(dp.sigma * 1e6)),
    samplingPpm: BigInt(samplingPpm),
    stepsPerRound: BigInt(stepsPerRound(dp.localEpochs, samplingPpm)),
  });
}

export function toJobParams(s: TrainingSpec): ITrainingJobs.JobParamsStruct {
  const budget = roundBudget(s.dp);
  if (budget < 1) throw new RangeError(`epsilon ${s.dp.epsilon} does not cover a single round of this DP-SGD run (raise sigma or epsilon)`);
  if (s.maxRounds !== undefined && !(Number.isInteger(s.maxRounds) && s.maxRounds >= 1 && s.maxRounds <= budget)) {
    throw new RangeError(`rounds must be an integer in [1, ${budget}] (the budget for epsilon ${s.dp.epsilon}), got ${s.maxRounds}`);
  }
  if (budget > 65535 && s.maxRounds === undefined) throw new RangeError(`round budget ${budget} exceeds 65535: set rounds`);
  const o = s.outsourcing;
  if (s.mode === "outsourced" && !o) throw new RangeError("an outsourced job needs a data root and a replication share");
  if (s.mode === "federated" && o) throw new RangeError("a federated job takes no data root or replication share");
  if (o && !(o.replication > 0 && o.replication <= 1 && Math.round(o.replication * 10_000) >= 1)) {
    throw new RangeError(`replication must be a share in (0, 1] of at least 0.0001, got ${o.replication}`);
  }
  return {
    initialModelCid: s.initialModelCid,
    aggregator: s.aggregator,
    mode: MODES.indexOf(s.mode),
    rule: RULES.indexOf(s.rule),
    trim: s.trim,
    maxRounds: s.maxRounds ?? budget,
    participantsPerRound: s.participantsPerRound,
    replicationBps: o ? Math.round(o.replication * 10_000) : 0,
    dataRoot: o ? o.dataRoot : ZERO_ROOT,
    rewardPerUpdate: s.rewardPerUpdate,
    aggregatorFee: s.aggregatorFee,
    collateral: s.collateral,
    roundWindow: s.roundWindow,
    closeWindow: s.closeWindow,
    dp: {
      epsilonMicro: fixed(s.dp.epsilon, 1e6, "epsilon"),
      deltaPico: fixed(s.dp.delta, 1e12, "delta"),
      sigmaMicro: fixed(s.dp.sigma, 1e6, "sigma"),
      clipMicro: fixed(s.dp.clip, 1e6, "clip"),
      samplingPpm: fixed(s.dp.batch / s.dp.samples, 1e6, "sampling rate"),
      updateClipMicro: fixed(s.dp.updateClip, 1e6, "update clip"),
      localEpochs: s.dp.localEpochs,
      stepsPerRound: stepsPerRound(s.dp.localEpochs, Math.round((s.dp.batch / s.dp.samples) * 1e6)),
    },
  };
}
