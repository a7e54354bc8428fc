/** In-process task runs against their own deployments folder, with what they print collected. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Runs `body` with DEPLOYMENTS_DIR set to a fresh temporary folder and console.log collected into `log`; restores
 * both and removes the folder afterwards.
 */
export async function inTaskSandbox(prefix: string, body: (dir: string, log: string[]) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const saved = process.env.DEPLOYMENTS_DIR;
  process.env.DEPLOYMENTS_DIR = dir;
  const log: string[] = [];
  const origLog = console.log;
  console.log = (...a: unknown[]) => void log.push(a.join(" "));
  try {
    await body(dir, log);
  } finally {
    console.log = origLog;
    if (saved === undefined) delete process.env.DEPLOYMENTS_DIR;
    else process.env.DEPLOYMENTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
