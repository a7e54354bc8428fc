/**
 * The page's uploads: Kubo's RPC `add` on the app server's /api/v0 route, which forwards it to the content server
 * (or a real Kubo node) and adds the upload token there; the page never holds the token. The page computes the CID
 * of what it uploads itself (lib/storage/cid.ts, Kubo's CIDv1 import profile) and refuses any other answer: content
 * it cannot read back by that CID, and verify, is not stored for it.
 */
import { computeCid, KUBO_CIDV1 } from "../../../lib/storage/cid";

export async function addFile(bytes: Uint8Array): Promise<string> {
  const p = KUBO_CIDV1;
  const cid = await computeCid(bytes, p);
  const form = new FormData();
  form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), cid);
  const res = await fetch(`/api/v0/add?cid-version=${p.cidVersion}&raw-leaves=${p.rawLeaves}&chunker=size-${p.chunkSize}&pin=true`, { method: "POST", body: form });
  const text = await res.text();
  if (!res.ok) throw new Error(`upload refused: HTTP ${res.status} ${text.slice(0, 200).trim()}`);
  let hash: string | undefined;
  try {
    hash = (JSON.parse(text.trim().split("\n")[0]) as { Hash?: string }).Hash;
  } catch {
    throw new Error(`upload: the content server's answer is not Kubo's add JSON: ${text.slice(0, 120)}`);
  }
  if (hash !== cid) throw new Error(`upload: the content server stored it as ${hash}, not ${cid}`);
  return cid;
}
