/**
 * Content checked against its CID, browser-safe (no Node built-ins): shared by the remote reader
 * (lib/storage/remote.ts) and the dashboard's storage client (web/src/storage/ipfs.ts). Every block is hashed and
 * compared with its CID before it is decoded; the UnixFS exporter walks the DAG from the root over such blocks only,
 * so the file it yields is the one the root CID names.
 */
import { exporter } from "ipfs-unixfs-exporter";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { identity } from "multiformats/hashes/identity";
import { equals } from "uint8arrays/equals";
import { CidMismatchError } from "./errors";

/** Throws CidMismatchError unless `bytes` hash to `cid`'s multihash (sha2-256; identity CIDs carry their bytes). */
export async function checkBlock(cid: CID, bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (cid.multihash.code === identity.code) return cid.multihash.digest;
  if (cid.multihash.code !== sha256.code) throw new CidMismatchError(cid.toString(), `unsupported hash 0x${cid.multihash.code.toString(16)}`, source);
  const digest = await sha256.digest(bytes);
  if (!equals(digest.digest, cid.multihash.digest)) throw new CidMismatchError(cid.toString(), CID.create(1, cid.code, digest).toString(), source);
  return bytes;
}

/** The file under `root`, read block by block through `getBlock`, each block checked by `checkBlock`. */
export async function readVerifiedFile(root: CID, getBlock: (cid: CID) => Promise<Uint8Array>, source: string, signal?: AbortSignal): Promise<Uint8Array> {
  const blocks = {
    async *get(c: CID) {
      yield await checkBlock(c, await getBlock(c), source);
    },
  };
  const entry = await exporter(root, blocks as never, { signal });
  if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity") throw new CidMismatchError(root.toString(), `a ${entry.type}, not a file`, source);
  const parts: Uint8Array[] = [];
  for await (const chunk of entry.content({ signal })) parts.push(chunk);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
