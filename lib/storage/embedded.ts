/**
 * The embedded content store: the IPFS UnixFS importer and exporter over an on-disk block store. No server; every
 * process of one machine that points at the same directory shares the blocks. CIDs equal Kubo's for the profile.
 */
import { importBytes } from "ipfs-unixfs-importer";
import { exporter } from "ipfs-unixfs-exporter";
import type { CID } from "multiformats/cid";
import type { ContentStore, ReadOptions } from "./content-store";
import { importerOptions, KUBO_CIDV1, parseCid, verifyContent, type ImportProfile } from "./cid";
import { CidMismatchError, ContentNotFoundError, StorageBackendError } from "./errors";
import { SharedFsBlockstore } from "./fs-blockstore";

export interface EmbeddedStoreOptions {
  /** Directory of the block store (created if missing). */
  dir: string;
  profile?: ImportProfile;
}

const KIND = "embedded";

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === "NotFoundError";
}

export class EmbeddedContentStore implements ContentStore {
  readonly kind = KIND;
  readonly dir: string;
  readonly profile: ImportProfile;
  private readonly blocks: SharedFsBlockstore;
  private opened?: Promise<void>;

  constructor(opts: EmbeddedStoreOptions) {
    this.dir = opts.dir;
    this.profile = opts.profile ?? KUBO_CIDV1;
    this.blocks = new SharedFsBlockstore(opts.dir);
  }

  private open(): Promise<void> {
    this.opened ??= this.blocks.open();
    return this.opened;
  }

  async put(bytes: Uint8Array): Promise<string> {
    return this.putWith(bytes, this.profile);
  }

  /** Stores with another import profile (the content server honours the client's `add` options, as Kubo does). */
  async putWith(bytes: Uint8Array, profile: ImportProfile): Promise<string> {
    await this.open();
    // The importer writes leaves before the nodes that link them, the root last: a present root means a whole DAG.
    const entry = await importBytes(bytes, this.blocks as never, importerOptions(profile));
    return entry.cid.toString();
  }

  /** One block as stored (a trustless gateway's `?format=raw` answer); ContentNotFoundError when absent. */
  async getBlock(cid: string | CID): Promise<Uint8Array> {
    const parsed = typeof cid === "string" ? parseCid(cid) : cid;
    await this.open();
    try {
      const parts: Uint8Array[] = [];
      for await (const p of this.blocks.get(parsed)) parts.push(p);
      return Buffer.concat(parts);
    } catch (err) {
      if (isNotFound(err)) throw new ContentNotFoundError(parsed.toString(), KIND, (err as Error).message);
      throw err;
    }
  }

  /** Stores one block under its CID; the caller has checked that the bytes hash to it (remote reads cache this way). */
  async putBlock(cid: CID, bytes: Uint8Array): Promise<void> {
    await this.open();
    await this.blocks.put(cid, bytes);
  }

  async get(cid: string, opts: ReadOptions = {}): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    await this.open();
    let bytes: Uint8Array;
    try {
      const entry = await exporter(parsed, this.blocks as never, { signal: opts.signal });
      if (entry.type !== "file" && entry.type !== "raw") {
        throw new StorageBackendError(KIND, `CID ${cid} is a ${entry.type}, not a file`);
      }
      const parts: Uint8Array[] = [];
      for await (const chunk of entry.content()) parts.push(chunk);
      bytes = Buffer.concat(parts);
    } catch (err) {
      if (err instanceof StorageBackendError) throw err;
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (isNotFound(err)) throw new ContentNotFoundError(cid, KIND, (err as Error).message);
      // A block that no longer decodes (a corrupted dag-pb node) is as bad as bytes that hash wrong.
      throw new CidMismatchError(parsed.toString(), `undecodable DAG (${(err as Error).message})`, KIND);
    }
    return verifyContent(cid, bytes, this.profile, KIND);
  }

  async has(cid: string): Promise<boolean> {
    await this.open();
    return this.blocks.has(parseCid(cid));
  }

  async pin(cid: string): Promise<void> {
    // The embedded store never collects garbage: pinning only asserts that the content is here.
    if (!(await this.has(cid))) throw new ContentNotFoundError(cid, KIND, "cannot pin what is not stored");
  }

  async close(): Promise<void> {
    await this.blocks.close();
  }
}
