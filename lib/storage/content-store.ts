/** The one content-store interface every backend implements. */

/** Options of every read. */
export interface ReadOptions {
  /** Aborts the read (a deadline, a stopping process); the read rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Where else this content may be found: content endpoints a requester published with its job (trustless gateways
   * `http(s)://…`, or Kubo RPC APIs `kubo+http(s)://…`). Stores that cannot fetch remotely ignore them.
   */
  endpoints?: readonly string[];
}

export interface ContentStore {
  /** Backend name used in logs and error messages ("embedded", "kubo", "pinata"). */
  readonly kind: string;
  /** Stores the bytes and returns their CID (the CID Kubo gives the same bytes with the store's import profile). */
  put(bytes: Uint8Array): Promise<string>;
  /**
   * Fetches the bytes of a CID and verifies them against it (the CID is recomputed from the bytes) before
   * returning. Throws ContentNotFoundError, CidMismatchError or StorageBackendError, or the signal's reason.
   */
  get(cid: string, opts?: ReadOptions): Promise<Uint8Array>;
  /** Whether the backend holds the content (embedded: its root block is on disk; Kubo, Pinata: it is pinned). */
  has(cid: string): Promise<boolean>;
  /** Asks the backend to keep the content (Kubo pin, Pinata pin by CID); the embedded store keeps everything. */
  pin(cid: string): Promise<void>;
  /** Releases resources (no-op for stateless HTTP backends). */
  close(): Promise<void>;
}
