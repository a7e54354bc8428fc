/**
 * A local store plus remote sources: reads try the local store first, then the endpoints the read names (those a
 * requester published with its job), then the endpoints this process is configured with (OBLIVION_GATEWAYS), then
 * endpoints earlier reads named (model artifacts of the same job are read without hints). Every block fetched is
 * verified against its CID and, when the local store is the embedded one, kept there. Writes go to the local store.
 */
import type { ContentStore, ReadOptions } from "./content-store";
import { KUBO_CIDV1, parseCid, type ImportProfile } from "./cid";
import { EmbeddedContentStore } from "./embedded";
import { ContentNotFoundError, CidMismatchError } from "./errors";
import { parseEndpoint, readRemote, DEFAULT_REMOTE_TIMEOUT_MS } from "./remote";

/** Every source of a read failed; `tried` names each with its reason. */
export class ContentUnavailableError extends ContentNotFoundError {
  override name = "ContentUnavailableError";
  constructor(
    cid: string,
    readonly tried: { source: string; reason: string }[],
  ) {
    super(cid, tried.map((t) => t.source).join(", "), tried.map((t) => `${t.source}: ${t.reason}`).join("; "));
    this.message = `CID ${cid} is unavailable from every source tried (${tried.map((t) => `${t.source}: ${t.reason}`).join("; ")})`;
  }
}

export interface SourcedStoreOptions {
  /** Endpoints tried after a read's own (trustless gateways or kubo+ RPC APIs). */
  endpoints?: readonly string[];
  /** Per remote request, ms (default 30 000). */
  timeoutMs?: number;
  profile?: ImportProfile;
  /** How many endpoints named by earlier reads are remembered (default 8). */
  remember?: number;
}

export class SourcedContentStore implements ContentStore {
  readonly kind: string;
  private readonly configured: string[];
  private readonly learned: string[] = [];
  private readonly timeoutMs: number;
  private readonly profile: ImportProfile;
  private readonly remember: number;

  constructor(
    readonly local: ContentStore,
    opts: SourcedStoreOptions = {},
  ) {
    this.kind = local.kind;
    this.configured = (opts.endpoints ?? []).map((e) => parseEndpoint(e).spec);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
    this.profile = opts.profile ?? (local as { profile?: ImportProfile }).profile ?? KUBO_CIDV1;
    this.remember = opts.remember ?? 8;
  }

  /** The endpoints a read would try after its own: configured, then remembered. */
  sources(hints: readonly string[] = []): string[] {
    const valid = hints.flatMap((h) => {
      try {
        return [parseEndpoint(h).spec];
      } catch {
        return []; // a requester's bad endpoint is its own loss, not this process's error
      }
    });
    return [...new Set([...valid, ...this.configured, ...this.learned])];
  }

  put(bytes: Uint8Array): Promise<string> {
    return this.local.put(bytes);
  }

  async get(cid: string, opts: ReadOptions = {}): Promise<Uint8Array> {
    parseCid(cid);
    const tried: { source: string; reason: string }[] = [];
    try {
      return await this.local.get(cid, { signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      tried.push({ source: `local ${this.local.kind}`, reason: err instanceof ContentNotFoundError ? "not found" : (err as Error).message });
    }
    const sources = this.sources(opts.endpoints);
    this.learn(opts.endpoints ?? []);
    const cache = this.local instanceof EmbeddedContentStore ? this.local : undefined;
    for (const source of sources) {
      try {
        return await readRemote(source, cid, this.profile, {
          signal: opts.signal,
          timeoutMs: this.timeoutMs,
          onBlock: cache && ((c, b) => cache.putBlock(c, b)),
        });
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        if (err instanceof CidMismatchError) tried.push({ source, reason: err.message });
        else tried.push({ source, reason: err instanceof ContentNotFoundError ? "not found" : (err as Error).message });
      }
    }
    throw new ContentUnavailableError(cid, tried);
  }

  has(cid: string): Promise<boolean> {
    return this.local.has(cid);
  }

  pin(cid: string): Promise<void> {
    return this.local.pin(cid);
  }

  close(): Promise<void> {
    return this.local.close();
  }

  private learn(endpoints: readonly string[]): void {
    for (const e of endpoints.map(parseEndpointSafe).filter((x): x is string => !!x).reverse()) {
      const i = this.learned.indexOf(e);
      if (i >= 0) this.learned.splice(i, 1);
      this.learned.unshift(e);
    }
    this.learned.splice(this.remember);
  }
}

function parseEndpointSafe(e: string): string | undefined {
  try {
    return parseEndpoint(e).spec;
  } catch {
    return undefined;
  }
}
