/**
 * Event queries in pages of block ranges (RPC providers cap eth_getLogs), and an incremental reader that keeps what
 * it has read and asks only for blocks after it: 10,000 settlements are read once, then a block at a time.
 */
import type { AbiEvent, Address, PublicClient, Log } from "viem";

export const LOG_PAGE = 5_000n;

export async function pagedLogs<E extends AbiEvent>(
  client: PublicClient,
  q: { address: Address; events: readonly E[]; fromBlock: bigint; toBlock: bigint; args?: Record<string, unknown> },
): Promise<Log<bigint, number, false, undefined, true, readonly E[]>[]> {
  const out: Log<bigint, number, false, undefined, true, readonly E[]>[] = [];
  for (let from = q.fromBlock; from <= q.toBlock; from += LOG_PAGE) {
    const to = from + LOG_PAGE - 1n < q.toBlock ? from + LOG_PAGE - 1n : q.toBlock;
    const logs = await client.getLogs({ address: q.address, events: q.events, fromBlock: from, toBlock: to, strict: true, args: q.args } as never);
    out.push(...(logs as typeof out));
  }
  return out;
}

/** Keeps every log read so far for one query; `update(latest)` reads only the new blocks. */
export class LogCache<E extends AbiEvent> {
  private next: bigint;
  readonly logs: Log<bigint, number, false, undefined, true, readonly E[]>[] = [];
  constructor(
    private readonly client: PublicClient,
    private readonly q: { address: Address; events: readonly E[]; fromBlock: bigint },
  ) {
    this.next = q.fromBlock;
  }
  async update(latest: bigint): Promise<boolean> {
    if (latest < this.next) return false;
    const fresh = await pagedLogs(this.client, { ...this.q, fromBlock: this.next, toBlock: latest });
    this.logs.push(...fresh);
    this.next = latest + 1n;
    return fresh.length > 0;
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
