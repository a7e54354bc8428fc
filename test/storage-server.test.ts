/**
 * The content server (lib/storage/server.ts) as other machines meet it: the project's Kubo client and its trustless
 * gateway reader against it, the upload token and size limit, CID verification of what it serves, CORS, and the
 * reading store that falls back from the local store to a job's endpoints.
 */
import { expect } from "chai";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  CidMismatchError,
  ContentNotFoundError,
  ContentUnavailableError,
  createReadingStore,
  EmbeddedContentStore,
  KuboContentStore,
  readRemote,
  SourcedContentStore,
  StorageBackendError,
  StorageConfigError,
  parseEndpoint,
} from "../lib/storage";
import { startContentServer, type ContentServer } from "../lib/storage/server";
import { freePort } from "../lib/util/processes";
import { deterministicBytes } from "./helpers/deterministic-bytes";

const utf8 = (s: string) => new TextEncoder().encode(s);
const TOKEN = "test-upload-token-0123456789";

async function rejectsWith<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (err) {
    expect(err, (err as Error).message).to.be.instanceOf(type);
    return err as T;
  }
  throw new Error(`expected ${type.name}, but the call succeeded`);
}

function blockFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".data")).map((f) => path.join(dir, f));
}

describe("storage: content server", () => {
  let dir: string;
  let store: EmbeddedContentStore;
  let server: ContentServer;
  let kubo: KuboContentStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-serve-"));
    store = new EmbeddedContentStore({ dir });
    server = await startContentServer({ store, uploadToken: TOKEN, maxUploadBytes: 1_000_000 });
    kubo = new KuboContentStore({ url: server.url, token: TOKEN, timeoutMs: 10_000 });
  });
  afterEach(async () => {
    await server.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("binds 127.0.0.1 by default; the Kubo client adds, cats back verified, pins and finds pins through it", async () => {
    expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const bytes = deterministicBytes(700_000, "served"); // three 256 KiB chunks
    const cid = await kubo.put(bytes);
    expect(await store.has(cid)).to.equal(true);
    expect(Buffer.from(await kubo.get(cid)).equals(Buffer.from(bytes))).to.equal(true);
    await kubo.pin(cid);
    expect(await kubo.has(cid)).to.equal(true);
    const absent = await new EmbeddedContentStore({ dir: path.join(dir, "other") }).put(utf8("never served"));
    expect(await kubo.has(absent)).to.equal(false);
    await rejectsWith(kubo.get(absent), ContentNotFoundError);
  });

  it("uploads need the token and stay under the size limit; a refused upload stores nothing", async () => {
    const anonymous = new KuboContentStore({ url: server.url, timeoutMs: 10_000 });
    const err = await rejectsWith(anonymous.put(utf8("no token")), StorageBackendError);
    expect(err.message).to.include(`kubo at ${server.url}: add failed`).and.include("Authorization: Bearer");
    const wrong = new KuboContentStore({ url: server.url, token: "x".repeat(TOKEN.length), timeoutMs: 10_000 });
    await rejectsWith(wrong.put(utf8("wrong token")), StorageBackendError);
    const big = await rejectsWith(kubo.put(deterministicBytes(1_000_001, "too big")), StorageBackendError);
    expect(big.message).to.match(/over the limit of 1000000/);
    expect(blockFiles(dir)).to.have.length(0);
    // reads need nothing: a raw POST with no header
    const cid = await kubo.put(utf8("public read"));
    const res = await fetch(`${server.url}/api/v0/cat?arg=${cid}`, { method: "POST" });
    expect(await res.text()).to.equal("public read");
    // the RPC API refuses GET (a browser page cannot drive it by a link)
    expect((await fetch(`${server.url}/api/v0/cat?arg=${cid}`)).status).to.equal(405);
  });

  it("serves the trustless-gateway read (?format=raw) and Kubo's block/get; the reader verifies every block", async () => {
    const bytes = deterministicBytes(600_000, "gateway");
    const cid = await store.put(bytes);
    for (const spec of [server.url, `kubo+${server.url}`]) {
      expect(Buffer.from(await readRemote(spec, cid)).equals(Buffer.from(bytes)), spec).to.equal(true);
    }
    const raw = await fetch(`${server.url}/ipfs/${cid}?format=raw`);
    expect(raw.headers.get("content-type")).to.equal("application/vnd.ipld.raw");
    // a server whose block does not hash to its CID (flipped on its disk) is caught by the client
    const leaf = blockFiles(dir).find((f) => fs.statSync(f).size === 262_144)!;
    const data = fs.readFileSync(leaf);
    data[7] ^= 0x01;
    fs.writeFileSync(leaf, data);
    const bad = await rejectsWith(readRemote(server.url, cid), CidMismatchError);
    expect(bad.backend).to.include(server.url);
    await rejectsWith(readRemote(`kubo+${server.url}`, cid), CidMismatchError);
    expect((await fetch(`${server.url}/ipfs/not-a-cid?format=raw`)).status).to.equal(400);
  });

  it("answers CORS preflights and reads for a page on another origin", async () => {
    const pre = await fetch(`${server.url}/api/v0/add`, {
      method: "OPTIONS",
      headers: { origin: "http://127.0.0.1:5173", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect(pre.status).to.equal(204);
    expect(pre.headers.get("access-control-allow-origin")).to.equal("*");
    expect(pre.headers.get("access-control-allow-headers")).to.match(/Authorization/);
    const cid = await store.put(utf8("cross-origin"));
    const res = await fetch(`${server.url}/ipfs/${cid}`, { headers: { origin: "http://127.0.0.1:5173" } });
    expect(res.headers.get("access-control-allow-origin")).to.equal("*");
    expect(res.headers.get("content-security-policy")).to.equal("sandbox");
    expect(await res.text()).to.equal("cross-origin");
  });

  it("an upload hook admits uploads without the token (the requester's claimants)", async () => {
    await server.close();
    const seen: string[] = [];
    server = await startContentServer({
      store,
      authorizeUpload: (u) => {
        seen.push(u.cid);
        return u.headers["x-oblivion-claim"] === "ok";
      },
    });
    expect(server.uploadToken.length).to.be.at.least(16);
    const form = new FormData();
    form.append("file", new Blob([utf8("a result")]));
    const no = await fetch(`${server.url}/api/v0/add?cid-version=1`, { method: "POST", body: form });
    expect(no.status).to.equal(401);
    const yes = await fetch(`${server.url}/api/v0/add?cid-version=1`, { method: "POST", body: form, headers: { "x-oblivion-claim": "ok" } });
    const { Hash } = (await yes.json()) as { Hash: string };
    expect(seen).to.deep.equal([Hash, Hash]);
    expect(await store.has(Hash)).to.equal(true);
  });
});

describe("storage: reading store (local, then a job's endpoints, then configured gateways)", () => {
  let dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-reading-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    dirs = [];
  });

  it("falls back to the endpoints, caches the verified blocks, and names every source it tried", async () => {
    const remote = new EmbeddedContentStore({ dir: tmp() });
    const server = await startContentServer({ store: remote });
    const down = `http://127.0.0.1:${await freePort()}`;
    try {
      const bytes = deterministicBytes(300_000, "job package");
      const cid = await remote.put(bytes);
      const local = new EmbeddedContentStore({ dir: tmp() });
      const reading = new SourcedContentStore(local, { endpoints: [down], timeoutMs: 5_000 });
      expect(Buffer.from(await reading.get(cid, { endpoints: [server.url] })).equals(Buffer.from(bytes))).to.equal(true);
      expect(await local.has(cid)).to.equal(true); // cached: the next read is local
      // endpoints a read named are remembered for reads without hints (a job's model artifacts)
      const other = await remote.put(utf8("model bundle"));
      expect(new TextDecoder().decode(await reading.get(other))).to.equal("model bundle");

      const missing = await new EmbeddedContentStore({ dir: tmp() }).put(utf8("nowhere"));
      const err = await rejectsWith(reading.get(missing, { endpoints: ["http://127.0.0.1:1"] }), ContentUnavailableError);
      expect(err.tried.map((t) => t.source)).to.deep.equal(["local embedded", "http://127.0.0.1:1", down, server.url]);
      expect(err.message).to.include(`${server.url}: not found`).and.include("http://127.0.0.1:1:");
      // a read that is aborted stops with the signal's reason
      const abort = new AbortController();
      abort.abort(new Error("deadline"));
      const aborted = await reading.get(missing, { endpoints: [server.url], signal: abort.signal }).catch((e: Error) => e);
      expect((aborted as Error).message).to.equal("deadline");
    } finally {
      await server.close();
    }
  });

  it("hedges: a local store that never answers and an endpoint that hangs do not hold the read past the requester's endpoint", async () => {
    const remote = new EmbeddedContentStore({ dir: tmp() });
    const server = await startContentServer({ store: remote });
    // an endpoint that accepts connections and never answers (a stalled gateway)
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const hanging = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    // a local store that never answers (a Kubo node searching the network for content it lacks) until aborted
    const aborted: unknown[] = [];
    const local = new EmbeddedContentStore({ dir: tmp() });
    const stuck = Object.assign(Object.create(local), {
      get: (_cid: string, o: { signal?: AbortSignal } = {}) => new Promise<Uint8Array>((_, reject) => o.signal?.addEventListener("abort", () => (aborted.push(o.signal!.reason), reject(o.signal!.reason)))),
    }) as EmbeddedContentStore;
    try {
      const bytes = deterministicBytes(200_000, "hedged package");
      const cid = await remote.put(bytes);
      const reading = new SourcedContentStore(stuck, { endpoints: [server.url], timeoutMs: 30_000, hedgeMs: 200 });
      const t0 = Date.now();
      const got = await reading.get(cid, { endpoints: [hanging] });
      const took = Date.now() - t0;
      expect(Buffer.from(got).equals(Buffer.from(bytes))).to.equal(true);
      // local (hangs) → hanging endpoint after 200 ms → the server after 400 ms; far inside the 30 s per-request timeout
      expect(took, `${took} ms`).to.be.at.least(400).and.below(10_000);
      expect(aborted.map((r) => (r as Error).message)).to.deep.equal(["another source answered first"]);
      // a source that fails hands over at once: the local miss does not wait for the hedge
      const quick = new SourcedContentStore(new EmbeddedContentStore({ dir: tmp() }), { hedgeMs: 60_000 });
      const t1 = Date.now();
      expect(Buffer.from(await quick.get(cid, { endpoints: [server.url] })).equals(Buffer.from(bytes))).to.equal(true);
      expect(Date.now() - t1).to.be.below(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await server.close();
    }
  });

  it("reads OBLIVION_GATEWAYS and OBLIVION_STORE_TIMEOUT_MS; names bad endpoints", () => {
    const s = createReadingStore({}, { OBLIVION_STORE_DIR: tmp(), OBLIVION_GATEWAYS: "http://10.0.0.1:8090, kubo+http://10.0.0.2:5001/", OBLIVION_STORE_TIMEOUT_MS: "5000" });
    expect(s.sources()).to.deep.equal(["http://10.0.0.1:8090", "kubo+http://10.0.0.2:5001"]);
    expect(() => createReadingStore({}, { OBLIVION_STORE_DIR: tmp(), OBLIVION_GATEWAYS: "ftp://x" })).to.throw(StorageConfigError, /only http and https/);
    expect(() => createReadingStore({}, { OBLIVION_STORE_DIR: tmp(), OBLIVION_STORE_TIMEOUT_MS: "soon" })).to.throw(StorageConfigError, /OBLIVION_STORE_TIMEOUT_MS/);
    expect(parseEndpoint("kubo+https://ipfs.example/").kind).to.equal("kubo");
  });
});
