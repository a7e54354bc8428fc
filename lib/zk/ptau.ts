/**
 * Phase 1 of a Groth16 setup: a prepared Powers of Tau file in snarkjs's `.ptau` format, named by its blake2b-512 hash
 * (the hash snarkjs's README publishes for Hermez's files and `b2sum` prints). A file on the published list is
 * accepted by hash; any other file is verified with snarkjs `powersoftau verify` (its contribution chain, the
 * consistency of its powers and of the prepared Lagrange sections) and the verdict is cached by hash.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CeremonyError } from "./ceremony-error";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

/**
 * blake2b-512 of Hermez's prepared `powersOfTau28_hez_final_NN.ptau` files (54 contributions and a beacon), as
 * published in snarkjs's README (iden3/snarkjs, "Prepared (phase2) Ptau files"). Key: the power.
 */
export const HERMEZ_PTAU_BLAKE2B: Record<number, string> = {
  8: "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583",
  9: "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5",
  10: "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849",
  11: "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28ea07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33",
  12: "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a",
  13: "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c9066d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9",
  14: "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
  15: "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a17b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e",
  16: "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf43eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125",
  17: "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345",
  18: "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e",
  19: "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff6648600eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887",
  20: "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b",
  21: "9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391f07a394a9e756d16f7eb233198d5b69407cca44594c763ab4a5b67ae73254678",
  22: "0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f787f04c6a5fb84a235ec5ea7f41d0548746653ecab0559add658a83502d1cb21b",
  23: "3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88c5e8016231ea6580bec02e25d491f319d92e77f5c7f46a9caa8f3b53c0ea544f",
  24: "fa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae8687c62bc632a95b0c6aadba3fb02680a94e09174b7233ccd26d78baca2647c733",
  25: "0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff72387224fbd868897e6769f7805b3dab02854aec6d69d7492883b5e4e5f35eeb",
  26: "418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919611b1459a1cc920c2f143417744ba9edd7b8d51e44be9452344a225ff7eead19",
  27: "10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4abf276c9cd3c4b9039a1fa4315a0c326c0e8e9e8fe0eb588ffd4f9021bf7eae1a1",
  28: "55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d1a429c589e8eaba4c591bc4b88a0e2828745a53e170eac300236f5c1a326f41a",
};

export interface PtauInfo {
  file: string;
  /** blake2b-512 of the file, hex. */
  blake2b: string;
  /** The on-chain name: 0x + the first 32 bytes of the blake2b-512 hash. */
  hash32: string;
  power: number;
  /** "published": on the Hermez list, accepted by hash; "verified": checked with snarkjs powersoftau verify. */
  source: "published" | "verified";
  contributions: number;
}

