import { MlpModel, mlpFromParameters, mlpParameters, mlpShape, trainMlpFrom } from "./mlp";
import { SgdOptions } from "./sgd";
import { applyUpdate, clipUpdate, l2Norm, modelUpdate, updateHash, withinClipBound } from "./update";
import { AggregationRule, aggregate } from "./aggregate";

/**
 * One federated round, both sides. A participant trains the global model on its own data (DP-SGD when `dp` is set),
 * clips the parameter difference to `updateClip` and publishes it with its hash; the aggregator accepts updates that are
 * finite, of the right size and within the clip bound, aggregates them with a robust rule and applies the result.
 */
export interface LocalTrainingOptions extends SgdOptions {
  /** L2 bound S on the released update. */
  updateClip: number;
}

export interface LocalUpdate {
  update: Float64Array;
  /** keccak256 of the canonical encoding (lib/ml/update.ts): the on-chain commitment. */
  hash: string;
  /** L2 norm of the update before clipping. */
  rawNorm: number;
}

export function localUpdate(global: MlpModel, X: Float64Array[], Y: number[], o: LocalTrainingOptions): LocalUpdate {
  const before = mlpParameters(global);
  const after = mlpParameters(trainMlpFrom(global, X, Y, o));
  const raw = modelUpdate(before, after);
  const update = clipUpdate(raw, o.updateClip);
  return { update, hash: updateHash(update), rawNorm: l2Norm(raw) };
}

export interface RoundResult {
  next: MlpModel;
  /** Per submitted update: accepted, or the reason it was rejected. */
  verdicts: ({ accepted: true } | { accepted: false; reason: string })[];
  aggregateHash: string;
}

/** Relative L2 distance below which an update counts as a copy of an earlier one (honest DP updates differ far more). */
export const COPY_DISTANCE = 1e-3;

/**
 * The aggregator's side: `updates` in submission order. Refused: wrong size, non-finite or over the clip bound,
 * all-zero, and an update within COPY_DISTANCE (relative) of an earlier accepted one (a free-rider's copy: the first
 * submission keeps its place). The rest are aggregated with the rule; the trimmed mean trims at most what the accepted
 * count allows (⌊(n − 1) / 2⌋), so one griefer or an under-filled round never leaves the honest submitters unpaid.
 * Throws a RangeError only when no update is acceptable.
 */
export function aggregateRound(
  global: MlpModel,
  updates: Float64Array[],
  o: { updateClip: number; rule: AggregationRule; trim?: number },
): RoundResult {
  const dim = mlpParameters(global).length;
  const kept: Float64Array[] = [];
  const verdicts: RoundResult["verdicts"] = updates.map((u, i) => {
    if (u.length !== dim) return { accepted: false, reason: `has ${u.length} coordinates, model has ${dim}` };
    if (!withinClipBound(u, o.updateClip)) return { accepted: false, reason: `norm ${l2Norm(u)} exceeds the clip bound ${o.updateClip}` };
    const norm = l2Norm(u);
    if (norm === 0) return { accepted: false, reason: "all-zero update" };
    const twin = kept.findIndex((k) => distance(k, u) <= COPY_DISTANCE * Math.max(norm, l2Norm(k)));
    if (twin >= 0) return { accepted: false, reason: `copies submission ${updates.indexOf(kept[twin])} (relative distance below ${COPY_DISTANCE})` };
    kept.push(updates[i]);
    return { accepted: true };
  });
  if (kept.length === 0) throw new RangeError("federated: no acceptable update in this round");
  const trim = Math.min(o.trim ?? 1, (kept.length - 1) >> 1);
  const agg = aggregate(kept, o.rule, trim);
  return {
    next: mlpFromParameters(mlpShape(global), applyUpdate(mlpParameters(global), agg)),
    verdicts,
    aggregateHash: updateHash(agg),
  };
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s);
}
