/**
 * Events of one query as a React hook: one LogCache per query for the page's lifetime (a screen opened again shows
 * what was read and reads only new blocks), updated on each new block, re-rendering as each page lands.
 */
import { useEffect, useMemo, useSyncExternalStore } from "react";
import type { AbiEvent, Address, Hex } from "viem";
import { usePublicClient } from "wagmi";
import { useApp } from "../app";
import { useBlock } from "./block";
import { LogCache, type LogSnapshot } from "./logs";

const caches = new Map<string, LogCache<AbiEvent>>();
const NONE: LogSnapshot<AbiEvent> = { logs: [], complete: false };
const nothing = () => () => undefined;

/**
 * `narrow`: a later first block than the deployment's and indexed arguments the logs must have (logs.ts
 * Query.topics); `key` must name them (one job's events: a key per job).
 */
export function useLogs<E extends AbiEvent>(key: string, address: Address | undefined, events: readonly E[], narrow?: { fromBlock?: bigint; topics?: (Hex | null)[] }) {
  const client = usePublicClient();
  const { config } = useApp();
  const { block } = useBlock();
  const cache = useMemo(() => {
    if (!client || !address) return undefined;
    const id = `${config.chainId}:${address}:${config.fromBlock}:${key}`;
    let c = caches.get(id);
    const fromBlock = narrow?.fromBlock !== undefined && narrow.fromBlock > BigInt(config.fromBlock) ? narrow.fromBlock : BigInt(config.fromBlock);
    if (!c) caches.set(id, (c = new LogCache<AbiEvent>(client, { address, events, fromBlock, topics: narrow?.topics })));
    return c as unknown as LogCache<E>;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `events` is a constant of each caller, `narrow` named by `key`
  }, [client, address, config.chainId, config.fromBlock, key]);
  const snap = useSyncExternalStore(cache?.subscribe ?? nothing, cache?.snapshot ?? (() => NONE as unknown as LogSnapshot<E>));
  useEffect(() => {
    if (cache && block > 0n) void cache.update(block);
  }, [cache, block]);
  return { logs: snap.logs, loading: !snap.complete, error: snap.error };
}
