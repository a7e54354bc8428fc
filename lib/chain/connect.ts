/** JSON-RPC connections for long-running processes (workers, keepers, agents): fast polling, a fixed network. */
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { isTransportError, withRetry } from "../util/retry";

/** One eth_chainId call over plain fetch (no provider start-up, no retry noise). */
export async function rpcChainId(url: string): Promise<bigint> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  if (!res.ok) throw new Error(`RPC ${url} answered HTTP ${res.status}`);
  const body = (await res.json()) as { result?: string };
  if (!body.result) throw new Error(`RPC ${url} gave no chain id`);
  return BigInt(body.result);
}

/** Connects to `url`, waiting (with backoff) for the node to answer; the network is then fixed, not re-detected. */
export async function connectRpc(url: string, pollingMs = 250): Promise<JsonRpcProvider> {
  const chainId = await withRetry(() => rpcChainId(url), {
    retryable: isTransportError,
    attempts: 40,
    baseDelayMs: 250,
    maxDelayMs: 2_000,
  });
  return new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, pollingInterval: pollingMs, cacheTimeout: -1 });
}

export function walletFor(privateKey: string, provider: JsonRpcProvider): Wallet {
  return new Wallet(privateKey, provider);
}
