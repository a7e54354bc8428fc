/**
 * The dashboard's event reader (web/src/chain/logs.ts) against a node that answers eth_getLogs slowly: the newest page
 * comes first and each page is published as it lands, updates that arrive during a read never read a range twice,
 * and a failed page is reported and resumed from where it stopped.
 */
import { expect } from "chai";
import type { PublicClient } from "viem";
import { LOG_PAGE, LogCache } from "../web/src/chain/logs";

type FakeLog = { blockNumber: bigint; logIndex: number };

/** One log every 1,000 blocks from block 1,000; each eth_getLogs answers after `delayMs` and is recorded. */
function slowNode(delayMs: number) {
  const calls: [bigint, bigint][] = [];
  let failNext = false;
  const client = {
    async getLogs({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }): Promise<FakeLog[]> {
      calls.push([fromBlock, toBlock]);
      await new Promise((r) => setTimeout(r, delayMs));
      if (failNext) {
        failNext = false;
        throw new Error("HTTP request failed: 503");
      }
      const out: FakeLog[] = [];
      for (let b = ((fromBlock + 999n) / 1000n) * 1000n; b <= toBlock; b += 1000n) if (b > 0n) out.push({ blockNumber: b, logIndex: 0 });
      return out;
    },
  };
  return { client: client as unknown as PublicClient, calls, failOnce: () => (failNext = true) };
}

const blocks = (c: LogCache<never>) => (c.snapshot().logs as unknown as FakeLog[]).map((l) => Number(l.blockNumber));

describe("web: paged event reader (LogCache)", function () {
  it("reads the newest page first and publishes each page, oldest first in the result", async function () {
    const node = slowNode(5);
    const cache = new LogCache<never>(node.client, { address: "0x0000000000000000000000000000000000000001", events: [], fromBlock: 0n });
    const published: number[][] = [];
    cache.subscribe(() => published.push(blocks(cache)));
    await cache.update(12_345n);
    expect(node.calls[0]).to.deep.equal([12_345n - LOG_PAGE + 1n, 12_345n]);
    expect(node.calls.length).to.equal(3); // 7,346..12,345, 2,346..7,345, 0..2,345
    expect(published[0]).to.deep.equal([8000, 9000, 10000, 11000, 12000]);
    expect(blocks(cache)).to.deep.equal([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000]);
    expect(cache.snapshot().complete).to.equal(true);
  });

  it("folds updates that arrive during a slow read into it: no block range is read twice, no log appears twice", async function () {
    const node = slowNode(30);
    const cache = new LogCache<never>(node.client, { address: "0x0000000000000000000000000000000000000001", events: [], fromBlock: 0n });
    const runs = [cache.update(20_000n), cache.update(20_001n), cache.update(21_500n)];
    await Promise.all(runs);
    const ranges = [...node.calls].sort((x, y) => (x[0] < y[0] ? -1 : 1));
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0] > ranges[i - 1][1], `${ranges[i - 1]} and ${ranges[i]} overlap`).to.equal(true);
    expect(ranges[0][0]).to.equal(0n);
    expect(ranges[ranges.length - 1][1]).to.equal(21_500n);
    expect(blocks(cache)).to.deep.equal(Array.from({ length: 21 }, (_, i) => 1000 * (i + 1)));
    await cache.update(21_500n); // nothing new: no request
    const n = node.calls.length;
    await cache.update(21_500n);
    expect(node.calls.length).to.equal(n);
  });

  it("reports a failed page and resumes from where it stopped on the next update", async function () {
    const node = slowNode(1);
    const cache = new LogCache<never>(node.client, { address: "0x0000000000000000000000000000000000000001", events: [], fromBlock: 0n });
    await cache.update(9_999n); // two pages: 5,000..9,999 and 0..4,999
    expect(cache.snapshot().complete).to.equal(true);
    const before = node.calls.length;
    node.failOnce();
    await cache.update(10_500n);
    expect(cache.snapshot().error?.message).to.equal("HTTP request failed: 503");
    await cache.update(10_500n);
    expect(cache.snapshot().error).to.equal(undefined);
    expect(node.calls.slice(before)).to.deep.equal([
      [10_000n, 10_500n],
      [10_000n, 10_500n],
    ]);
    expect(blocks(cache)).to.deep.equal(Array.from({ length: 10 }, (_, i) => 1000 * (i + 1)));
  });
});
