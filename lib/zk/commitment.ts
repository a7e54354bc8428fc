/**
 * Poseidon commitments shared by requester, worker and circuit (bit for bit).
 *
 * - Values of `bits` bits are packed little-endian, floor(248/bits) per field element (31 bytes for 8-bit inputs).
 * - A list of field elements is hashed by a Poseidon chain: h = Poseidon(w[0..16)); then h = Poseidon(h, next <=15).
 * - inputCommitment: the committed input bytes of the whole batch (sample after sample), 8 bits each.
 * - outputCommitment: the quantized outputs of the batch, each offset by 2^(rangeBits-1) to make it unsigned.
 * - modelCommitment (private-weight models): every linear op's unique weights then its biases, as field
 *   elements (negative values as r - |v|), through the same chain.
 */
import type { QuantModel } from "./quantize";

export const FIELD_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export const POSEIDON_MAX = 16;

type Poseidon = ((xs: bigint[]) => unknown) & { F: { toObject(x: unknown): bigint } };
let poseidonP: Promise<Poseidon> | null = null;
// Loaded on first use: the dashboard's bundle takes circomlibjs in a lazy chunk, the CLI requires it then.
const poseidon = () => (poseidonP ??= import("circomlibjs").then((m) => m.buildPoseidon()));

export const packPerWord = (bits: number) => Math.floor(248 / bits);

/** Packs unsigned `bits`-bit values into field elements. */
export function pack(values: bigint[], bits: number): bigint[] {
  const per = packPerWord(bits);
  const lim = 1n << BigInt(bits);
  const words: bigint[] = [];
  for (let i = 0; i < values.length; i += per) {
    let w = 0n;
    const chunk = values.slice(i, i + per);
    for (let j = chunk.length - 1; j >= 0; j--) {
      if (chunk[j] < 0n || chunk[j] >= lim) throw new Error(`pack: value ${chunk[j]} does not fit ${bits} bits`);
      w = (w << BigInt(bits)) + chunk[j];
    }
    words.push(w);
  }
  return words;
}

/** Poseidon chain over field elements. */
export async function chainHash(words: bigint[]): Promise<bigint> {
  if (words.length === 0) throw new Error("chainHash: nothing to hash");
  const p = await poseidon();
  const h = (xs: bigint[]) => p.F.toObject(p(xs));
  let acc = h(words.slice(0, POSEIDON_MAX));
  for (let i = POSEIDON_MAX; i < words.length; i += POSEIDON_MAX - 1) acc = h([acc, ...words.slice(i, i + POSEIDON_MAX - 1)]);
  return acc;
}

/** Commitment to a batch of input byte vectors. */
export async function inputCommitment(batch: number[][]): Promise<bigint> {
  return chainHash(pack(batch.flat().map((b) => BigInt(b)), 8));
}

/** Commitment to a batch of quantized output vectors. */
export async function outputCommitment(batch: bigint[][], rangeBits: number): Promise<bigint> {
  const off = 1n << BigInt(rangeBits - 1);
  return chainHash(pack(batch.flat().map((v) => v + off), rangeBits));
}

const toField = (v: bigint) => ((v % FIELD_R) + FIELD_R) % FIELD_R;

/** The private weights in circuit order. */
export function modelWeights(q: QuantModel): bigint[] {
  const out: bigint[] = [];
  for (const op of q.ops) {
    if (op.kind !== "linear") continue;
    out.push(...op.params, ...op.biasParams);
  }
  return out;
}

/** Commitment to the weights of a private-weight model. */
export async function modelCommitment(q: QuantModel): Promise<bigint> {
  return chainHash(modelWeights(q).map(toField));
}
