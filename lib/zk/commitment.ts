/**
 * Poseidon commitments and the output cipher shared by requester, worker and circuit (bit for bit), signal layout v2
 * (contracts/interfaces/IProofVerifier.sol). Browser-safe: no Node imports.
 *
 * - Values of `bits` bits are packed little-endian, floor(248/bits) per field element (31 bytes for 8-bit inputs).
 * - A list of field elements is hashed by a Poseidon chain: h = Poseidon(w[0..16)); then h = Poseidon(h, next <=15).
 * - inputDigest D: the chain over the committed input bytes of the whole batch (sample after sample), 8 bits each.
 * - salt s: the shard's output salt, keccak256(OUTPUT_SALT_TAG || dataKey) mod r for a package sealed to a data key,
 *   0 for a public package. Only the requester and the worker that opened the package know it.
 * - inputCommitment = Poseidon(D, s) (the value in the job's Merkle leaf): it pins s, and with a secret s it also
 *   hides inputs an observer could otherwise guess and test.
 * - outputCommitment: the chain over the output words: the quantized outputs of the batch, each offset by
 *   2^(rangeBits-1) to make it unsigned, packed rangeBits each.
 * - output cipher (G-07): word w of the outputs plus the mask Poseidon(s, w + 1), mod r. The circuit makes the
 *   cipher words public signals, so the settlement carries exactly the outputs the proof computed, readable by
 *   whoever knows s (lib/requester/outputs.ts decryptOutputs).
 * - modelCommitment (private-weight models): every linear op's unique weights then its biases, as field
 *   elements (negative values as r - |v|), through the same chain.
 */
import { concat, keccak256, toUtf8Bytes } from "ethers";
import { FIELD_R, poseidonHasher } from "./poseidon";
import type { QuantModel } from "./quantize";

export { FIELD_R };
export const POSEIDON_MAX = 16;
/** Domain tag of the output salt's derivation from a shard's data key. */
export const OUTPUT_SALT_TAG = "v-oblivion/output-salt/v2";
const poseidon = async () => ({ h: await poseidonHasher() });

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
  const { h } = await poseidon();
  let acc = h(words.slice(0, POSEIDON_MAX));
  for (let i = POSEIDON_MAX; i < words.length; i += POSEIDON_MAX - 1) acc = h([acc, ...words.slice(i, i + POSEIDON_MAX - 1)]);
  return acc;
}

/** The shard's output salt: derived from the data key its package is sealed with, 0 for a public package. */
export function outputSalt(dataKey?: Uint8Array): bigint {
  if (!dataKey || dataKey.length === 0) return 0n;
  return BigInt(keccak256(concat([toUtf8Bytes(OUTPUT_SALT_TAG), dataKey]))) % FIELD_R;
}

/** The digest D of a batch of input byte vectors (private: the circuit hashes it with the salt). */
export async function inputDigest(batch: number[][]): Promise<bigint> {
  return chainHash(pack(batch.flat().map((b) => BigInt(b)), 8));
}

/** Commitment to a batch of input byte vectors under the shard's output salt: Poseidon(D, salt). */
export async function inputCommitment(batch: number[][], salt = 0n): Promise<bigint> {
  if (salt < 0n || salt >= FIELD_R) throw new Error("inputCommitment: salt outside the field");
  const [d, { h }] = await Promise.all([inputDigest(batch), poseidon()]);
  return h([d, salt]);
}

/** The output words of a batch of quantized output vectors (each offset by 2^(rangeBits-1), packed). */
export function outputWords(batch: bigint[][], rangeBits: number): bigint[] {
  const off = 1n << BigInt(rangeBits - 1);
  return pack(batch.flat().map((v) => v + off), rangeBits);
}

/** Commitment to a batch of quantized output vectors. */
export async function outputCommitment(batch: bigint[][], rangeBits: number): Promise<bigint> {
  return chainHash(outputWords(batch, rangeBits));
}

/** Masks of the first `n` output words under `salt`: Poseidon(salt, w + 1). */
export async function outputMasks(salt: bigint, n: number): Promise<bigint[]> {
  const { h } = await poseidon();
  return Array.from({ length: n }, (_, w) => h([salt, BigInt(w + 1)]));
}

/** The output cipher words the circuit makes public: word + mask, mod r. */
export async function encryptOutputs(batch: bigint[][], rangeBits: number, salt: bigint): Promise<bigint[]> {
  const words = outputWords(batch, rangeBits);
  const masks = await outputMasks(salt, words.length);
  return words.map((w, i) => (w + masks[i]) % FIELD_R);
}

/** Number of output cipher words of a batch of `batch` output vectors of `outSize` values. */
export const cipherWordCount = (batch: number, outSize: number, rangeBits: number) => Math.ceil((batch * outSize) / packPerWord(rangeBits));

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
