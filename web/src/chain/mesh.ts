/** The mesh server's live snapshot (server-sent events from /api/events), shared by the Mesh and Training screens. */
import { useEffect, useState } from "react";
import type { MeshSnapshot } from "../../../lib/mesh/types";

export function useMeshSnapshot(): { snap?: MeshSnapshot; connected: boolean } {
  const [snap, setSnap] = useState<MeshSnapshot>();
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const es = new EventSource("/api/events");
    es.onmessage = (e) => {
      setSnap(JSON.parse(e.data as string) as MeshSnapshot);
      setConnected(true);
    };
    es.onerror = () => setConnected(false);
    return () => es.close();
  }, []);
  return { snap, connected };
}
