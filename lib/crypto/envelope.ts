/**
 * The storage envelope: what is put in the content store for a model or a shard's inputs.
 *
 *   offset 0  4 bytes  magic "OBLV"
 *          4  1 byte   version (1)
 *          5  1 byte   flags: bit 0 = encrypted
 *          6  ...      public:    the plaintext
 *                      encrypted: 12-byte nonce || AES-256-GCM ciphertext || 16-byte tag
 *
 * The 6 header bytes are the GCM associated data, so flipping the encrypted flag or the version breaks the tag.
 * Public models skip encryption: their envelope carries the plaintext and needs no key.
 *
 * Browser-safe: AES-GCM comes from ./aes (node:crypto under Node, @noble/ciphers in the dashboard's build) and
 * randomness from WebCrypto's getRandomValues, which both have; the CLI and the browser seal with this one module.
 */
import { gcmOpen, gcmSeal, TAG_LEN } from "./aes";
import { DecryptionError, EnvelopeFormatError, InvalidKeyError, MissingDataKeyError } from "./errors";

const MAGIC = new Uint8Array([0x4f, 0x42, 0x4c, 0x56]); // "OBLV"
export const ENVELOPE_VERSION = 1;
const HEADER_LEN = 6;
const FLAG_ENCRYPTED = 0x01;
const NONCE_LEN = 12;
export const DATA_KEY_LEN = 32;

/** n cryptographically random bytes (WebCrypto, in Node 20 and every browser). */
export const randomBytes = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n));

export interface EnvelopeHeader {
  version: number;
  encrypted: boolean;
}

function header(encrypted: boolean): Uint8Array {
  const h = new Uint8Array(HEADER_LEN);
  h.set(MAGIC, 0);
  h[4] = ENVELOPE_VERSION;
  h[5] = encrypted ? FLAG_ENCRYPTED : 0;
  return h;
}

/** Reads and checks the header; throws EnvelopeFormatError on anything but a version-1 envelope. */
export function readEnvelopeHeader(envelope: Uint8Array): EnvelopeHeader {
  if (envelope.length < HEADER_LEN || MAGIC.some((b, i) => envelope[i] !== b)) {
    throw new EnvelopeFormatError("not a V-Oblivion storage envelope (missing OBLV magic)");
  }
  if (envelope[4] !== ENVELOPE_VERSION) throw new EnvelopeFormatError(`unsupported envelope version ${envelope[4]}`);
  if ((envelope[5] & ~FLAG_ENCRYPTED) !== 0) throw new EnvelopeFormatError(`unknown envelope flags 0x${envelope[5].toString(16)}`);
  return { version: envelope[4], encrypted: (envelope[5] & FLAG_ENCRYPTED) !== 0 };
}

function checkDataKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== DATA_KEY_LEN) {
    throw new InvalidKeyError(`data key must be ${DATA_KEY_LEN} bytes, got ${key?.length ?? typeof key}`);
  }
}

/** Seals content for storage under a fresh random 256-bit data key. `ciphertext` is the whole envelope. */
export function encryptForStorage(plain: Uint8Array): { ciphertext: Uint8Array; dataKey: Uint8Array } {
  const dataKey = randomBytes(DATA_KEY_LEN);
  return { ciphertext: sealWithKey(plain, dataKey), dataKey };
}

/**
 * Seals content under a given data key (a worker returns a shard's result under the key the requester chose for
 * its inputs); without a key the envelope is public.
 */
export function sealWithKey(plain: Uint8Array, dataKey?: Uint8Array): Uint8Array {
  if (!dataKey) return packPublic(plain);
  checkDataKey(dataKey);
  const nonce = randomBytes(NONCE_LEN);
  const h = header(true);
  const body = gcmSeal(dataKey, nonce, h, plain);
  const out = new Uint8Array(HEADER_LEN + NONCE_LEN + body.length);
  out.set(h, 0);
  out.set(nonce, HEADER_LEN);
  out.set(body, HEADER_LEN + NONCE_LEN);
  return out;
}

/** An unencrypted envelope, for public models. */
export function packPublic(plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_LEN + plain.length);
  out.set(header(false), 0);
  out.set(plain, HEADER_LEN);
  return out;
}

/** Opens an encrypted envelope. Throws DecryptionError on a wrong key or altered bytes. */
export function decrypt(envelope: Uint8Array, dataKey: Uint8Array): Uint8Array {
  const { encrypted } = readEnvelopeHeader(envelope);
  if (!encrypted) throw new EnvelopeFormatError("envelope is public (not encrypted): use openEnvelope");
  checkDataKey(dataKey);
  if (envelope.length < HEADER_LEN + NONCE_LEN + TAG_LEN) throw new DecryptionError("encrypted envelope is truncated");
  const nonce = envelope.subarray(HEADER_LEN, HEADER_LEN + NONCE_LEN);
  try {
    return gcmOpen(dataKey, nonce, envelope.subarray(0, HEADER_LEN), envelope.subarray(HEADER_LEN + NONCE_LEN));
  } catch (err) {
    throw new DecryptionError(`AES-256-GCM authentication failed (wrong data key or altered ciphertext): ${(err as Error).message}`);
  }
}

/**
 * Opens any envelope: public ones need no key; encrypted ones need the data key (MissingDataKeyError if absent).
 * Given a data key, a public envelope is refused: the caller expected secret content, and the flag is not covered
 * by any tag on the public path.
 */
export function openEnvelope(envelope: Uint8Array, dataKey?: Uint8Array): Uint8Array {
  const { encrypted } = readEnvelopeHeader(envelope);
  if (!encrypted) {
    if (dataKey !== undefined) throw new EnvelopeFormatError("a data key was given but the envelope is public (unencrypted)");
    return envelope.slice(HEADER_LEN);
  }
  if (!dataKey) throw new MissingDataKeyError("envelope is encrypted and no data key was given");
  return decrypt(envelope, dataKey);
}
