/**
 * The health of a long-running process's chain connection (worker, keeper, mesh view): one probe a second over plain
 * JSON-RPC with a short timeout. It says in one line when the RPC stops answering (within a probe interval plus the
 * timeout), probes again with backoff while it is down (saying nothing more), says when it is back and how long it
 * was gone, and tells its owner once when the recorded deployment is gone (the node was restarted or reset).
 * Its owner skips work while `healthy` is false instead of logging a failure per call.
 */
import type { Logger } from "../util/log";
import { formatDuration } from "../util/format";
import { sleep } from "../util/retry";
import { DeploymentGoneError, type ChainIdentity } from "./identity";

export interface ChainWatchOptions {
  /** ms between probes while the RPC answers (default 1000). */
  intervalMs?: number;
  /** ms a probe may take before the RPC counts as down (default 5000: a loaded node is slow, not gone). */
  timeoutMs?: number;
  /** Longest wait between probes while down (default 30000). */
  maxBackoffMs?: number;
  /** Told once when the deployment is gone; the owner stops. */
  onGone: (err: DeploymentGoneError) => void;
}

type State = "up" | "down" | "gone";

async function rpc(url: string, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new Error(body.error.message ?? "JSON-RPC error");
  return body.result;
}

/** The transport failure's short reason: ECONNREFUSED, timeout, HTTP 502 … */
function reasonOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return "no answer within the timeout";
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export class ChainWatch {
  private state: State = "up";
  private downSince = 0;
  private readonly o: Required<Omit<ChainWatchOptions, "onGone">> & Pick<ChainWatchOptions, "onGone">;

  constructor(
    private readonly url: string,
    private readonly id: ChainIdentity,
    private readonly log: Logger,
    opts: ChainWatchOptions,
  ) {
    this.o = { intervalMs: 1000, timeoutMs: 5000, maxBackoffMs: 30_000, ...opts };
  }

  /** False while the RPC does not answer or after the deployment is gone. */
  get healthy(): boolean {
    return this.state === "up";
  }

  /** One probe: "up", "down" (transport failure, with its reason) or "gone" (with the DeploymentGoneError). */
  async probe(): Promise<{ state: "up" } | { state: "down"; reason: string } | { state: "gone"; error: DeploymentGoneError }> {
    let chainId: string;
    let ok: boolean;
    try {
      chainId = BigInt(String(await rpc(this.url, "eth_chainId", [], this.o.timeoutMs))).toString();
      if (this.id.block) {
        const b = (await rpc(this.url, "eth_getBlockByNumber", ["0x" + this.id.block.number.toString(16), false], this.o.timeoutMs)) as
          | { hash?: string }
          | null;
        ok = b?.hash === this.id.block.hash;
      } else {
        ok = (await rpc(this.url, "eth_getCode", [this.id.address, "latest"], this.o.timeoutMs)) !== "0x";
      }
    } catch (err) {
      return { state: "down", reason: reasonOf(err) };
    }
    if (chainId !== this.id.chainId) {
      return { state: "gone", error: new DeploymentGoneError(this.id, `the node of ${this.id.network} is now chain ${chainId}, not ${this.id.chainId}`) };
    }
    if (!ok) {
      const what = this.id.block ? `block ${this.id.block.number} is no longer the one it was deployed in` : `no contract at ${this.id.address}`;
      return { state: "gone", error: new DeploymentGoneError(this.id, `${what} (the node was restarted or reset while this process ran)`) };
    }
    return { state: "up" };
  }

  /** Probes until `signal` aborts or the deployment is gone. */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = this.o.intervalMs;
    while (!signal.aborted && this.state !== "gone") {
      const p = await this.probe();
      if (p.state === "gone") {
        this.state = "gone";
        this.o.onGone(p.error);
        return;
      }
      if (p.state === "down") {
        if (this.state === "up") {
          this.state = "down";
          this.downSince = Date.now();
          this.log.warn(`RPC unreachable: ${this.url} (${p.reason}); pausing work and retrying with backoff up to ${formatDuration(this.o.maxBackoffMs)}`);
        }
        backoff = Math.min(backoff * 2, this.o.maxBackoffMs);
      } else {
        if (this.state === "down") this.log.info(`RPC back: ${this.url} answered again after ${formatDuration(Date.now() - this.downSince)}`);
        this.state = "up";
        backoff = this.o.intervalMs;
      }
      await sleep(this.state === "up" ? this.o.intervalMs : backoff, signal).catch(() => undefined);
    }
  }
}
