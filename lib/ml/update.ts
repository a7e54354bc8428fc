import { keccak256 } from "ethers";

/**
 * Model updates exchanged in training rounds: the difference of two flat parameter vectors (lib/ml/mlp.ts order),
 * clipped to an L2 bound, with a canonical byte encoding whose keccak256 is the on-chain commitment. Honest replicas
 * running the same deterministic training produce bit-identical vectors, hence identical hashes.
 */

/** Canonical encoding version tag: "VOU1" (V-Oblivion update, format 1). */
const MAGIC = [0x56, 0x4f, 0x55, 0x31];
const HEADER = 8; // magic (4) + uint32 big-endian length (4)

/** after − before, coordinate-wise. */
export function modelUpdate(before: Float64Array, after: Float64Array): Float64Array {
  if (before.length !== after.length) throw new RangeError(`update: vectors differ in length (${before.length} vs ${after.length})`);
  const d = new Float64Array(after.length);
  for (let k = 0; k < d.length; k++) d[k] = after[k] - before[k];
  return d;
}

/** base + update, coordinate-wise (the next model from an aggregated update). */
export function applyUpdate(base: Float64Array, update: Float64Array): Float64Array {
  if (base.length !== update.length) throw new RangeError(`update: vectors differ in length (${base.length} vs ${update.length})`);
  const out = new Float64Array(base.length);
  for (let k = 0; k < out.length; k++) out[k] = base[k] + update[k];
  return out;
}

export function l2Norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** A copy of `v` scaled to L2 norm at most `bound` (post-processing of a DP output: costs no privacy). */
export function clipUpdate(v: Float64Array, bound: number): Float64Array {
  if (!(Number.isFinite(bound) && bound > 0)) throw new RangeError(`update: clip bound must be > 0, got ${bound}`);
  const n = l2Norm(v);
  const f = n > bound ? bound / n : 1;
  return v.map((x) => x * f);
}

/** Relative slack for float rounding when checking a clipped update against its bound. */
export const NORM_TOLERANCE = 1e-9;

/** Whether an update is within what clipping to `bound` allows (the aggregator's acceptance check). */
export function withinClipBound(v: Float64Array, bound: number): boolean {
  return v.every(Number.isFinite) && l2Norm(v) <= bound * (1 + NORM_TOLERANCE);
}

/**
 * Canonical bytes: "VOU1", uint32 big-endian coordinate count, then each coordinate as IEEE-754 float64 little-endian,
 * with −0 written as +0. Non-finite coordinates are refused.
 */
export function encodeUpdate(v: Float64Array): Uint8Array {
  const out = new Uint8Array(HEADER + 8 * v.length);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, v.length, false);
  for (let k = 0; k < v.length; k++) {
    const x = v[k];
    if (!Number.isFinite(x)) throw new RangeError(`update: coordinate ${k} is not finite (${x})`);
    view.setFloat64(HEADER + 8 * k, x === 0 ? 0 : x, true);
  }
  return out;
}

export function decodeUpdate(bytes: Uint8Array): Float64Array {
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) throw new RangeError("update: not a VOU1 encoding");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, false);
  if (bytes.length !== HEADER + 8 * n) throw new RangeError(`update: ${bytes.length} bytes, expected ${HEADER + 8 * n}`);
  const v = new Float64Array(n);
  for (let k = 0; k < n; k++) v[k] = view.getFloat64(HEADER + 8 * k, true);
  return v;
}

/** keccak256 of the canonical encoding, 0x-prefixed hex (bytes32 on-chain). */
export function updateHash(v: Float64Array): string {
  return keccak256(encodeUpdate(v));
}
