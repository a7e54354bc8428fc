/**
 * Content as the protocol stores it: a storage envelope (lib/crypto/envelope) put in a content store.
 * The requester seals models and shard inputs (public models skip encryption) and keeps each data key until a
 * worker claims the shard; the worker fetches by CID (verified), then opens with the unwrapped data key.
 */
import { encryptForStorage, openEnvelope, packPublic } from "../crypto/envelope";
import type { ContentStore } from "./content-store";

export interface SealedPut {
  cid: string;
  /** The AES-256-GCM data key; undefined for public content. */
  dataKey?: Uint8Array;
}

export async function putSealed(store: ContentStore, plain: Uint8Array, opts: { public?: boolean } = {}): Promise<SealedPut> {
  if (opts.public) return { cid: await store.put(packPublic(plain)) };
  const { ciphertext, dataKey } = encryptForStorage(plain);
  return { cid: await store.put(ciphertext), dataKey };
}

/** Fetches (CID-verified) and opens an envelope; pass the data key for encrypted content, none for public. */
export async function getSealed(store: ContentStore, cid: string, dataKey?: Uint8Array): Promise<Uint8Array> {
  return openEnvelope(await store.get(cid), dataKey);
}
