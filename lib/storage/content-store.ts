/** The one content-store interface every backend implements. */

export interface ContentStore {
  /** Backend name used in logs and error messages ("embedded", "kubo", "pinata"). */
  readonly kind: string;
  /** Stores the bytes and returns their CID (the CID Kubo gives the same bytes with the store's import profile). */
  put(bytes: Uint8Array): Promise<string>;
  /**
   * Fetches the bytes of a CID and verifies them against it (the CID is recomputed from the bytes) before
   * returning. Throws ContentNotFoundError, CidMismatchError or StorageBackendError.
   */
  get(cid: string): Promise<Uint8Array>;
  /** Whether the backend holds the content (embedded: its root block is on disk; Kubo, Pinata: it is pinned). */
  has(cid: string): Promise<boolean>;
  /** Asks the backend to keep the content (Kubo pin, Pinata pin by CID); the embedded store keeps everything. */
  pin(cid: string): Promise<void>;
  /** Releases resources (no-op for stateless HTTP backends). */
  close(): Promise<void>;
}
