/**
 * Storage and crypto throughput on this machine: CID computation, embedded store put/get (verified), AES-256-GCM
 * envelope seal/open, ECIES key wrap/unwrap. Writes bench/results/storage.json and prints a markdown table.
 * Run: npm run bench:storage
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decrypt, encryptForStorage, generateWorkerKeyPair, unwrapKey, wrapKey } from "../lib/crypto";
import { computeCid, EmbeddedContentStore } from "../lib/storage";

interface Row {
  what: string;
  size: string;
  ms: number;
  rate: string;
}

async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [out, Number(process.hrtime.bigint() - t) / 1e6];
}

const mbps = (bytes: number, ms: number) => `${(bytes / 1_048_576 / (ms / 1000)).toFixed(1)} MiB/s`;

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-bench-store-"));
  const store = new EmbeddedContentStore({ dir });
  try {
    for (const mib of [1, 16, 64]) {
      const data = new Uint8Array(randomBytes(mib * 1_048_576));
      const size = `${mib} MiB`;
      const [, cidMs] = await time(() => computeCid(data));
      rows.push({ what: "CID (in memory, CIDv1 raw leaves)", size, ms: cidMs, rate: mbps(data.length, cidMs) });
      const [cid, putMs] = await time(() => store.put(data));
      rows.push({ what: "embedded put (to disk)", size, ms: putMs, rate: mbps(data.length, putMs) });
      const [, getMs] = await time(() => store.get(cid));
      rows.push({ what: "embedded get (read + CID check)", size, ms: getMs, rate: mbps(data.length, getMs) });
      const [sealed, encMs] = await time(() => encryptForStorage(data));
      rows.push({ what: "AES-256-GCM seal", size, ms: encMs, rate: mbps(data.length, encMs) });
      const [, decMs] = await time(() => decrypt(sealed.ciphertext, sealed.dataKey));
      rows.push({ what: "AES-256-GCM open", size, ms: decMs, rate: mbps(data.length, decMs) });
    }
    const worker = generateWorkerKeyPair();
    const key = new Uint8Array(randomBytes(32));
    const n = 200;
    const [wrapped, wrapMs] = await time(() => Array.from({ length: n }, () => wrapKey(key, worker.publicKey)));
    rows.push({ what: "ECIES wrap data key", size: `${n} keys`, ms: wrapMs, rate: `${((n / wrapMs) * 1000).toFixed(0)} /s` });
    const [, unwrapMs] = await time(() => wrapped.forEach((w) => unwrapKey(w, worker.privateKey)));
    rows.push({ what: "ECIES unwrap data key", size: `${n} keys`, ms: unwrapMs, rate: `${((n / unwrapMs) * 1000).toFixed(0)} /s` });
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const result = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, rows };
  const out = path.join(__dirname, "results", "storage.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log("| operation | size | time (ms) | rate |\n|---|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.what} | ${r.size} | ${r.ms.toFixed(0)} | ${r.rate} |`);
  console.log(`\nwritten ${path.relative(process.cwd(), out)}`);
}

main().catch((err: Error) => {
  console.error(`${err.name}: ${err.message}`);
  process.exit(1);
});
