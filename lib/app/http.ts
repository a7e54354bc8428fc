/** Small helpers for the app server's JSON routes. */
import type http from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

/** Reads a JSON body of at most `limit` bytes (413 beyond it, 400 when it is not JSON). */
export async function readJson<T>(req: http.IncomingMessage, limit: number): Promise<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
  } catch {
    throw new HttpError(400, "request body is not JSON");
  }
}

/** Runs an async JSON handler: its value is sent with 200, an HttpError with its status, anything else with 500. */
export function handle(res: http.ServerResponse, fn: () => Promise<unknown>, onError?: (err: Error) => void): void {
  fn().then(
    (body) => sendJson(res, 200, body),
    (err: Error) => {
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message });
      onError?.(err);
      sendJson(res, 500, { error: err.message.split("\n")[0] });
    },
  );
}

/** Only the page itself (same origin, or a tool without an Origin) may call routes that spend or reveal. */
export function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  return !origin || origin === `http://${req.headers.host}`;
}
