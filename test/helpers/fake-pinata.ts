/**
 * A small fake Pinata speaking the v3 endpoints the Pinata adapter uses: POST /v3/files (multipart upload),
 * GET /v3/files/public?cid=, POST /v3/files/public/pin_by_cid (all with Bearer JWT), and a gateway
 * GET /ipfs/<cid>. Uploads get CIDv1 with raw leaves, as Pinata gives. `lie` makes the gateway alter bytes.
 */
import { randomUUID } from "node:crypto";
import { computeCid, KUBO_CIDV1 } from "../../lib/storage/cid";
import { json, parseMultipart, startFakeServer, type FakeServer } from "./http-fake";

export interface FakePinata extends FakeServer {
  jwt: string;
  files: Map<string, { id: string; name: string; bytes: Uint8Array }>;
  pinnedByCid: Set<string>;
  lie: boolean;
  /** Options for PinataContentStore pointing at this server. */
  options(): { jwt: string; gatewayUrl: string; apiUrl: string; uploadUrl: string };
}

export async function startFakePinata(jwt = "test-jwt"): Promise<FakePinata> {
  const files = new Map<string, { id: string; name: string; bytes: Uint8Array }>();
  const pinnedByCid = new Set<string>();
  let fake: FakePinata;
  const fileRecord = (cid: string, f: { id: string; name: string; bytes: Uint8Array }) => ({
    id: f.id,
    name: f.name,
    cid,
    size: f.bytes.length,
    number_of_files: 1,
    mime_type: "application/octet-stream",
    group_id: null,
    keyvalues: {},
    network: "public",
    created_at: new Date().toISOString(),
  });
  const server = await startFakeServer(async (req, body, url) => {
    if (req.method === "GET" && url.pathname.startsWith("/ipfs/")) {
      const f = files.get(url.pathname.slice("/ipfs/".length));
      if (!f) return { status: 404, body: "not found" };
      const out = Uint8Array.from(f.bytes);
      if (fake.lie && out.length > 0) out[out.length - 1] ^= 0x01;
      return { status: 200, body: out, headers: { "content-type": "application/octet-stream" } };
    }
    if (req.headers.authorization !== `Bearer ${jwt}`) return json(401, { error: { reason: "INVALID_CREDENTIALS" } });
    if (req.method === "POST" && url.pathname === "/v3/files") {
      const form = await parseMultipart(body, req.headers["content-type"]);
      const file = form.get("file");
      if (!file || typeof file === "string") return json(400, { error: "file missing" });
      if (form.get("network") !== "public") return json(400, { error: "network must be public" });
      const bytes = new Uint8Array(await file.arrayBuffer());
      const cid = await computeCid(bytes, KUBO_CIDV1);
      const rec = { id: randomUUID(), name: String(form.get("name") ?? file.name), bytes };
      files.set(cid, rec);
      return json(200, { data: fileRecord(cid, rec) });
    }
    if (req.method === "GET" && url.pathname === "/v3/files/public") {
      const want = url.searchParams.get("cid");
      const list = [...files].filter(([cid]) => !want || cid === want).map(([cid, f]) => fileRecord(cid, f));
      return json(200, { data: { files: list, next_page_token: null } });
    }
    if (req.method === "POST" && url.pathname === "/v3/files/public/pin_by_cid") {
      const { cid } = JSON.parse(body.toString("utf8")) as { cid?: string };
      if (!cid) return json(400, { error: "cid missing" });
      pinnedByCid.add(cid);
      return json(200, { data: { id: randomUUID(), cid, name: cid, status: "prechecking", date_queued: new Date().toISOString() } });
    }
    return json(404, { error: "not found" });
  });
  fake = Object.assign(server, {
    jwt,
    files,
    pinnedByCid,
    lie: false,
    options: () => ({ jwt, gatewayUrl: server.url, apiUrl: `${server.url}/v3`, uploadUrl: `${server.url}/v3` }),
  });
  return fake;
}
