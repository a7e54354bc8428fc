/**
 * The requester's job files in this browser (IndexedDB, database "oblivion", store "jobs"): the same JSON as
 * $OBLIVION_HOME/jobs/<chainId>-<core>-<jobId>.json, data keys included. The keys never leave the browser except
 * by the user's own export, or masked to one claim in a release the wallet signs (requester/tab.ts).
 * Store "pending" keeps a prepared job's keys from before its post is signed, by input root: a tab closed while the
 * post was pending finds its job on-chain when it comes back (adoptPending) and keeps the keys.
 */
import type { JobFile } from "../../../lib/requester/jobFile";

export type { JobFile };

const DB = "oblivion";
const STORE = "jobs";
const PENDING = "pending";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 2);
    req.onupgradeneeded = () => {
      for (const name of [STORE, PENDING]) if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>, store = STORE): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const r = fn(db.transaction(store, mode).objectStore(store));
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  } finally {
    db.close();
  }
}

/** The file name `job:follow` and `requester:run` look for under $OBLIVION_HOME/jobs. */
export const jobFileName = (f: Pick<JobFile, "chainId" | "core" | "jobId">) => `${f.chainId}-${f.core.toLowerCase()}-${f.jobId}.json`;

/** Dispatched on window when a job file is saved (the release agent then starts if it was idle). */
export const JOBS_CHANGED = "oblivion:jobs";

export async function saveJob(f: JobFile): Promise<void> {
  await tx("readwrite", (s) => s.put(f, jobFileName(f)));
  dispatchEvent(new Event(JOBS_CHANGED));
}
export const listJobs = async (): Promise<JobFile[]> => (await tx("readonly", (s) => s.getAll())) as JobFile[];

/** A prepared job whose post is not known to have landed: its job file less the job id, and who posts it. */
export type PendingJob = Omit<JobFile, "jobId" | "posted"> & { requester: string; inputRoot: string; /** ms since the epoch */ at: number };

/** A pending post not on-chain after this long never landed: its keys seal nothing anyone holds a job for. */
export const PENDING_TTL_MS = 24 * 3600 * 1000;

export const savePending = (p: PendingJob) => tx("readwrite", (s) => s.put(p, p.inputRoot), PENDING);
export const dropPending = (inputRoot: string) => tx("readwrite", (s) => s.delete(inputRoot), PENDING);
export const listPending = async (): Promise<PendingJob[]> => (await tx("readonly", (s) => s.getAll(), PENDING)) as PendingJob[];

/** Checks an imported job file's shape; throws a one-line error naming what is wrong. */
export function parseJobFile(text: string): JobFile {
  let f: JobFile;
  try {
    f = JSON.parse(text) as JobFile;
  } catch {
    throw new Error("not a job file: the file is not JSON");
  }
  for (const k of ["chainId", "core", "jobId", "modelId"] as const) if (typeof f[k] !== "string") throw new Error(`not a job file: "${k}" is missing`);
  if (!Array.isArray(f.shards) || !f.shards.every((s) => typeof s.packageCid === "string" && typeof s.inputCommitment === "string")) throw new Error("not a job file: \"shards\" must list packageCid and inputCommitment");
  return f;
}
