/**
 * Fixed-base scalar multiplication of the BN254 generators, the work of a development setup: every point of a
 * .zkey is s * g for a scalar s the setup computed. Each of `os.cpus()` worker threads (lib/zk/fixedBaseWorker.js)
 * holds a table of g at every byte position and value and adds at most 32 table points per scalar; measured
 * against ffjavascript's per-point multi-exponentiation in bench:zk-lenet's setup seconds.
 */
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";

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
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly queue: (() => void)[] = [];
  private readonly pending = new Map<number, { resolve: (p: Uint8Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(readonly group: Group, threads = Math.max(1, os.cpus().length)) {
    this.workers = Array.from({ length: threads }, () => {
      // No inherited --require flags (`hardhat run` preloads hardhat/register): a thread that loads the Hardhat
      // config loads ffjavascript, whose web-worker dependency takes any non-main thread for its own and throws.
      const w = new Worker(path.join(__dirname, "fixedBaseWorker.js"), { workerData: { group }, execArgv: [] });
      w.on("message", ({ id, points }: { id: number; points: Uint8Array }) => {
        this.pending.get(id)?.resolve(points);
        this.pending.delete(id);
        this.release(w);
      });
      w.on("error", (e) => this.fail(e));
      w.on("exit", (code) => this.closing || this.fail(new Error(`exited with code ${code}`)));
      return w;
    });
    this.idle = [...this.workers];
  }

  /** s * g for every scalar, as affine zkey points back to back (a zero scalar gives the point at infinity). */
  async times(scalars: bigint[]): Promise<Buffer> {
    const bytes = scalarsLE(scalars);
    const parts: Promise<Uint8Array>[] = [];
    for (let i = 0; i < scalars.length; i += CHUNK) parts.push(this.run(bytes.slice(i * 32, Math.min(i + CHUNK, scalars.length) * 32)));
    return Buffer.concat((await Promise.all(parts)).map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private run(scalars: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      const go = () => this.idle.pop()!.postMessage({ id, scalars }, [scalars.buffer as ArrayBuffer]);
      if (this.idle.length > 0) go();
      else this.queue.push(go);
    });
  }

  private release(w: Worker): void {
    this.idle.push(w);
    this.queue.shift()?.();
  }

  /** Every call in flight or queued (all are in `pending`) fails with the thread's error. */
  private fail(e: Error): void {
    this.failure = new Error(`fixed-base worker (${this.group}) failed: ${e.message}`);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
