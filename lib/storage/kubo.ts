/**
 * Content store on a Kubo node through its RPC API (kubo-rpc-client): /api/v0/add, /api/v0/cat, /api/v0/pin/add,
 * /api/v0/pin/ls. The CID Kubo reports on add is checked against the one computed here, and bytes from cat are
 * verified against their CID before they are returned.
 */
import type { KuboRPCClient } from "kubo-rpc-client";
import type { ContentStore, ReadOptions } from "./content-store";
import { KUBO_CIDV1, parseCid, uploadWithCidCheck, verifyContent, type ImportProfile } from "./cid";
import { ContentNotFoundError, StorageBackendError } from "./errors";

export interface KuboStoreOptions {
  /** RPC API base, e.g. http://127.0.0.1:5001 */
  url: string;
  profile?: ImportProfile;
  /** Per-request timeout (ms); a cat of content the node cannot find would otherwise search the network forever. */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>` (Kubo's API.Authorizations, or the project's content server). */
  token?: string;
}

export const DEFAULT_KUBO_TIMEOUT_MS = 30_000;

const KIND = "kubo";

/** Kubo answers a missing path or block with HTTP 500 and one of these messages. */
const NOT_FOUND = /not found|no link named|is not pinned|could not resolve|block was not found/i;

/** Names the node's URL in every error: "kubo at http://…: add failed: fetch failed (connect ECONNREFUSED …)". */
function backendError(err: unknown, url: string, what: string, cid?: string): Error {
  const e = err as Error & { cause?: Error };
  const msg = (e?.message ?? String(err)) + (e?.cause?.message && !e.message.includes(e.cause.message) ? ` (${e.cause.message})` : "");
  if (cid && NOT_FOUND.test(msg)) return new ContentNotFoundError(cid, `${KIND} at ${url}`, msg);
  return new StorageBackendError(`${KIND} at ${url}`, `${what} failed: ${msg}`);
}

export class KuboContentStore implements ContentStore {
  readonly kind = KIND;
  readonly profile: ImportProfile;
  private readonly client: KuboRPCClient;
  private readonly timeoutMs: number;
  readonly url: string;

  constructor(opts: KuboStoreOptions) {
    this.profile = opts.profile ?? KUBO_CIDV1;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_KUBO_TIMEOUT_MS;
    this.url = opts.url.replace(/\/+$/, "");
    const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    // required here, not at the top: every task imports the stores, and this client weighs 0.2 s on each Hardhat start
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { create } = require("kubo-rpc-client") as typeof import("kubo-rpc-client");
    this.client = create({ url: this.url, timeout: this.timeoutMs, headers });
  }

  async put(bytes: Uint8Array): Promise<string> {
    return uploadWithCidCheck(bytes, this.profile, KIND, async () => {
      try {
        const res = await this.client.add(bytes, {
          cidVersion: this.profile.cidVersion,
          rawLeaves: this.profile.rawLeaves,
          chunker: `size-${this.profile.chunkSize}`,
          pin: true,
          timeout: this.timeoutMs,
        });
        return res.cid.toString();
      } catch (err) {
        throw backendError(err, this.url, "add");
      }
    });
  }

  async get(cid: string, opts: ReadOptions = {}): Promise<Uint8Array> {
    parseCid(cid);
    const parts: Uint8Array[] = [];
    try {
      for await (const chunk of this.client.cat(cid, { timeout: this.timeoutMs, signal: opts.signal })) parts.push(chunk);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw backendError(err, this.url, "cat", cid);
    }
    return verifyContent(cid, Buffer.concat(parts), this.profile, `${KIND} at ${this.url}`);
  }

  async has(cid: string): Promise<boolean> {
    parseCid(cid);
    try {
      for await (const pin of this.client.pin.ls({ paths: [cid], type: "recursive", timeout: this.timeoutMs })) {
        if (pin.cid.toString() === parseCid(cid).toString()) return true;
      }
      return false;
    } catch (err) {
      const e = backendError(err, this.url, "pin/ls", cid);
      if (e instanceof ContentNotFoundError) return false;
      throw e;
    }
  }

  async pin(cid: string): Promise<void> {
    parseCid(cid);
    try {
      await this.client.pin.add(cid, { recursive: true, timeout: this.timeoutMs });
    } catch (err) {
      throw backendError(err, this.url, "pin/add", cid);
    }
  }

  async close(): Promise<void> {
    // Stateless HTTP client: nothing to release.
  }
}
