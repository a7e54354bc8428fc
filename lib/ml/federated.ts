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

export function aggregateRound(
  global: MlpModel,
  updates: Float64Array[],
  o: { updateClip: number; rule: AggregationRule; trim?: number },
): RoundResult {
  const dim = mlpParameters(global).length;
  const verdicts: RoundResult["verdicts"] = updates.map((u) => {
    if (u.length !== dim) return { accepted: false, reason: `has ${u.length} coordinates, model has ${dim}` };
    if (!withinClipBound(u, o.updateClip)) return { accepted: false, reason: `norm ${l2Norm(u)} exceeds the clip bound ${o.updateClip}` };
    return { accepted: true };
  });
  const accepted = updates.filter((_, i) => verdicts[i].accepted);
  if (accepted.length === 0) throw new RangeError("federated: no acceptable update in this round");
  const agg = aggregate(accepted, o.rule, o.trim ?? 1);
  return {
    next: mlpFromParameters(mlpShape(global), applyUpdate(mlpParameters(global), agg)),
    verdicts,
    aggregateHash: updateHash(agg),
  };
}
