/**
 * Expensive test artifacts made ahead, in a child process at the lowest CPU priority, from the moment the files
 * that need them load: mocha loads every file of a run before it runs any, and then runs them one at a time in one
 * process, so the child works on what the running files leave idle and the artifact is ready (or nearly) when its
 * first user comes. The child writes the artifact by rename; its user waits for the child, then makes the artifact
 * itself if it is still missing (the child failed: its output is printed).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../../lib/util/processes";
import { releaseCurve } from "./snarkjs";

const jobs = new Map<string, { pid?: number; running(): boolean; done: Promise<void> }>();

/** Starts `script` (a TypeScript file, run with ts-node) with `args` once per process under `key`. */
export function startInBackground(key: string, script: string, args: string[]): void {
  if (jobs.has(key)) return;
  // started under nice (coreutils), which execs node: every thread it makes has the low priority from its start
  const child = spawn("nice", ["-n", "19", process.execPath, "-r", "ts-node/register/transpile-only", script, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") },
  });
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
  jobs.set(key, { pid: child.pid, running: () => child.exitCode === null && child.signalCode === null, done });
}

/**
 * Waits for the child started under `key`, if any. It now works for a waiting test: back to normal priority (as root,
 * as CI runs), so that on a shared machine other jobs do not starve it.
 */
export async function backgroundDone(key: string): Promise<void> {
  const job = jobs.get(key);
  if (!job) return;
  if (job.pid !== undefined && job.running()) renice(job.pid, 0);
  await job.done;
}

/** Sets the nice value of every thread of `pid` and of its descendants (Linux: nice is per thread). */
function renice(pid: number, nice: number): void {
  const parents = new Map<number, number[]>();
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(e)]);
  }
  for (const stack = [pid]; stack.length; ) {
    const p = stack.pop()!;
    stack.push(...(parents.get(p) ?? []));
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // ended meanwhile
    }
    for (const t of tids) {
      try {
        os.setPriority(Number(t), nice);
      } catch {
        // not permitted (raising a priority needs root) or ended: it keeps the low priority
      }
    }
  }
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
