/**
 * Reads from stores on other machines, block by block, each block checked against its CID before it is used:
 *   `http(s)://host…`       an IPFS trustless gateway: GET /ipfs/{cid}?format=raw (the project's content server,
 *                           a Kubo node's gateway port, a public gateway)
 *   `kubo+http(s)://host…`  a Kubo RPC API: POST /api/v0/block/get?arg={cid}
 * The UnixFS exporter walks the DAG over these blocks; the whole file is then verified against its CID as every read
 * is. A server can only answer bytes that hash to what was asked, or be reported as failing. Verified blocks can be
 * cached in the local embedded store, so the next read of the same content stays local.
 */
import { exporter } from "ipfs-unixfs-exporter";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { identity } from "multiformats/hashes/identity";
import { checkBlock } from "./verified";
import { KUBO_CIDV1, parseCid, verifyContent, type ImportProfile } from "./cid";
import { CidMismatchError, ContentNotFoundError, StorageBackendError, StorageConfigError } from "./errors";

export interface Endpoint {
  kind: "gateway" | "kubo";
  /** Base URL without the scheme prefix or a trailing slash. */
  url: string;
  /** As written (with `kubo+` for Kubo RPC APIs). */
  spec: string;
}

/** Largest block accepted from a remote (UnixFS chunks are at most 1 MiB, plus framing). */
const MAX_BLOCK_BYTES = 2 * 1024 * 1024;
export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;

export function parseEndpoint(spec: string): Endpoint {
  const s = spec.trim();
  const kubo = s.startsWith("kubo+");
  const url = (kubo ? s.slice(5) : s).replace(/\/+$/, "");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageConfigError(`not a content endpoint: ${JSON.stringify(spec)} (expected http(s)://host[:port] or kubo+http(s)://host[:port])`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new StorageConfigError(`not a content endpoint: ${JSON.stringify(spec)} (only http and https)`);
  }
  return { kind: kubo ? "kubo" : "gateway", url, spec: (kubo ? "kubo+" : "") + url };
}

/** Comma- or space-separated endpoint list (env variables, task flags); each is checked. */
export function parseEndpointList(list: string | undefined): string[] {
  return (list ?? "")
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((e) => parseEndpoint(e).spec);
}

export interface RemoteReadOptions {
  signal?: AbortSignal;
  /** Per request (one block), ms. */
  timeoutMs?: number;
  /** Called with every verified block, e.g. to cache it locally. */
  onBlock?: (cid: CID, bytes: Uint8Array) => Promise<void>;
}

async function readLimited(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > limit) throw new StorageBackendError(what, `block of ${declared} bytes is over the ${limit}-byte limit`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > limit) throw new StorageBackendError(what, `block of ${bytes.length} bytes is over the ${limit}-byte limit`);
  return bytes;
}

/** One block from an endpoint, checked against the CID's multihash (sha2-256 or identity). */
export async function fetchBlock(ep: Endpoint, cid: CID, o: RemoteReadOptions = {}): Promise<Uint8Array> {
  if (cid.multihash.code === identity.code) return cid.multihash.digest;
  if (cid.multihash.code !== sha256.code) await checkBlock(cid, new Uint8Array(), ep.spec);
  const url = ep.kind === "gateway" ? `${ep.url}/ipfs/${cid}?format=raw` : `${ep.url}/api/v0/block/get?arg=${cid}`;
  const timeoutMs = o.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, {
      method: ep.kind === "gateway" ? "GET" : "POST",
      headers: { accept: "application/vnd.ipld.raw" },
      signal,
    });
    if (res.status === 404 || (ep.kind === "kubo" && res.status === 500 && /not found/i.test(await res.clone().text()))) {
      throw new ContentNotFoundError(cid.toString(), url, `HTTP ${res.status}`);
    }
    if (!res.ok) throw new StorageBackendError(url, `HTTP ${res.status}: ${(await res.text()).slice(0, 200).trim()}`);
    bytes = await readLimited(res, MAX_BLOCK_BYTES, url);
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason;
    if (err instanceof ContentNotFoundError || err instanceof StorageBackendError) throw err;
    const e = err as Error & { cause?: Error };
    if (timeout.aborted) throw new StorageBackendError(url, `no answer within ${timeoutMs} ms`);
    throw new StorageBackendError(url, `${e.message}${e.cause?.message ? ` (${e.cause.message})` : ""}`);
  }
  await checkBlock(cid, bytes, url);
  await o.onBlock?.(cid, bytes);
  return bytes;
}

/** The whole file of `cid` from one endpoint: verified block by block, then as a whole with `profile`. */
export async function readRemote(spec: string, cid: string, profile: ImportProfile = KUBO_CIDV1, o: RemoteReadOptions = {}): Promise<Uint8Array> {
  const ep = parseEndpoint(spec);
  const root = parseCid(cid);
  const blocks = {
    // the exporter reads blocks through an async iterable, as blockstore-fs gives them
    async *get(c: CID) {
      yield await fetchBlock(ep, c, o);
    },
  };
  let bytes: Uint8Array;
  try {
    const entry = await exporter(root, blocks as never, { signal: o.signal });
    if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity") {
      throw new StorageBackendError(ep.spec, `CID ${cid} is a ${entry.type}, not a file`);
    }
    const parts: Uint8Array[] = [];
    for await (const chunk of entry.content({ signal: o.signal })) parts.push(chunk);
    bytes = Buffer.concat(parts);
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason;
    if (err instanceof ContentNotFoundError || err instanceof StorageBackendError || err instanceof CidMismatchError) throw err;
    // blocks that hash right but do not decode as UnixFS
    throw new CidMismatchError(root.toString(), `undecodable DAG (${(err as Error).message})`, ep.spec);
  }
  return verifyContent(cid, bytes, profile, ep.spec);
}
