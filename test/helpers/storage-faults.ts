/** Fault injection for the embedded store: corrupt a stored block in place, as a failing disk or a bad actor would. */
import fs from "node:fs";
import path from "node:path";
import { NextToLast } from "blockstore-fs/sharding";
import { parseCid } from "../../lib/storage/cid";

/** The file that holds one block of an embedded store directory. */
export function blockPath(storeDir: string, cid: string): string {
  const { dir, file } = new NextToLast().encode(parseCid(cid));
  return path.join(storeDir, dir, file);
}

/** Flips one bit of the root block of `cid` (byte `at`, counted from the end when negative). */
export function corruptBlock(storeDir: string, cid: string, at = -1): void {
  const file = blockPath(storeDir, cid);
  const data = fs.readFileSync(file);
  const i = at < 0 ? data.length + at : at;
  data[i] ^= 0x01;
  fs.writeFileSync(file, data);
}
