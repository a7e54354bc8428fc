/**
 * Expensive test artifacts made ahead, in a child process at the lowest CPU priority, from the moment the files
 * that need them load: mocha loads every file of a run before it runs any, and then runs them one at a time in one
 * process, so the child works on what the running files leave idle and the artifact is ready (or nearly) when its
 * first user comes. The child writes the artifact by rename; its user waits for the child, then makes the artifact
 * itself if it is still missing (the child failed: its output is printed).
 */
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../../lib/util/processes";
import { releaseCurve } from "./snarkjs";

const jobs = new Map<string, { done: Promise<void> }>();

/** Starts `script` (a TypeScript file, run with ts-node) with `args` once per process under `key`. */
export function startInBackground(key: string, script: string, args: string[]): void {
  if (jobs.has(key)) return;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", script, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") } });
  os.setPriority(child.pid!, 19);
  let out = "";
  for (const s of [child.stdout!, child.stderr!]) s.on("data", (d) => (out += d));
  // Hardhat ends a run with process.exit: the child goes with it.
  const kill = () => child.kill("SIGKILL");
  process.on("exit", kill);
  const done = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      process.off("exit", kill);
      if (code !== 0) console.log(`      (background ${key} ended with ${signal ?? `exit code ${code}`}: made in the foreground instead)\n${out.slice(-2000)}`);
      resolve();
    }),
  );
  jobs.set(key, { done });
}

/**
 * Waits for the child started under `key`, if any. (It keeps its low priority: on an idle machine the waiting test
 * leaves it the cores; on a shared one it may take longer.)
 */
export async function backgroundDone(key: string): Promise<void> {
  await jobs.get(key)?.done;
}

/**
 * A background script's end: runs `main`, stops the curve threads, exits 0; or prints the error and exits 1. It exits
 * rather than setting the exit code: a thread left open must not keep the test that waits for it waiting.
 */
export function exitAfter(main: () => Promise<unknown>): void {
  main()
    .then(releaseCurve)
    .then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
}
