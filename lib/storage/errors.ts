/** Named errors of the content store. Every backend throws these, never its own transport errors bare. */

/** The bytes a backend returned (or the CID it reported) do not match the CID they were asked for. */
export class CidMismatchError extends Error {
  override name = "CidMismatchError";
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly backend: string,
  ) {
    super(`content from ${backend} does not match CID ${expected} (recomputed ${actual}): rejected`);
  }
}

/** The backend holds no content for this CID. */
export class ContentNotFoundError extends Error {
  override name = "ContentNotFoundError";
  constructor(
    readonly cid: string,
    readonly backend: string,
    detail?: string,
  ) {
    super(`CID ${cid} not found in ${backend}${detail ? `: ${detail}` : ""}`);
  }
}

/** The backend could not be reached or answered with an error that is not "not found". */
export class StorageBackendError extends Error {
  override name = "StorageBackendError";
  constructor(
    readonly backend: string,
    detail: string,
  ) {
    super(`${backend}: ${detail}`);
  }
}

/** The store configuration is incomplete or inconsistent (unknown kind, missing URL or token). */
export class StorageConfigError extends Error {
  override name = "StorageConfigError";
}

/** The string given as a CID does not parse as one. */
export class InvalidCidError extends Error {
  override name = "InvalidCidError";
  constructor(readonly input: string) {
    super(`not a valid CID: ${JSON.stringify(input)}`);
  }
}
