/**
 * Wrapping a 32-byte data key to a worker's secp256k1 encryption key with ECIES (eciesjs: ephemeral secp256k1
 * key, ECDH, HKDF-SHA256, AES-256-GCM). A wrapped key is 129 bytes: ephemeral public key (65) || nonce (16) ||
 * tag (16) || encrypted data key (32). The requester releases it on-chain (releaseShardKey) to the claiming worker.
 */
import { decrypt as eciesDecrypt, encrypt as eciesEncrypt } from "eciesjs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { DATA_KEY_LEN } from "./envelope";
import { InvalidKeyError, KeyUnwrapError } from "./errors";

/** eciesjs defaults: uncompressed ephemeral key, HKDF over uncompressed points, AES-256-GCM with a 16-byte nonce. */
export const WRAPPED_KEY_LEN = 65 + 16 + 16 + DATA_KEY_LEN;

export function checkPublicKey(pub: Uint8Array): void {
  try {
    secp256k1.Point.fromBytes(pub).assertValidity();
  } catch {
    throw new InvalidKeyError(`not a secp256k1 public key (${pub?.length ?? 0} bytes; want 33 compressed or 65 uncompressed)`);
  }
}

export function checkPrivateKey(priv: Uint8Array): void {
  if (!(priv instanceof Uint8Array) || priv.length !== 32 || !secp256k1.utils.isValidSecretKey(priv)) {
    throw new InvalidKeyError("not a secp256k1 private key (want 32 bytes in [1, n-1])");
  }
}

export function wrapKey(dataKey: Uint8Array, workerPubKey: Uint8Array): Uint8Array {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LEN) {
    throw new InvalidKeyError(`data key must be ${DATA_KEY_LEN} bytes, got ${dataKey?.length}`);
  }
  checkPublicKey(workerPubKey);
  return eciesEncrypt(workerPubKey, dataKey);
}

export function unwrapKey(wrapped: Uint8Array, workerPrivKey: Uint8Array): Uint8Array {
  checkPrivateKey(workerPrivKey);
  if (wrapped.length !== WRAPPED_KEY_LEN) {
    throw new KeyUnwrapError(`wrapped key must be ${WRAPPED_KEY_LEN} bytes, got ${wrapped.length}`);
  }
  let key: Uint8Array;
  try {
    key = eciesDecrypt(workerPrivKey, wrapped);
  } catch (err) {
    throw new KeyUnwrapError(`wrapped key does not open with this worker key (wrapped to another key, or altered): ${(err as Error).message}`);
  }
  return key;
}
