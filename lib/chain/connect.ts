/** JSON-RPC connections for long-running processes (workers, keepers, agents): fast polling, a fixed network. */
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { isTransportError, withRetry } from "../util/retry";

/** One eth_chainId call over plain fetch (no provider start-up, no retry noise). */
export async function rpcChainId(url: string): Promise<bigint> {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(5_000),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  if (!res.ok) throw new Error(`RPC ${url} answered HTTP ${res.status}`);
  const body = (await res.json()) as { result?: string };
  if (!body.result) throw new Error(`RPC ${url} gave no chain id`);
  return BigInt(body.result);
}

/**
 * Connects to `url`; the network is then fixed, not re-detected. A node that does not answer within about
 * `startupWaitMs` (a few retries with backoff) is a one-line error naming the URL: a process started against a dead
 * RPC exits at once instead of waiting in silence (long-running processes watch the RPC afterwards, lib/chain/watch.ts).
 */
export async function connectRpc(url: string, pollingMs = 250, startupWaitMs = 3_000): Promise<JsonRpcProvider> {
  const t0 = Date.now();
  let chainId: bigint;
  try {
    chainId = await withRetry(() => rpcChainId(url), {
      retryable: (err) => isTransportError(err) && Date.now() - t0 < startupWaitMs,
      attempts: 1_000,
      baseDelayMs: 250,
      maxDelayMs: 1_000,
    });
  } catch (err) {
    if (!isTransportError(err)) throw err;
    const e = err as { cause?: { code?: string; message?: string }; name?: string };
    const reason = e.name === "TimeoutError" ? "no answer" : (e.cause?.code ?? e.cause?.message ?? "unreachable");
    throw new Error(`RPC ${url} is unreachable (${reason} for ${Math.round((Date.now() - t0) / 1000)} s): start its node, or point --network / OBLIVION_RPC_URL at one that runs`);
  }
  return new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, pollingInterval: pollingMs, cacheTimeout: -1 });
}

export function walletFor(privateKey: string, provider: JsonRpcProvider): Wallet {
  return new Wallet(privateKey, provider);
}
