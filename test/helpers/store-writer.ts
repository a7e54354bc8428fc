/**
 * Child process for the concurrency test: puts a shared payload and a payload of its own into the embedded store
 * at argv[2], reads both back (verified), and prints their CIDs as JSON.
 */
import { EmbeddedContentStore } from "../../lib/storage/embedded";
import { deterministicBytes } from "./deterministic-bytes";

async function main(): Promise<void> {
  const [dir, id] = process.argv.slice(2);
  const store = new EmbeddedContentStore({ dir });
  const shared = deterministicBytes(1_500_000, "shared");
  const own = deterministicBytes(600_000, `own-${id}`);
  const [a, b] = await Promise.all([store.put(shared), store.put(own)]);
  const [ra, rb] = await Promise.all([store.get(a), store.get(b)]);
  if (Buffer.compare(ra, shared) !== 0 || Buffer.compare(rb, own) !== 0) throw new Error("read back different bytes");
  process.stdout.write(JSON.stringify({ shared: a, own: b }) + "\n");
}

main().catch((err: Error) => {
  process.stderr.write(`${err.name}: ${err.message}\n`);
  process.exit(1);
});
