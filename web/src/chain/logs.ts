/**
 * Event queries in pages of block ranges (RPC providers cap eth_getLogs), and an incremental reader that keeps what
 * it has read: the first read goes from the newest page back to the deployment block, publishing each page as it
 * lands (the newest records are on screen after one request), then only the blocks after the last read.
 */
import { formatLog, numberToHex, parseEventLogs, toEventSelector, type AbiEvent, type Address, type Hex, type PublicClient, type Log } from "viem";

export const LOG_PAGE = 5_000n;

type Logs<E extends AbiEvent> = Log<bigint, number, false, undefined, true, readonly E[]>[];
/**
 * `topics`: the indexed arguments after the event selector that every log must have (null: any), asked of the node,
 * so that one job's events are read without the rest of the chain's (viem's getLogs drops `args` for several events).
 */
export type Query<E extends AbiEvent> = { address: Address; events: readonly E[]; fromBlock: bigint; topics?: (Hex | null)[] };

async function logsIn<E extends AbiEvent>(client: PublicClient, q: Query<E>, from: bigint, to: bigint): Promise<Logs<E>> {
  if (!q.topics) return (await client.getLogs({ address: q.address, events: q.events, fromBlock: from, toBlock: to, strict: true } as never)) as Logs<E>;
  const raw = await client.request({
    method: "eth_getLogs",
    params: [{ address: q.address, topics: [q.events.map((e) => toEventSelector(e)), ...q.topics], fromBlock: numberToHex(from), toBlock: numberToHex(to) }],
  });
  return parseEventLogs({ abi: q.events, logs: raw.map((l) => formatLog(l)), strict: true }) as unknown as Logs<E>;
}

/** What a LogCache has read so far: oldest first; `complete` once every block back to the deployment is read. */
export interface LogSnapshot<E extends AbiEvent> {
  logs: Logs<E>;
  complete: boolean;
  /** The last read's failure (retried on the next update); cleared by the next successful page. */
  error?: Error;
}

/**
 * Keeps every log read so far for one query. `update(latest)` calls are serialised: one arriving while a read runs
 * raises the target of that read instead of starting another (a slow first read never reads a range twice).
 */
export class LogCache<E extends AbiEvent> {
  private snap: LogSnapshot<E> = { logs: [], complete: false };
  private readonly listeners = new Set<() => void>();
  /** First block not yet read going forward, and lowest block read going back (undefined before the first read). */
  private high: bigint | undefined;
  private low: bigint | undefined;
  private target = -1n;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: PublicClient,
    private readonly q: Query<E>,
  ) {}

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  readonly snapshot = (): LogSnapshot<E> => this.snap;

  update(latest: bigint): Promise<void> {
    if (latest > this.target) this.target = latest;
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private publish(next: Partial<LogSnapshot<E>>): void {
    this.snap = { ...this.snap, error: undefined, ...next };
    for (const fn of this.listeners) fn();
  }

  private async run(): Promise<void> {
    try {
      while (this.high === undefined || this.high <= this.target || !this.snap.complete) {
        const latest = this.target;
        this.high ??= this.low = latest + 1n;
        // new blocks first (they go on top of what is on screen), then one older page
        for (let from = this.high; from <= latest; from += LOG_PAGE) {
          const to = from + LOG_PAGE - 1n < latest ? from + LOG_PAGE - 1n : latest;
          const fresh = await logsIn(this.client, this.q, from, to);
          this.high = to + 1n;
          if (fresh.length) this.publish({ logs: [...this.snap.logs, ...fresh] });
        }
        if (this.low! > this.q.fromBlock) {
          const to = this.low! - 1n;
          const from = to - LOG_PAGE + 1n > this.q.fromBlock ? to - LOG_PAGE + 1n : this.q.fromBlock;
          const older = await logsIn(this.client, this.q, from, to);
          this.low = from;
          if (older.length || from === this.q.fromBlock) this.publish({ logs: older.length ? [...older, ...this.snap.logs] : this.snap.logs, complete: from === this.q.fromBlock });
        } else if (!this.snap.complete) this.publish({ complete: true });
      }
    } catch (err) {
      this.publish({ error: err as Error });
    }
  }
}

/** A decoded log of one of several events, for code that switches on the event name. */
export interface AnyEventLog {
  eventName: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: Record<string, any>;
  blockNumber: bigint;
  transactionHash: string;
}
