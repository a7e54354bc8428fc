/**
 * The page's one chain subscription: the latest block number, polled once a second (POLL_MS) and shared by every
 * screen through context. Queries key on it, so each new block refreshes what is on screen and nothing else polls.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { usePublicClient } from "wagmi";

const BlockContext = createContext<{ block: bigint; time: number }>({ block: 0n, time: 0 });

export function BlockProvider({ children }: { children: ReactNode }) {
  const client = usePublicClient();
  const [state, setState] = useState({ block: 0n, time: 0 });
  useEffect(() => {
    if (!client) return;
    return client.watchBlocks({
      emitOnBegin: true,
      onBlock: (b) => setState({ block: b.number ?? 0n, time: Number(b.timestamp) }),
      onError: () => undefined, // a node restart is shown by the connection line; the watch keeps polling
    });
  }, [client]);
  return <BlockContext.Provider value={state}>{children}</BlockContext.Provider>;
}

/** The latest block and its timestamp (seconds). */
export const useBlock = () => useContext(BlockContext);

/** The wall clock in seconds, ticking once a second (countdowns). */
export function useNow(): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const t = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}
