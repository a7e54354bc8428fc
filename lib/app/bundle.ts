/**
 * Builds the dashboard with Vite when its sources changed (web/src, web/index.html, the Vite config, lib/ whose
 * browser-safe modules the page runs, the contract artifacts it takes its ABIs from), else reuses web/dist: the
 * stamp file holds the hash of all of them.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../util/processes";

export const WEB_DIR = path.join(REPO_ROOT, "web");
export const WEB_DIST = path.join(WEB_DIR, "dist");
const STAMP = path.join(WEB_DIST, ".source-hash");

function sourceHash(): string {
  const h = crypto.createHash("sha256");
  const add = (f: string) => {
    h.update(path.relative(REPO_ROOT, f));
    h.update(fs.readFileSync(f));
  };
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "generated") walk(full);
      } else add(full);
    }
  };
  walk(path.join(WEB_DIR, "src"));
  walk(path.join(WEB_DIR, "public"));
  for (const f of ["index.html", "vite.config.ts", "abis.ts"]) add(path.join(WEB_DIR, f));
  walk(path.join(REPO_ROOT, "lib"));
  add(path.join(REPO_ROOT, "package-lock.json"));
  const { WEB_CONTRACTS } = require("../../web/abis") as typeof import("../../web/abis");
  for (const [rel] of WEB_CONTRACTS) {
    const file = path.join(REPO_ROOT, "artifacts", "contracts", rel);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the dashboard`);
    h.update(JSON.stringify((JSON.parse(fs.readFileSync(file, "utf8")) as { abi: unknown }).abi));
  }
  return h.digest("hex");
}

/** Builds web/dist unless it is current; returns whether it built. */
export function ensureWebBundle(log?: (msg: string) => void): boolean {
  const hash = sourceHash();
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === hash && fs.existsSync(path.join(WEB_DIST, "index.html"))) return false;
  log?.("building the dashboard (vite)…");
  const vite = path.join(REPO_ROOT, "node_modules", "vite", "bin", "vite.js");
  try {
    execFileSync(process.execPath, [vite, "build", "--config", path.join(WEB_DIR, "vite.config.ts")], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" } });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`the dashboard build failed: ${(e.stderr?.toString() || e.stdout?.toString() || (err as Error).message).trim().split("\n").slice(0, 6).join(" | ")}`);
  }
  fs.writeFileSync(STAMP, hash);
  return true;
}
