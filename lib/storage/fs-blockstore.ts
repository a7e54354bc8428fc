/**
 * blockstore-fs, made safe for several processes writing one directory at once.
 *
 * blockstore-fs 4.0.1 cannot be require()d by name: its "module-sync" export condition points at a TypeScript
 * source file it does not ship. Its "./sharding" subpath resolves correctly, and the built entry point sits beside
 * it, so we load that file by path (Node 20.19+ can require() ES modules without top-level await).
 *
 * Its put() writes every block through one fixed temporary name per block (steno), so two processes writing the
 * same block can interleave and a reader can see a half-written file. SharedFsBlockstore writes each block to a
 * temporary file unique to the process and call, then renames it into place: rename is atomic on POSIX, and both
 * writers of a block write the same bytes, so readers see either no file or the whole block.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { FsBlockstore as FsBlockstoreType, FsBlockstoreInit } from "blockstore-fs";
import { NextToLast } from "blockstore-fs/sharding";
import type { CID } from "multiformats/cid";

type FsBlockstoreCtor = new (location: string, init?: FsBlockstoreInit) => FsBlockstoreType;

function loadFsBlockstore(): FsBlockstoreCtor {
  const sharding = require.resolve("blockstore-fs/sharding");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(path.join(path.dirname(sharding), "index.js")).FsBlockstore;
}

const FsBlockstore = loadFsBlockstore();

/** Named "NotFoundError" as interface-store names it, which the exporter and the embedded store recognise. */
export class BlockNotFoundError extends Error {
  override name = "NotFoundError";
}

export class SharedFsBlockstore extends FsBlockstore {
  /** blockstore-fs's default layout (blocks/<next-to-last two chars>/<base32 multihash>.data), kept visible here. */
  private readonly layout: NextToLast;
  private readonly root: string;

  constructor(location: string) {
    const layout = new NextToLast();
    super(location, { shardingStrategy: layout });
    this.layout = layout;
    this.root = path.resolve(location);
  }

  async put(key: CID, val: Uint8Array): Promise<CID> {
    const { dir, file } = this.layout.encode(key);
    const target = path.join(this.root, dir, file);
    if (await this.has(key)) return key;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    await fs.writeFile(tmp, val);
    await fs.rename(tmp, target);
    return key;
  }

  /** One read per block (the base class streams 64 KiB pieces, which made reads ten times slower than writes). */
  async *get(key: CID): AsyncGenerator<Uint8Array> {
    const { dir, file } = this.layout.encode(key);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(path.join(this.root, dir, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new BlockNotFoundError(`block ${key} not found`);
      throw err;
    }
    yield bytes;
  }
}
