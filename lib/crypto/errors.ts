/** Named errors of the encryption layer. */

/** The ciphertext was altered, or the data key is not the one it was sealed with (AES-GCM tag check failed). */
export class DecryptionError extends Error {
  override name = "DecryptionError";
}

/** The wrapped key does not open with this private key: wrapped to another worker, or altered. */
export class KeyUnwrapError extends Error {
  override name = "KeyUnwrapError";
}

/** A key of the wrong length or not on the curve. */
export class InvalidKeyError extends Error {
  override name = "InvalidKeyError";
}

/** Bytes that are not a V-Oblivion storage envelope, or one of an unknown version. */
export class EnvelopeFormatError extends Error {
  override name = "EnvelopeFormatError";
}

/** The envelope is encrypted and no data key was given. */
export class MissingDataKeyError extends Error {
  override name = "MissingDataKeyError";
}

/** A worker key file that is missing, malformed, or readable by other users. */
export class KeyFileError extends Error {
  override name = "KeyFileError";
}
