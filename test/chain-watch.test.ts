/**
 * The chain watch of long-running processes, against a fake JSON-RPC node behind a TCP proxy: one line when the RPC
 * goes (within a probe interval), silence while it is down, one line when it is back, and one call of onGone when
 * the deployment's block is no longer the chain's (a reset).
 */
import { expect } from "chai";
import { ChainWatch } from "../lib/chain/watch";
import type { DeploymentGoneError } from "../lib/chain/identity";
import type { Logger } from "../lib/util/log";
import { sleep } from "../lib/util/retry";
import { json, startFakeServer } from "./helpers/http-fake";
import { startTcpProxy } from "./helpers/tcp-proxy";

const BLOCK = { number: 5, hash: "0x" + "ab".repeat(32) };

function memoryLog(lines: { t: number; level: string; msg: string }[]): Logger {
  const add = (level: string) => (msg: string) => void lines.push({ t: Date.now(), level, msg });
  const log: Logger = { info: add("info"), warn: add("warn"), error: add("error"), progress: () => undefined, child: () => log };
  return log;
}

async function until(cond: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe("ChainWatch", () => {
  it("reports an RPC outage once, its end once, and a reset chain to its owner", async () => {
    let hash = BLOCK.hash;
    const node = await startFakeServer(async (_req, body) => {
      const { method } = JSON.parse(body.toString()) as { method: string };
      if (method === "eth_chainId") return json(200, { jsonrpc: "2.0", id: 1, result: "0x7a69" });
      if (method === "eth_getBlockByNumber") return json(200, { jsonrpc: "2.0", id: 1, result: { number: "0x5", hash } });
      return json(200, { jsonrpc: "2.0", id: 1, error: { code: -32601, message: "no" } });
    });
    const proxy = await startTcpProxy(Number(new URL(node.url).port));
    const lines: { t: number; level: string; msg: string }[] = [];
    const gone: DeploymentGoneError[] = [];
    const id = { network: "localhost", chainId: "31337", block: BLOCK, address: "0x" + "11".repeat(20), file: "/x/localhost.json" };
    const watch = new ChainWatch(proxy.url, id, memoryLog(lines), { intervalMs: 100, timeoutMs: 500, maxBackoffMs: 400, onGone: (e) => void gone.push(e) });
    const abort = new AbortController();
    const running = watch.run(abort.signal);
    try {
      await sleep(300);
      expect(watch.healthy).to.equal(true);
      expect(lines).to.deep.equal([]);

      await proxy.cut();
      const cut = Date.now();
      await until(() => lines.length > 0, 2_000, "the outage line");
      expect(lines[0].level).to.equal("warn");
      expect(lines[0].msg, JSON.stringify(lines)).to.match(/^RPC unreachable: http:\/\/127\.0\.0\.1:\d+ \(([A-Z]+|other side closed|fetch failed)\); pausing work and retrying with backoff/);
      expect(lines[0].t - cut).to.be.below(1_000);
      expect(watch.healthy).to.equal(false);
      await sleep(1_500); // several probes with backoff: nothing more is said
      expect(lines).to.have.length(1);

      await proxy.restore();
      await until(() => lines.length > 1, 2_000, "the back line");
      expect(lines[1]).to.deep.include({ level: "info" });
      expect(lines[1].msg).to.match(/^RPC back: .* answered again after \d+ s$/);
      expect(watch.healthy).to.equal(true);

      hash = "0x" + "cd".repeat(32); // another chain behind the same URL
      await until(() => gone.length > 0, 2_000, "onGone");
      await running;
      expect(gone).to.have.length(1);
      expect(gone[0].message).to.equal(
        "the deployment in localhost.json is gone: block 5 is no longer the one it was deployed in (the node was restarted or reset while this process ran); " +
          "run `npx hardhat deploy --network localhost` (it moves the old file aside)",
      );
      expect(watch.healthy).to.equal(false);
      expect(lines).to.have.length(2);
    } finally {
      abort.abort();
      await running;
      await proxy.close();
      await node.close();
    }
  });
});
