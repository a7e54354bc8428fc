/**
 * Storage for the page: the app server forwards the Kubo RPC subset (/api/v0/*) and the trustless gateway (/ipfs/*)
 * to a content server (lib/storage/server.ts; one is started over the embedded store when none is given), adding
 * the upload token to writes. The token never reaches the browser, and only the page itself (same origin) may write.
 * The same browser code thus works against a real Kubo node's API.
 */
import http from "node:http";
import type { Route } from "../mesh/server";
import { EmbeddedContentStore, type ContentStore } from "../storage";
import { startContentServer, type ContentServer } from "../storage/server";
import { sameOrigin, sendJson } from "./http";

const WRITES = new Set(["/api/v0/add", "/api/v0/pin/add"]);

export interface StorageEndpoint {
  url: string;
  uploadToken?: string;
}

/**
 * A content server over `store` when it is the embedded one (on 127.0.0.1, or on `serve`'s host:port so that workers
 * on other machines read the packages there); undefined for Kubo/Pinata (their own APIs serve).
 */
export async function contentServerFor(store: ContentStore, serve?: { host: string; port: number }): Promise<ContentServer | undefined> {
  return store instanceof EmbeddedContentStore ? startContentServer({ store, ...serve }) : undefined;
}

export function storageProxy(target: StorageEndpoint): Route {
  const base = new URL(target.url);
  return (req, res, url) => {
    if (!url.pathname.startsWith("/api/v0/") && !url.pathname.startsWith("/ipfs/")) return false;
    const write = WRITES.has(url.pathname);
    if (write && !sameOrigin(req)) return (sendJson(res, 403, { Message: "uploads are taken from the dashboard's own page only", Code: 0, Type: "error" }), true);
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: base.host };
    delete headers.authorization;
    delete headers.origin;
    delete headers.cookie;
    if (write && target.uploadToken) headers.authorization = `Bearer ${target.uploadToken}`;
    const upstream = http.request({ hostname: base.hostname, port: base.port, method: req.method, path: url.pathname + url.search, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", (err) => {
      if (!res.headersSent) sendJson(res, 502, { Message: `content server unreachable: ${err.message}`, Code: 0, Type: "error" });
      else res.destroy();
    });
    req.pipe(upstream);
    return true;
  };
}
