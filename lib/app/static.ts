/**
 * The dashboard's built files (web/dist), served from memory with their content types. Hashed assets are cached by
 * the browser for good; index.html never is. Unknown paths without an extension get index.html (client routes).
 */
import fs from "node:fs";
import path from "node:path";
import type http from "node:http";
import zlib from "node:zlib";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".bin": "application/octet-stream",
};

export interface StaticFiles {
  /** Answers a GET for `pathname` when it names a file (or a client route); false otherwise. */
  serve(pathname: string, res: http.ServerResponse, acceptGzip?: boolean): boolean;
  /** Every file with its size and gzipped size (the bundle budget). */
  sizes(): { file: string; bytes: number; gzip: number }[];
}

export function loadStaticFiles(dir: string): StaticFiles {
  if (!fs.existsSync(path.join(dir, "index.html"))) throw new Error(`${dir}/index.html is missing: build the dashboard (npm run build:web)`);
  const files = new Map<string, { type: string; body: Buffer; gzip: Buffer; immutable: boolean }>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (!e.name.startsWith(".")) {
        const rel = "/" + path.relative(dir, full).split(path.sep).join("/");
        const body = fs.readFileSync(full);
        files.set(rel, { type: TYPES[path.extname(e.name)] ?? "application/octet-stream", body, gzip: zlib.gzipSync(body, { level: 9 }), immutable: rel.startsWith("/assets/") });
      }
    }
  };
  walk(dir);
  return {
    serve(pathname, res, acceptGzip = true) {
      let f = files.get(pathname === "/" ? "/index.html" : pathname);
      if (!f && !path.extname(pathname) && !pathname.startsWith("/api/")) f = files.get("/index.html");
      if (!f) return false;
      const gz = acceptGzip && f.gzip.length < f.body.length;
      res.writeHead(200, {
        "content-type": f.type,
        "cache-control": f.immutable ? "public, max-age=31536000, immutable" : "no-store",
        ...(gz ? { "content-encoding": "gzip" } : {}),
      });
      res.end(gz ? f.gzip : f.body);
      return true;
    },
    sizes: () => [...files.entries()].map(([file, f]) => ({ file, bytes: f.body.length, gzip: f.gzip.length })),
  };
}
