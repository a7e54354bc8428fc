/** What the local app server tells the page at /api/config: the chain, its RPC and the deployment's addresses. */
import { defineChain, type Address, type Chain } from "viem";

export interface AppConfig {
  network: string;
  chainId: number;
  /** The node's JSON-RPC URL, read directly by the page (hardhat node answers CORS). */
  rpcUrl: string;
  /** First block of the deployment: every event query starts there. */
  fromBlock: number;
  contracts: { core: Address; registry: Address; audit: Address; training?: Address; reputation?: Address; gateway?: Address };
  /** Content server (Kubo RPC subset + trustless gateway) behind the app server's /ipfs and /api/v0 routes. */
  storage: boolean;
  /** Where workers on other machines read this requester's content (`app --serve`/`--content-url`); every release names them. */
  contentEndpoints: string[];
}

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch("/api/config", { cache: "no-store" });
  if (!res.ok) throw new Error(`the app server answered ${res.status} for /api/config`);
  return (await res.json()) as AppConfig;
}

export function chainOf(c: AppConfig): Chain {
  return defineChain({
    id: c.chainId,
    name: c.network === "localhost" ? "V-Oblivion local" : c.network,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [c.rpcUrl] } },
  });
}
