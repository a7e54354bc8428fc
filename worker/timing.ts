/**
 * Which claims this worker can finish in time. A claim is taken only when the job's windows fit what this machine
 * measured for the model:
 * - inspection (claimWindow / 4 after the key release, G-02): one package fetch at the configured storage timeout,
 *   the witness dry run (twice its calibration time) and the margin for the leave transaction to be mined;
 * - the whole claim (claimWindow after the release): the slowest of this worker's recent shards of the model
 *   (release seen to settlement mined), or before any, the inspection window plus the calibration proof and a
 *   submission, each times the configured safety factor.
 * A slow or loaded machine declines and says why, rather than puts its collateral at risk.
 */
import type { ModelProfile } from "./compute";

export interface TimingConfig {
  /** How long one read of a shard package may take before it is retried or given up, in ms. */
  fetchTimeoutMs: number;
  /** Time kept for a transaction (leave, submission) to be mined before an on-chain end, in ms. */
  txMarginMs: number;
  /** Safety factor on measured compute and submission times. */
  timingMargin: number;
}

const HISTORY = 8;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class ClaimTiming {
  private readonly history = new Map<string, number[]>();

  constructor(private readonly cfg: TimingConfig) {}

  /** Records one shard's time from its key release to its settlement receipt. */
  record(model: string, ms: number): void {
    const h = this.history.get(model) ?? [];
    h.push(ms);
    if (h.length > HISTORY) h.shift();
    this.history.set(model, h);
  }

  /** Milliseconds of inspection this worker needs for the model. */
  inspectionNeedMs(profile: ModelProfile): number {
    return this.cfg.fetchTimeoutMs + 2 * profile.witnessMs + this.cfg.txMarginMs;
  }

  /** Why a claim with `claimWindow` seconds cannot be finished here (one line), or undefined when it can. */
  refusal(model: string, profile: ModelProfile, claimWindow: number): string | undefined {
    const windowMs = claimWindow * 1000;
    const inspectMs = Math.floor(claimWindow / 4) * 1000;
    const inspectNeed = this.inspectionNeedMs(profile);
    if (inspectNeed > inspectMs) {
      return (
        `its ${s(inspectMs)} inspection window is shorter than the ${s(inspectNeed)} this worker's inspection needs ` +
        `(storage timeout ${s(this.cfg.fetchTimeoutMs)} + witness dry run ${s(2 * profile.witnessMs)} + ${s(this.cfg.txMarginMs)} to mine a leave)`
      );
    }
    const seen = this.history.get(model);
    const m = this.cfg.timingMargin;
    const need = seen?.length
      ? Math.max(...seen) * m + this.cfg.txMarginMs
      : inspectMs + (profile.proveMs + this.cfg.txMarginMs) * m;
    if (need > windowMs) {
      const basis = seen?.length
        ? `its slowest of ${seen.length} recent shards here took ${s(Math.max(...seen))}`
        : `inspection ${s(inspectMs)} + calibration proof ${s(profile.proveMs)} + submission ${s(this.cfg.txMarginMs)}`;
      return `its ${s(windowMs)} claim window is shorter than the ${s(need)} a shard of this model needs on this machine (${basis}, safety factor ${m})`;
    }
    return undefined;
  }
}
