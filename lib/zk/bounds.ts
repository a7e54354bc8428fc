/**
 * The soundness bound of every bit decomposition the circuits use (Z-02). A value v is decomposed into n bits b_i
 * with b_i (b_i - 1) = 0 and sum b_i 2^i = v, in the field of BN254's scalar r (2^253 < r < 2^254). The
 * decomposition is unique, and so binds v's quotient, remainder and sign bits, only while 2^n <= r: with n >= 254
 * bits, v and v + r both have one, and a prover chooses the quotient. Rescales decompose k + N bits (shift k and
 * rangeBits N, or k and N separately in circom's RescaleRelu, whose sum is what counts), comparisons D + 1 bits.
 */
/** Most bits of one decomposition: 2^253 < r. */
export const MAX_DECOMPOSITION_BITS = 253;

/** A rescale or comparison of a layer would decompose more bits than the field binds. */
export class DecompositionBoundError extends Error {
  constructor(readonly node: string, readonly what: string, readonly bits: number) {
    super(`node "${node}": ${what} needs a ${bits}-bit decomposition, above the ${MAX_DECOMPOSITION_BITS} bits BN254's field binds ` +
      `(2^${bits} > r: the quotient would be free); the layer's weights span too many powers of two (subnormal weights?)`);
    this.name = "DecompositionBoundError";
  }
}

/** Throws DecompositionBoundError when an n-bit decomposition of `node`'s `what` would not be unique. */
export function checkDecomposition(bits: number, node: string, what: string): void {
  if (!Number.isInteger(bits) || bits > MAX_DECOMPOSITION_BITS) throw new DecompositionBoundError(node, what, bits);
}

/** A rescale by 2^k of N-bit values: k + N bits. */
export const checkRescale = (k: number, N: number, node: string) => checkDecomposition(k + N, node, `a rescale by 2^${k} to ${N} bits`);
/** A comparison of D-bit values: D + 1 bits. */
export const checkComparison = (D: number, node: string) => checkDecomposition(D + 1, node, `a comparison of ${D}-bit values`);
