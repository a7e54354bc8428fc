/** Shared plumbing of the fake backends: a server on 127.0.0.1 at a random port, body and multipart reading. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeServer {
  url: string;
  /** Every request seen, as "METHOD /path?query". */
  requests: string[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, body: Buffer, url: URL) => Promise<FakeResponse>;
export interface FakeResponse {
  status: number;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

export function json(status: number, value: unknown): FakeResponse {
  return { status, body: JSON.stringify(value), headers: { "content-type": "application/json" } };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

/** Parses a multipart/form-data body with the WHATWG parser built into Node's fetch. */
export async function parseMultipart(body: Buffer, contentType: string | undefined): Promise<FormData> {
  if (!contentType?.startsWith("multipart/form-data")) throw new Error(`expected multipart/form-data, got ${contentType}`);
  return new Response(body, { headers: { "content-type": contentType } }).formData();
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    readBody(req)
      .then((body) => handler(req, body, url))
      .then((r) => {
        res.writeHead(r.status, r.headers ?? {});
        res.end(r.body);
      })
      .catch((err: Error) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake server error: ${err.message}`);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