/** blake2b-512 of a file, streamed (Hermez's files reach gigabytes). */
export async function blake2bFile(file: string): Promise<string> {
  const h = crypto.createHash("blake2b512");
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** On-chain name of a 64-byte hash: its first 32 bytes. */
export const hash32 = (hex: string) => "0x" + hex.replace(/^0x/, "").slice(0, 64);

interface Sections {
  [id: number]: { p: number; size: number };
}

/** The section table of a snarkjs binary file (`ptau` or `zkey`), read from its headers. */
export function binSections(file: string, type: string): Sections {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(12);
    fs.readSync(fd, head, 0, 12, 0);
    if (head.toString("latin1", 0, 4) !== type) throw new CeremonyError("NotAPtauFile", `${file} is not a snarkjs ${type} file`);
    const n = head.readUInt32LE(8);
    const out: Sections = {};
    let pos = 12;
    const size = fs.fstatSync(fd).size;
    for (let i = 0; i < n; i++) {
      const h = Buffer.alloc(12);
      if (fs.readSync(fd, h, 0, 12, pos) !== 12) throw new CeremonyError("NotAPtauFile", `${file} is truncated`);
      const id = h.readUInt32LE(0);
      const len = Number(h.readBigUInt64LE(4));
      out[id] = { p: pos + 12, size: len };
      pos += 12 + len;
      if (pos > size) throw new CeremonyError("NotAPtauFile", `${file} is truncated`);
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes a snarkjs binary file (`ptau` or `zkey`, version 1): its sections in the given order, each made of parts
 * written back to back. Written to a temporary name and renamed, so a reader never sees half a file.
 */
export function writeBinFile(file: string, type: string, sections: [number, Uint8Array[]][]): void {
  const tmp = `${file}.${process.pid}.part`;
  const fd = fs.openSync(tmp, "w");
  try {
    const head = Buffer.alloc(12);
    head.write(type, 0, "latin1");
    head.writeUInt32LE(1, 4);
    head.writeUInt32LE(sections.length, 8);
    fs.writeSync(fd, head);
    for (const [id, parts] of sections) {
      const h = Buffer.alloc(12);
      h.writeUInt32LE(id, 0);
      h.writeBigUInt64LE(BigInt(parts.reduce((n, p) => n + p.length, 0)), 4);
      fs.writeSync(fd, h);
      for (const p of parts) fs.writeSync(fd, p);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The power (log2 of the largest domain) and contribution count of a ptau, and whether it is prepared for phase 2. */
export function ptauHeader(file: string): { power: number; prepared: boolean; contributions: number } {
  const s = binSections(file, "ptau");
  if (!s[1]) throw new CeremonyError("NotAPtauFile", `${file} has no header section`);
  const fd = fs.openSync(file, "r");
  try {
    const b = Buffer.alloc(s[1].size);
    fs.readSync(fd, b, 0, b.length, s[1].p);
    const n8 = b.readUInt32LE(0);
    const power = b.readUInt32LE(4 + n8);
    let contributions = 0;
    if (s[7]) {
      const c = Buffer.alloc(4);
      fs.readSync(fd, c, 0, 4, s[7].p);
      contributions = c.readUInt32LE(0);
    }
    return { power, prepared: !!s[12] && !!s[13] && !!s[14] && !!s[15], contributions };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Accepts a prepared ptau: by hash when it is on the published list, else by snarkjs `powersoftau verify` (cached in
 * `cacheDir` by hash). Throws PtauNotPrepared or PtauInvalid (with snarkjs's reason).
 */
export async function checkPtau(file: string, opts: { cacheDir?: string; log?: { info(m: string, f?: object): void } } = {}): Promise<PtauInfo> {
  if (!fs.existsSync(file)) throw new CeremonyError("PtauNotFound", `powers-of-tau file not found: ${file}`);
  const { power, prepared, contributions } = ptauHeader(file);
  const blake2b = await blake2bFile(file);
  const base = { file, blake2b, hash32: hash32(blake2b), power, contributions };
  if (!prepared) throw new CeremonyError("PtauNotPrepared", `${file} is not prepared for phase 2 (run snarkjs powersoftau prepare phase2)`);
  if (Object.values(HERMEZ_PTAU_BLAKE2B).includes(blake2b)) return { ...base, source: "published" };
  const cacheDir = opts.cacheDir ?? path.join(".cache", "ptau-verdicts");
  const verdictFile = path.join(cacheDir, `${blake2b.slice(0, 32)}.json`);
  if (fs.existsSync(verdictFile)) {
    const v = JSON.parse(fs.readFileSync(verdictFile, "utf8")) as { blake2b: string; ok: boolean; reason?: string };
    if (v.blake2b === blake2b) {
      if (!v.ok) throw new CeremonyError("PtauInvalid", `${file}: ${v.reason}`);
      return { ...base, source: "verified" };
    }
  }
  opts.log?.info(`ptau ${hash32(blake2b).slice(0, 18)} is not on the published list: verifying it (snarkjs powersoftau verify)`, { power, contributions });
  const errors: string[] = [];
  const logger = { error: (m: string) => errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const ok: boolean = await snarkjs.powersOfTau.verify(file, logger);
  fs.mkdirSync(cacheDir, { recursive: true });
  const reason = errors.join("; ") || "verification failed";
  fs.writeFileSync(verdictFile, JSON.stringify({ blake2b, ok, reason: ok ? undefined : reason }));
  if (!ok) throw new CeremonyError("PtauInvalid", `${file}: ${reason}`);
  return { ...base, source: "verified" };
}
