/**
 * A small fake Kubo node speaking the RPC API calls the Kubo adapter uses: POST /api/v0/add (multipart, with
 * cid-version, raw-leaves, chunker, pin), /api/v0/cat, /api/v0/pin/add, /api/v0/pin/ls. CIDs come from the real
 * UnixFS importer. `lie` makes cat return altered bytes, to check that the adapter rejects them.
 */
import { computeCid, type ImportProfile } from "../../lib/storage/cid";
import { profileFromQuery } from "../../lib/storage/server";
import { json, parseMultipart, startFakeServer, type FakeServer } from "./http-fake";

export interface FakeKubo extends FakeServer {
  blocks: Map<string, Uint8Array>;
  pins: Set<string>;
  /** When set, cat returns the bytes with their first byte flipped. */
  lie: boolean;
  /** When set, add ignores the request's import options and uses these (a node configured otherwise). */
  forceProfile?: ImportProfile;
}

const kuboError = (message: string) => json(500, { Message: message, Code: 0, Type: "error" });

export async function startFakeKubo(): Promise<FakeKubo> {
  const state = { blocks: new Map<string, Uint8Array>(), pins: new Set<string>(), lie: false, forceProfile: undefined };
  let fake: FakeKubo;
  const server = await startFakeServer(async (req, body, url) => {
    if (req.method !== "POST") return { status: 405, body: "405 - Method Not Allowed" };
    const q = url.searchParams;
    const arg = q.get("arg") ?? "";
    switch (url.pathname) {
      case "/api/v0/add": {
        const form = await parseMultipart(body, req.headers["content-type"]);
        const lines: string[] = [];
        for (const [, value] of form) {
          if (typeof value === "string") continue;
          const bytes = new Uint8Array(await value.arrayBuffer());
          const cid = await computeCid(bytes, fake.forceProfile ?? profileFromQuery(q));
          state.blocks.set(cid, bytes);
          if (q.get("pin") !== "false") state.pins.add(cid);
          lines.push(JSON.stringify({ Name: cid, Hash: cid, Size: String(bytes.length) }));
        }
        return { status: 200, body: lines.join("\n") + "\n", headers: { "content-type": "application/x-ndjson" } };
      }
      case "/api/v0/cat": {
        const bytes = state.blocks.get(arg);
        if (!bytes) return kuboError(`block was not found locally (offline): ipld: could not find ${arg}`);
        const out = Uint8Array.from(bytes);
        if (fake.lie && out.length > 0) out[0] ^= 0xff;
        return { status: 200, body: out, headers: { "content-type": "text/plain" } };
      }
      case "/api/v0/pin/add": {
        if (!state.blocks.has(arg)) return kuboError(`pin: block was not found locally (offline): ipld: could not find ${arg}`);
        state.pins.add(arg);
        return json(200, { Pins: [arg] });
      }
      case "/api/v0/pin/ls": {
        if (!state.pins.has(arg)) return kuboError(`path '${arg}' is not pinned`);
        return { status: 200, body: JSON.stringify({ Cid: arg, Type: "recursive" }) + "\n", headers: { "content-type": "application/x-ndjson" } };
      }
      default:
        return { status: 404, body: "404 page not found" };
    }
  });
  fake = Object.assign(server, state);
  return fake;
}
