/**
 * Where a shard's sealed result lives, as carried in `submitResult`'s `outputCid` and the ShardSettled event (G-07).
 * A sealed result of at most INLINE_OUTPUT_MAX bytes rides inline ("inline:" + base64): the settlement that pays the
 * worker carries the result itself, so a paid result is in the chain's own log and never depends on a store staying
 * up. A larger one is put in the content store and referenced by its CID. Browser-safe.
 */
import { decodeBase64, encodeBase64 } from "ethers";
import type { ContentStore } from "../storage/content-store";

export const INLINE_PREFIX = "inline:";
/** Largest sealed result carried inline (about 16 gas a byte of calldata plus 8 of log). */
export const INLINE_OUTPUT_MAX = 2_048;

/** The reference to submit for `sealed`: inline when small, else the CID `put` returns. */
export async function outputRef(sealed: Uint8Array, put: (bytes: Uint8Array) => Promise<string>): Promise<string> {
  if (sealed.length <= INLINE_OUTPUT_MAX) return INLINE_PREFIX + encodeBase64(sealed);
  return put(sealed);
}

/** The sealed result a reference names: decoded when inline, fetched from `store` otherwise. */
export async function readOutput(ref: string, store: Pick<ContentStore, "get">): Promise<Uint8Array> {
  if (!ref.startsWith(INLINE_PREFIX)) return store.get(ref);
  const b64 = ref.slice(INLINE_PREFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error("inline output is not base64");
  return decodeBase64(b64);
}
