/** Events of one query, read incrementally on each new block (LogCache), as a React hook. */
import { useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import type { AbiEvent, Address } from "viem";
import { usePublicClient } from "wagmi";
import { useApp } from "../app";
import { useBlock } from "./block";
import { LogCache } from "./logs";

export function useLogs<E extends AbiEvent>(key: string, address: Address | undefined, events: readonly E[]) {
  const client = usePublicClient();
  const { config } = useApp();
  const { block } = useBlock();
  const cache = useRef<LogCache<E> | undefined>(undefined);
  const q = useQuery({
    queryKey: ["logs", key, address, block.toString()],
    enabled: !!client && !!address && block > 0n,
    placeholderData: (prev) => prev,
    queryFn: async () => {
      cache.current ??= new LogCache(client!, { address: address!, events, fromBlock: BigInt(config.fromBlock) });
      await cache.current.update(block);
      return [...cache.current.logs];
    },
  });
  return { logs: q.data ?? [], loading: q.isLoading, error: q.error };
}
