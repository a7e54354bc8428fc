/**
 * The content server: the embedded store over HTTP, so that workers on other machines can fetch a job's content.
 *
 * It speaks the part of Kubo's RPC API the project uses and the IPFS trustless-gateway read, so the same clients
 * work against it, a Kubo node or a public gateway:
 *   POST /api/v0/add        multipart upload (cid-version, raw-leaves, chunker=size-N honoured); needs the token
 *   POST /api/v0/pin/add    asserts the content is here (the embedded store keeps everything); needs the token
 *   POST /api/v0/cat        the file's bytes, verified against the CID before they are sent
 *   POST /api/v0/block/get  one block as stored
 *   POST /api/v0/pin/ls     whether the content is here (the Kubo adapter's `has`)
 *   GET  /ipfs/{cid}?format=raw (or Accept: application/vnd.ipld.raw)   one block (trustless gateway)
 *   GET  /ipfs/{cid}        the file's bytes (path gateway; the client verifies them against the CID)
 * Reads need nothing: what a job stores is ciphertext under content addresses. Writes need `Authorization: Bearer
 * <token>` (or pass `authorizeUpload`, which the requester uses to take results from its own claimants) and are
 * limited to `maxUploadBytes`. It binds 127.0.0.1 unless told otherwise, and answers CORS so that a page on another
 * local port can read it. Errors are Kubo's shape: `{"Message", "Code", "Type": "error"}`.
 */
