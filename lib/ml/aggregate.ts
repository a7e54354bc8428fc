/**
 * Robust aggregation of model updates (Yin et al. 2018, "Byzantine-robust distributed learning"): coordinate-wise
 * trimmed mean and coordinate-wise median, plus the plain mean. Deterministic: results do not depend on the order in
 * which updates arrive (values are sorted per coordinate; the mean sums in sorted order too).
 */
export type AggregationRule = "mean" | "trimmed-mean" | "median";

function checkUpdates(updates: Float64Array[]): number {
  if (updates.length === 0) throw new RangeError("aggregate: no updates");
  const d = updates[0].length;
  for (const u of updates) if (u.length !== d) throw new RangeError(`aggregate: update lengths differ (${u.length} vs ${d})`);
  return d;
}

/** Applies `f` to the sorted values of each coordinate. */
function perCoordinate(updates: Float64Array[], f: (sorted: Float64Array) => number): Float64Array {
  const d = checkUpdates(updates);
  const col = new Float64Array(updates.length);
  const out = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < updates.length; i++) col[i] = updates[i][k];
    col.sort();
    out[k] = f(col);
  }
  return out;
}

function meanOf(sorted: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += sorted[i];
  return s / (to - from);
}

/** Coordinate-wise mean (order-independent). */
export function meanAggregate(updates: Float64Array[]): Float64Array {
  return perCoordinate(updates, (s) => meanOf(s, 0, s.length));
}

/** Coordinate-wise mean after dropping the `trim` smallest and `trim` largest values of each coordinate. */
export function trimmedMean(updates: Float64Array[], trim: number): Float64Array {
  if (!(Number.isInteger(trim) && trim >= 0)) throw new RangeError(`aggregate: trim must be a non-negative integer, got ${trim}`);
  if (2 * trim >= updates.length) {
    throw new RangeError(`aggregate: trimming ${trim} from each end leaves nothing of ${updates.length} updates`);
  }
  return perCoordinate(updates, (s) => meanOf(s, trim, s.length - trim));
}

/** Coordinate-wise median (mean of the two middle values for an even count). */
export function coordinateMedian(updates: Float64Array[]): Float64Array {
  return perCoordinate(updates, (s) => {
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  });
}

export function aggregate(updates: Float64Array[], rule: AggregationRule, trim = 1): Float64Array {
  switch (rule) {
    case "mean":
      return meanAggregate(updates);
    case "trimmed-mean":
      return trimmedMean(updates, trim);
    case "median":
      return coordinateMedian(updates);
    default:
      throw new RangeError(`aggregate: unknown rule "${rule as string}"`);
  }
}
