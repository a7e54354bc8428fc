/**
 * Kubo's deterministic test data (test/cli/testutils/random_deterministic.go): the ChaCha20 keystream with
 * key sha256(seed) and a zero nonce. Kubo's published test CIDs were computed over exactly these bytes.
 */
import { createHash } from "node:crypto";
import { chacha20 } from "@noble/ciphers/chacha.js";

export function deterministicBytes(size: number, seed: string): Uint8Array {
  const key = createHash("sha256").update(seed).digest();
  return chacha20(key, new Uint8Array(12), new Uint8Array(size));
}
