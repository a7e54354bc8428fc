/**
 * Worker threads that each answer a job { id, ...payload } with { id, points }: jobs wait for an idle thread, and a
 * thread's error fails every job in flight or queued. Shared by the fixed-base (lib/zk/fixedBase.ts) and the
 * same-scalar (lib/zk/sameScalar.ts) pools.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";

export class PointWorkerPool {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly queue: (() => void)[] = [];
  private readonly pending = new Map<number, { resolve: (p: Uint8Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  /**
   * `keepAlive`: the threads stay for later jobs but hold the process open only while a job is in flight (a pool
   * shared by every setup of a process, lib/zk/fixedBase.ts sharedFixedBasePool).
   */
  constructor(private readonly label: string, file: string, workerData: unknown, threads = Math.max(1, os.cpus().length), private readonly keepAlive = false) {
    this.workers = Array.from({ length: threads }, () => {
      // No inherited --require flags (`hardhat run` preloads hardhat/register): a thread that loads the Hardhat
      // config loads ffjavascript, whose web-worker dependency takes any non-main thread for its own and throws.
      const w = new Worker(file, { workerData, execArgv: [] });
      w.on("message", ({ id, points }: { id: number; points: Uint8Array }) => {
        this.pending.get(id)?.resolve(points);
        this.pending.delete(id);
        if (this.keepAlive && this.pending.size === 0) for (const t of this.workers) t.unref();
        this.idle.push(w);
        this.queue.shift()?.();
      });
      w.on("error", (e) => this.fail(e));
      w.on("exit", (code) => this.closing || this.fail(new Error(`exited with code ${code}`)));
      return w;
    });
    this.idle = [...this.workers];
    if (keepAlive) for (const t of this.workers) t.unref();
  }

  /** Whether a thread failed: every later job fails too. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** One job on the next idle thread; the buffers in `transfer` move to it. */
  run(payload: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const id = this.nextId++;
      if (this.keepAlive && this.pending.size === 0) for (const t of this.workers) t.ref();
      this.pending.set(id, { resolve, reject });
      const go = () => this.idle.pop()!.postMessage({ id, ...payload }, transfer);
      if (this.idle.length > 0) go();
      else this.queue.push(go);
    });
  }

  /** `bytes` cut into jobs of `chunkBytes` (sent as { [key]: chunk }), the answers back to back in order. */
  async chunked(key: string, bytes: Uint8Array, chunkBytes: number): Promise<Buffer> {
    const parts: Promise<Uint8Array>[] = [];
    for (let i = 0; i < bytes.length; i += chunkBytes) {
      const chunk = Uint8Array.prototype.slice.call(bytes, i, Math.min(bytes.length, i + chunkBytes));
      parts.push(this.run({ [key]: chunk }, [chunk.buffer as ArrayBuffer]));
    }
    return Buffer.concat((await Promise.all(parts)).map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Every job in flight or queued (all are in `pending`) fails with the thread's error. */
  private fail(e: Error): void {
    this.failure = new Error(`${this.label} failed: ${e.message}`);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
