/**
 * AES-256-GCM for the storage envelope in the browser (the dashboard's build resolves ./aes here): @noble/ciphers,
 * synchronous like node:crypto's, and the same standard GCM bytes (ciphertext || 16-byte tag). Shard packages and
 * results are small; the Node side keeps OpenSSL for models (lib/crypto/aes.ts).
 */
import { gcm } from "@noble/ciphers/aes.js";

export const TAG_LEN = 16;

export function gcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Uint8Array {
  return gcm(key, nonce, aad).encrypt(plain);
}

export function gcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  return gcm(key, nonce, aad).decrypt(sealed);
}
