/**
 * Where a requester's content can be fetched: its processes (`job:post --follow`, `job:follow`, `requester:run`)
 * serve the local embedded store (lib/storage/server.ts) and publish the endpoints in every key release, so that
 * workers on other machines fetch the shard package and the model there and deliver their results back; or they
 * publish endpoints the requester names (its own Kubo gateway, a pinning service's gateway, a `store:serve`).
 *   --serve / OBLIVION_SERVE          host:port to serve on (default 127.0.0.1:0, any free port), or "off"
 *   --content-url / OBLIVION_CONTENT_URLS   endpoints to publish instead of the served address, comma-separated
 * Serving on 0.0.0.0 publishes every IPv4 address of the machine's interfaces.
 */
import os from "node:os";
import type { ContentStore } from "../storage";
import { EmbeddedContentStore, parseEndpointList, SourcedContentStore } from "../storage";
import { startContentServer, type UploadRequest } from "../storage/server";
import { MAX_RESULT_BYTES } from "./delivery";

export interface ContentOptions {
  store: ContentStore;
  /** "host:port", "off", or undefined for 127.0.0.1 on any free port. */
  serve?: string;
  /** Published instead of the served address. */
  urls?: string[];
}

export interface JobContent {
  /** What releases publish (empty: workers must find the content on their own). */
  endpoints: string[];
  /** The served address, when this process serves. */
  served?: string;
  close(): Promise<void>;
}

/** Reads --serve and --content-url, falling back to OBLIVION_SERVE and OBLIVION_CONTENT_URLS; bad values throw one line. */
export function contentFlags(flags: { serve?: string; contentUrl?: string }, env: NodeJS.ProcessEnv = process.env): { serve?: string; urls?: string[] } {
  const serve = flags.serve ?? (env.OBLIVION_SERVE || undefined);
  if (serve !== undefined && serve !== "off") hostPort(serve);
  const list = flags.contentUrl ?? (env.OBLIVION_CONTENT_URLS || undefined);
  let urls: string[] | undefined;
  try {
    urls = list === undefined ? undefined : parseEndpointList(list);
  } catch (err) {
    throw new Error(`bad --content-url: ${(err as Error).message}`);
  }
  return { serve, urls };
}

export function hostPort(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65_535) throw new Error(`bad --serve: ${JSON.stringify(s)} is not host:port (e.g. 0.0.0.0:8090) or "off"`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

const embeddedOf = (s: ContentStore): EmbeddedContentStore | undefined =>
  s instanceof EmbeddedContentStore ? s : s instanceof SourcedContentStore ? embeddedOf(s.local) : undefined;

/** The URLs a server bound to `host` is reached at: every interface's IPv4 address for a wildcard bind. */
export function servedUrls(host: string, port: number): string[] {
  if (host !== "0.0.0.0" && host !== "::") return [`http://${host.includes(":") ? `[${host}]` : host}:${port}`];
  const addrs = Object.values(os.networkInterfaces())
    .flat()
    .filter((i) => i && i.family === "IPv4" && !i.internal)
    .map((i) => `http://${i!.address}:${port}`);
  return [...addrs, `http://127.0.0.1:${port}`];
}

export async function startJobContent(o: ContentOptions, authorizeUpload: (u: UploadRequest) => boolean): Promise<JobContent> {
  const embedded = embeddedOf(o.store);
  if (o.serve === "off" || !embedded) return { endpoints: o.urls ?? [], close: async () => undefined };
  const { host, port } = o.serve ? hostPort(o.serve) : { host: "127.0.0.1", port: 0 };
  const server = await startContentServer({ store: embedded, host, port, authorizeUpload, maxUploadBytes: MAX_RESULT_BYTES });
  const actualPort = Number(new URL(server.url).port);
  return { endpoints: o.urls ?? servedUrls(host, actualPort), served: server.url, close: () => server.close() };
}