import { timingSafeEqual, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { KUBO_CIDV0, parseCid, computeCid, type ImportProfile } from "./cid";
import type { EmbeddedContentStore } from "./embedded";
import { ContentNotFoundError, InvalidCidError } from "./errors";

/** What an upload hook decides on: the CID the body will get, its size and the request's headers. */
export interface UploadRequest {
  cid: string;
  size: number;
  headers: http.IncomingHttpHeaders;
}

export interface ContentServerOptions {
  store: EmbeddedContentStore;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Bearer token for uploads; a random one when not given (returned). */
  uploadToken?: string;
  /** Largest upload accepted, in bytes; default 128 MiB. */
  maxUploadBytes?: number;
  /** Also accepts an upload without the token when this says yes (e.g. a result signed by a current claimant). */
  authorizeUpload?: (u: UploadRequest) => boolean | Promise<boolean>;
  /** A request (headers and body) must arrive within this many ms; default 120 000. */
  requestTimeoutMs?: number;
}

export interface ContentServer {
  url: string;
  uploadToken: string;
  close(): Promise<void>;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 128 * 1024 * 1024;
const RAW = "application/vnd.ipld.raw";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const CORS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, POST, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, Accept, X-Oblivion-Claim",
  "access-control-expose-headers": "Content-Length, X-Ipfs-Path, X-Ipfs-Roots",
  "access-control-max-age": "600",
};

/** Kubo's `add` import options, as its RPC API reads them. */
export function profileFromQuery(q: URLSearchParams): ImportProfile {
  const cidVersion = Number(q.get("cid-version") ?? 0);
  if (cidVersion !== 0 && cidVersion !== 1) throw new HttpError(400, `cid-version must be 0 or 1, got ${q.get("cid-version")}`);
  // Kubo: --cid-version=1 implies raw leaves unless --raw-leaves=false is given.
  const rawLeaves = q.has("raw-leaves") ? q.get("raw-leaves") === "true" : cidVersion === 1;
  if (cidVersion === 0 && rawLeaves) throw new HttpError(400, "CIDv0 cannot have raw leaves");
  const chunker = q.get("chunker") ?? "size-262144";
  const m = /^size-(\d+)$/.exec(chunker);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 1_048_576) throw new HttpError(400, `unsupported chunker ${chunker} (size-N, N up to 1048576)`);
  return { ...KUBO_CIDV0, cidVersion, rawLeaves, chunkSize: Number(m[1]) };
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return Promise.reject(new HttpError(413, `upload of ${declared} bytes is over the limit of ${limit}`));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (d: Buffer) => {
      size += d.length;
      if (size > limit) {
        reject(new HttpError(413, `upload is over the limit of ${limit} bytes`));
        req.pause();
        return;
      }
      parts.push(d);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

function cidArg(value: string | null): string {
  if (!value) throw new HttpError(400, "argument \"arg\" is required");
  // Kubo accepts /ipfs/<cid> as well as a bare CID
  const bare = value.replace(/^\/ipfs\//, "");
  if (bare.includes("/")) throw new HttpError(400, `paths inside a DAG are not served: ${value}`);
  try {
    return parseCid(bare).toString();
  } catch (err) {
    if (err instanceof InvalidCidError) throw new HttpError(400, err.message);
    throw err;
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startContentServer(opts: ContentServerOptions): Promise<ContentServer> {
  const { store } = opts;
  const host = opts.host ?? "127.0.0.1";
  const uploadToken = opts.uploadToken ?? randomBytes(24).toString("base64url");
  if (uploadToken.length < 16) throw new Error("content server: the upload token must have at least 16 characters");
  const maxUpload = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  if (!Number.isSafeInteger(maxUpload) || maxUpload < 1) throw new Error(`content server: maxUploadBytes must be a positive integer, got ${opts.maxUploadBytes}`);

  const send = (res: http.ServerResponse, status: number, body: string | Uint8Array, type: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...CORS, "content-type": type, "x-content-type-options": "nosniff", ...extra });
    res.end(body);
  };
  const sendError = (res: http.ServerResponse, status: number, message: string) =>
    send(res, status, JSON.stringify({ Message: message, Code: 0, Type: "error" }) + "\n", "application/json");

  /** Uploads: the token, or the hook; checked once the CID of the body is known. */
  const mayUpload = async (req: http.IncomingMessage, cid: string, size: number): Promise<void> => {
    if (tokenMatches(req.headers.authorization, uploadToken)) return;
    if (opts.authorizeUpload && (await opts.authorizeUpload({ cid, size, headers: req.headers }))) return;
    throw new HttpError(401, "uploads need Authorization: Bearer <upload token>");
  };

  const fileBytes = async (cid: string, signal: AbortSignal): Promise<Uint8Array> => store.get(cid, { signal });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://content-server");
    if (req.method === "OPTIONS") return send(res, 204, "", "text/plain");
    if (url.pathname.startsWith("/ipfs/")) {
      if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, `${req.method} is not allowed on /ipfs/`);
      const cid = cidArg(url.pathname);
      const format = url.searchParams.get("format") ?? ((req.headers.accept ?? "").includes(RAW) ? "raw" : "");
      const headers = { "x-ipfs-path": `/ipfs/${cid}`, "x-ipfs-roots": cid, "cache-control": "public, max-age=29030400, immutable" };
      if (format === "raw") return send(res, 200, req.method === "HEAD" ? "" : await store.getBlock(cid), RAW, headers);
      if (format !== "") throw new HttpError(406, `format ${format} is not served (raw blocks and whole files are)`);
      const bytes = await fileBytes(cid, signal);
      // sandboxed: stored bytes are never run as a page of this origin
      return send(res, 200, req.method === "HEAD" ? "" : bytes, "application/octet-stream", { ...headers, "content-security-policy": "sandbox" });
    }
    if (!url.pathname.startsWith("/api/v0/")) throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    // Kubo's RPC API takes POST only (a browser's GET must not reach it)
    if (req.method !== "POST") throw new HttpError(405, `${req.method} is not allowed on the RPC API; use POST`);
    const q = url.searchParams;
    switch (url.pathname) {
      case "/api/v0/add": {
        const profile = profileFromQuery(q);
        const body = await readBody(req, maxUpload + 64 * 1024); // room for the multipart framing
        const type = req.headers["content-type"] ?? "";
        if (!type.startsWith("multipart/form-data")) throw new HttpError(400, `expected multipart/form-data, got ${type || "no content type"}`);
        const form = await new Response(body, { headers: { "content-type": type } }).formData();
        const lines: string[] = [];
        for (const [, value] of form) {
          if (typeof value === "string") continue;
          const bytes = new Uint8Array(await value.arrayBuffer());
          if (bytes.length > maxUpload) throw new HttpError(413, `upload of ${bytes.length} bytes is over the limit of ${maxUpload}`);
          const cid = await computeCid(bytes, profile);
          await mayUpload(req, cid, bytes.length);
          const stored = await store.putWith(bytes, profile);
          lines.push(JSON.stringify({ Name: value.name || stored, Hash: stored, Size: String(bytes.length) }));
        }
        if (!lines.length) throw new HttpError(400, "no file in the upload");
        return send(res, 200, lines.join("\n") + "\n", "application/x-ndjson");
      }
      case "/api/v0/pin/add": {
        const cid = cidArg(q.get("arg"));
        await mayUpload(req, cid, 0);
        await store.pin(cid);
        return send(res, 200, JSON.stringify({ Pins: [cid] }) + "\n", "application/json");
      }
      case "/api/v0/pin/ls": {
        const cid = cidArg(q.get("arg"));
        if (!(await store.has(cid))) throw new HttpError(500, `path '${cid}' is not pinned`);
        return send(res, 200, JSON.stringify({ Keys: { [cid]: { Type: "recursive" } } }) + "\n", "application/json");
      }
      case "/api/v0/cat":
        return send(res, 200, await fileBytes(cidArg(q.get("arg")), signal), "text/plain");
      case "/api/v0/block/get":
        return send(res, 200, await store.getBlock(cidArg(q.get("arg"))), "text/plain");
      case "/api/v0/version":
        return send(res, 200, JSON.stringify({ Version: "v-oblivion-content-server", System: "embedded store" }) + "\n", "application/json");
      default:
        throw new HttpError(404, `${url.pathname} is not served (add, cat, block/get, pin/add, pin/ls, version are)`);
    }
  };

  const server = http.createServer((req, res) => {
    const abort = new AbortController();
    res.on("close", () => abort.abort(new Error("client went away")));
    handle(req, res, abort.signal).catch((err: Error) => {
      if (res.headersSent) return res.destroy();
      // Kubo answers a missing block with 500 and a "not found" message; a gateway with 404
      const gateway = (req.url ?? "").startsWith("/ipfs/");
      if (err instanceof HttpError && err.status === 413) res.setHeader("connection", "close");
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else if (err instanceof ContentNotFoundError) sendError(res, gateway ? 404 : 500, `block was not found locally (offline): ${err.message}`);
      else sendError(res, 500, err.message);
    });
  });
  server.requestTimeout = opts.requestTimeoutMs ?? 120_000;
  server.headersTimeout = Math.min(server.requestTimeout, 30_000);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    uploadToken,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
