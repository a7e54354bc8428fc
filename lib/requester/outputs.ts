/**
 * Reading a shard's proven outputs from its settlement (signal layout v2, G-07). The cipher words are public signals
 * of the verified proof and ride in the ShardSettled event, so a paid shard's outputs are always in the chain's log;
 * the requester (who knows the shard's data key) removes the masks and unpacks. Browser-safe: the CLI's
 * `job:results`, the app server and the dashboard all read outputs through `decryptOutputs`.
 */
import { FIELD_R, outputMasks, outputSalt, packPerWord } from "../zk/commitment";

/**
 * The quantized outputs (batch x outSize) that `cipher` encrypts under the shard's data key (undefined: a public
 * package, salt 0). Throws when the words cannot be outputs of that shape (wrong count, a value outside
 * rangeBits): a settled v2 shard never does, the proof fixed them.
 */
export async function decryptOutputs(cipher: readonly bigint[], dataKey: Uint8Array | undefined, shape: { batch: number; outSize: number; rangeBits: number }): Promise<bigint[][]> {
  const { batch, outSize, rangeBits } = shape;
  const per = packPerWord(rangeBits);
  const count = batch * outSize;
  if (cipher.length !== Math.ceil(count / per)) throw new Error(`${cipher.length} cipher words, ${Math.ceil(count / per)} expected for ${batch} x ${outSize} outputs`);
  const masks = await outputMasks(outputSalt(dataKey), cipher.length);
  const bits = BigInt(rangeBits);
  const lim = 1n << bits;
  const off = 1n << (bits - 1n);
  const flat: bigint[] = [];
  cipher.forEach((c, w) => {
    let word = (((c - masks[w]) % FIELD_R) + FIELD_R) % FIELD_R;
    const n = Math.min(per, count - w * per);
    for (let j = 0; j < n; j++, word >>= bits) flat.push((word & (lim - 1n)) - off);
    if (word !== 0n) throw new Error(`cipher word ${w} does not decrypt to ${n} values of ${rangeBits} bits`);
  });
  return Array.from({ length: batch }, (_, s) => flat.slice(s * outSize, (s + 1) * outSize));
}

export { outputSalt };
