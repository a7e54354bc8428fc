/**
 * The dashboard's HTTP server (node:http, 127.0.0.1 only): the app's static files (web/dist), the mesh's current
 * snapshot, a server-sent event stream that pushes a new snapshot whenever the chain or the training source changes,
 * the endpoint that re-verifies an audit record's proof on-chain, and the routes lib/app adds (config, registration,
 * job preparation, storage).
 *
 *   GET  /                     the app (index.html, /assets/*)
 *   GET  /api/snapshot         MeshSnapshot as JSON
 *   GET  /api/events           text/event-stream, one `data: MeshSnapshot` per change
 *   POST /api/audit/:id/verify VerifyReport, or { error } with 400/404/422/502
 *   GET  /favicon.ico          204 (the page declares no icon; browsers that ask anyway get no 404)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MeshFollower } from "./follower";
import type { StaticFiles } from "../app/static";
import type { TrainingSource } from "./training";
import { parseRecordId, reverifyRecord, ReverifyError, type ReverifyContext } from "./verify";
import type { MeshSnapshot, TrainingRound } from "./types";
import type { Logger } from "../util/log";
import { isTransportError, sleep } from "../util/retry";

/** A route handler that answers and returns true, or returns false to let the next route try. */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean;

export interface MeshServerOptions {
  follower: MeshFollower;
  /** The app's files. */
  files: StaticFiles;
  /** Routes tried before the mesh's own. */
  routes?: Route[];
  reverify: ReverifyContext;
  training?: TrainingSource;
  log: Logger;
  /** 0 picks a free port. */
  port?: number;
  pollMs?: number;
  /** The chain connection's health (lib/chain/watch.ts): no poll runs, and no failure is logged, while it is false. */
  health?: { readonly healthy: boolean };
}

export interface MeshServer {
  url: string;
  port: number;
  /** Stops polling, ends the event streams and closes the listener. */
  close(): Promise<void>;
}

export async function startMeshServer(o: MeshServerOptions): Promise<MeshServer> {
  const clients = new Set<http.ServerResponse>();
  let training: TrainingRound[] = [];
  let current = "";

  const refreshTraining = async (): Promise<boolean> => {
    if (!o.training) return false;
    const next = await o.training.rounds();
    const changed = JSON.stringify(next) !== JSON.stringify(training);
    training = next;
    return changed;
  };
  const publish = () => {
    const snap: MeshSnapshot = o.follower.snapshot(training);
    const json = JSON.stringify(snap);
    if (json === current) return;
    current = json;
    for (const res of clients) res.write(`data: ${json}\n\n`);
  };

  await o.follower.sync();
  await refreshTraining();
  publish();

  const abort = new AbortController();
  const loop = (async () => {
    while (!abort.signal.aborted) {
      await sleep(o.pollMs ?? 500, abort.signal).catch(() => undefined);
      if (abort.signal.aborted || o.health?.healthy === false) continue;
      try {
        const a = await o.follower.sync();
        const b = await refreshTraining();
        // While a claim is live its countdown (deadline against the wall clock) changes every second.
        if (a || b || o.follower.liveClaims() > 0) publish();
      } catch (err) {
        // an RPC outage is reported once by the health watch, not once per poll
        if (!o.health || (o.health.healthy && !isTransportError(err))) o.log.warn("mesh: chain poll failed; retrying", { reason: (err as Error).message.split("\n")[0] });
      }
    }
  })();

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    for (const route of o.routes ?? []) if (route(req, res, url)) return;
    if (req.method === "GET" && o.files.serve(url.pathname, res)) return;
    if (req.method === "GET" && url.pathname === "/favicon.ico") {
      res.writeHead(204, { "cache-control": "max-age=86400" });
      res.end();
      return;
    }
    if (req.method === "GET" && url.pathname === "/api/snapshot") return json(res, 200, JSON.parse(current));
    if (req.method === "GET" && url.pathname === "/api/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 2000\ndata: ${current}\n\n`);
      clients.add(res);
      req.on("close", () => clients.delete(res));
      return;
    }
    const m = /^\/api\/audit\/([^/]+)\/verify$/.exec(url.pathname);
    if (m && req.method === "POST") {
      (async () => {
        try {
          json(res, 200, await reverifyRecord(o.reverify, parseRecordId(m[1])));
        } catch (err) {
          if (err instanceof ReverifyError) return json(res, err.status, { error: err.message });
          o.log.error("mesh: re-verification failed", { record: m[1], reason: (err as Error).message.split("\n")[0] });
          json(res, 502, { error: `re-verification failed: ${(err as Error).message.split("\n")[0]}` });
        }
      })();
      return;
    }
    json(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  });

  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(": keep-alive\n\n");
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: async () => {
      abort.abort();
      clearInterval(heartbeat);
      await loop;
      for (const res of clients) res.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
