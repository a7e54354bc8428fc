/**
 * Fixed-base scalar multiplication of the BN254 generators, the work of a development setup: every point of a
 * .zkey is s * g for a scalar s the setup computed. Each of `os.cpus()` worker threads (lib/zk/fixedBaseWorker.js)
 * holds a table of g at every byte position and value and adds at most 32 table points per scalar; measured
 * against ffjavascript's per-point multi-exponentiation in bench:zk-lenet's setup seconds.
 */
import os from "node:os";
import path from "node:path";
import { PointWorkerPool } from "./workerPool";

export type Group = "G1" | "G2";

/** Bytes of one affine point in the zkey encoding (Montgomery x, y). */
export const AFFINE_BYTES: Record<Group, number> = { G1: 64, G2: 128 };

const CHUNK = 4096;

/** 32-byte little-endian encodings of scalars below 2^256, back to back. */
export function scalarsLE(scalars: bigint[]): Uint8Array {
  const out = new Uint8Array(scalars.length * 32);
  for (let k = 0; k < scalars.length; k++) {
    const s = scalars[k];
    if (s < 0n || s >= 1n << 256n) throw new RangeError(`scalar ${k} out of range`);
    if (s === 0n) continue;
    const be = Buffer.from(s.toString(16).padStart(64, "0"), "hex");
    for (let j = 0; j < 32; j++) out[k * 32 + j] = be[31 - j];
  }
  return out;
}

/** Worker threads for one group; `times` may be called many times and concurrently, `close` ends the threads. */
export class FixedBasePool {
  private readonly pool: PointWorkerPool;

  constructor(readonly group: Group, threads = Math.max(1, os.cpus().length), keepAlive = false) {
    this.pool = new PointWorkerPool(`fixed-base worker (${group})`, path.join(__dirname, "fixedBaseWorker.js"), { group }, threads, keepAlive);
  }

  get failed(): boolean {
    return this.pool.failed;
  }

  /** s * g for every scalar, as affine zkey points back to back (a zero scalar gives the point at infinity). */
  async times(scalars: bigint[]): Promise<Buffer> {
    return this.pool.chunked("scalars", scalarsLE(scalars), CHUNK * 32);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const shared: Partial<Record<Group, FixedBasePool>> = {};

/**
 * The process's pool for `group`, started on first use and kept for every later setup (a thread's start and its
 * table cost about as much as a small circuit's points); it holds the process open only while it works. A pool
 * whose thread failed is replaced.
 */
export function sharedFixedBasePool(group: Group): FixedBasePool {
  const p = shared[group];
  if (p && !p.failed) return p;
  return (shared[group] = new FixedBasePool(group, undefined, true));
}
