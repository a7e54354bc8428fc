/**
 * The page's content client: every read goes block by block through the app server's trustless-gateway route
 * (`/ipfs/{cid}?format=raw`, the same route a Kubo gateway answers), and every block is checked against its CID
 * (lib/storage/verified.ts) before it is decoded. A server can only answer the bytes a CID names, or fail.
 */
import { CID } from "multiformats/cid";
import { checkBlock, readVerifiedFile } from "../../../lib/storage/verified";

/** Largest block accepted (UnixFS chunks are at most 1 MiB, plus framing). */
const MAX_BLOCK_BYTES = 2 * 1024 * 1024;

async function getBlock(cid: CID): Promise<Uint8Array> {
  const url = `/ipfs/${cid}?format=raw`;
  const res = await fetch(url, { headers: { accept: "application/vnd.ipld.raw" } });
  if (!res.ok) throw new Error(`content ${cid}: the server answered HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > MAX_BLOCK_BYTES) throw new Error(`content ${cid}: block of ${bytes.length} bytes is over the ${MAX_BLOCK_BYTES}-byte limit`);
  return bytes;
}

/** One block, verified. */
export async function readBlock(cid: string): Promise<Uint8Array> {
  const c = CID.parse(cid);
  return checkBlock(c, await getBlock(c), "/ipfs");
}

/** A whole file, every block of its DAG verified against its CID. */
export function readFile(cid: string, signal?: AbortSignal): Promise<Uint8Array> {
  let root: CID;
  try {
    root = CID.parse(cid);
  } catch {
    return Promise.reject(new Error(`not a CID: ${JSON.stringify(cid)}`));
  }
  return readVerifiedFile(root, getBlock, "/ipfs", signal);
}

export async function readJson<T>(cid: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await readFile(cid))) as T;
}
