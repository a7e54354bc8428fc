/**
 * A local store plus remote sources: reads try the local store first, then the endpoints the read names (those a
 * requester published with its job), then the endpoints this process is configured with (OBLIVION_GATEWAYS), then
 * endpoints earlier reads named (model artifacts of the same job are read without hints). Reads are hedged: a source
 * that fails hands over at once, and one that has not answered within `hedgeMs` gets the next source asked beside it
 * (a Kubo node searching the network for content it lacks no longer holds a read past its deadline while the
 * requester's own endpoint would answer); the first verified answer wins and the others are aborted. Every block
 * fetched is verified against its CID and, when the local store is the embedded one, kept there. Writes go to the
 * local store.
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
  /** How long a source may go without answering before the next one is asked beside it, ms (default 1 000). */
  hedgeMs?: number;
}

/** Default of `SourcedStoreOptions.hedgeMs`. */
export const DEFAULT_HEDGE_MS = 1_000;

export class SourcedContentStore implements ContentStore {
  readonly kind: string;
  private readonly configured: string[];
  private readonly learned: string[] = [];
  private readonly timeoutMs: number;
  readonly profile: ImportProfile;
  private readonly keep: number;
  private readonly hedgeMs: number;

  constructor(
    readonly local: ContentStore,
    opts: SourcedStoreOptions = {},
  ) {
    this.kind = local.kind;
    this.configured = (opts.endpoints ?? []).map((e) => parseEndpoint(e).spec);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
    this.profile = opts.profile ?? (local as { profile?: ImportProfile }).profile ?? KUBO_CIDV1;
    this.keep = opts.remember ?? 8;
    this.hedgeMs = opts.hedgeMs ?? DEFAULT_HEDGE_MS;
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

  get(cid: string, opts: ReadOptions = {}): Promise<Uint8Array> {
    parseCid(cid);
    const sources = this.sources(opts.endpoints);
    this.learn(opts.endpoints ?? []);
    const cache = this.local instanceof EmbeddedContentStore ? this.local : undefined;
    const reads: SourceRead[] = [
      { source: `local ${this.local.kind}`, read: (signal) => this.local.get(cid, { signal }) },
      ...sources.map((source) => ({
        source,
        read: (signal: AbortSignal) =>
          readRemote(source, cid, this.profile, { signal, timeoutMs: this.timeoutMs, onBlock: cache && ((c, b) => cache.putBlock(c, b)) }),
      })),
    ];
    return hedged(cid, reads, this.hedgeMs, opts.signal);
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

  /** Endpoints to try, after the configured ones, on later reads that name none (most recent first). */
  remember(endpoints: readonly string[]): void {
    this.learn(endpoints);
  }

  private learn(endpoints: readonly string[]): void {
    for (const e of endpoints.map(parseEndpointSafe).filter((x): x is string => !!x).reverse()) {
      const i = this.learned.indexOf(e);
      if (i >= 0) this.learned.splice(i, 1);
      this.learned.unshift(e);
    }
    this.learned.splice(this.keep);
  }
}

function parseEndpointSafe(e: string): string | undefined {
  try {
    return parseEndpoint(e).spec;
  } catch {
    return undefined;
  }
}

interface SourceRead {
  source: string;
  read: (signal: AbortSignal) => Promise<Uint8Array>;
}

/**
 * The first answer of `reads`, asked in order: the next one starts when every running one has failed, or when
 * `hedgeMs` passed since the last start. The winner aborts the others; when all fail, the error names each source's
 * reason in order; `outer` aborting ends the read with its reason.
 */
function hedged(cid: string, reads: SourceRead[], hedgeMs: number, outer?: AbortSignal): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    if (outer?.aborted) return reject(outer.reason);
    const tried: ({ source: string; reason: string } | undefined)[] = [];
    const running = new Set<AbortController>();
    let next = 0;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (end: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
      for (const c of running) c.abort(new Error("another source answered first"));
      end();
    };
    const onAbort = () => finish(() => reject(outer!.reason));
    outer?.addEventListener("abort", onAbort, { once: true });
    const start = () => {
      clearTimeout(timer);
      if (settled || next >= reads.length) return;
      const i = next++;
      const { source, read } = reads[i];
      const own = new AbortController();
      running.add(own);
      read(outer ? AbortSignal.any([outer, own.signal]) : own.signal).then(
        (bytes) => finish(() => resolve(bytes)),
        (err) => {
          running.delete(own);
          if (settled) return;
          tried[i] = { source, reason: reasonOf(err) };
          if (next < reads.length) start();
          else if (running.size === 0) finish(() => reject(new ContentUnavailableError(cid, tried.filter((t) => !!t))));
        },
      );
      if (next < reads.length) timer = setTimeout(start, hedgeMs);
    };
    start();
  });
}

function reasonOf(err: unknown): string {
  if (err instanceof CidMismatchError) return err.message;
  return err instanceof ContentNotFoundError ? "not found" : (err as Error).message;
}
