/** wagmi with the injected connector only (EIP-6963 discovery): no WalletConnect, no SDKs, no telemetry. */
import { createConfig, http } from "wagmi";
import { injected } from "wagmi/connectors";
import { chainOf, type AppConfig } from "./config";

/** One poll a second at most: the block watch and receipts share it. */
export const POLL_MS = 1000;

export function wagmiConfig(c: AppConfig) {
  const chain = chainOf(c);
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(c.rpcUrl, { batch: { wait: 16 } }) },
    pollingInterval: POLL_MS,
    ssr: false,
  });
}
