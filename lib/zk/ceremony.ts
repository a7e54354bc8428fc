/**
 * Phase 2 of a Groth16 setup with named contributors (snarkjs zkey format throughout):
 * - the initial key is made from the R1CS and a prepared ptau alone (`zkey new`: no secret);
 * - each contribution builds on a previous key, names its contributor's address in the zkey, and is checked by the
 *   contributor's tool before it builds on it (`zkey verify` from the initial key: every earlier contribution's proof
 *   of knowledge, the delta chain, and the L and H sections against the ptau);
 * - after the deadline the chain is closed by `zkey beacon` seeded with a block hash after the deadline.
 * A zkey carries its whole history (section 10), so verifying the final key checks every contribution in it; the
 * transcript check then matches that history one-to-one, in order, with the contributions recorded on-chain.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import { CeremonyError } from "./ceremony-error";
import { binSections, hash32 } from "./ptau";
import { getCurve } from "./setup";
import { contributeZkey } from "./zkey-contribute";
import { newZkey } from "./zkey-new";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

/** Parent index of the owner's first contribution (built on the initial key); ModelRegistry.NO_PARENT. */
export const NO_PARENT = 0xffffffff;
/** log2 of the beacon's hash iterations (snarkjs accepts 10..63); the beacon is public, so this adds no secrecy. */
export const BEACON_ITERATIONS_EXP = 10;

export const sha256File = (file: string) => "0x" + crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/**
 * The key made from the R1CS and the ptau alone (lib/zk/zkey-new.ts: the bytes snarkjs `zkey new` writes, faster on
 * small coefficients), cached by the hashes of both.
 */
export async function initialKey(r1cs: string, ptau: string, cacheDir = path.join(".cache", "ceremony")): Promise<{ file: string; seconds: number; cached: boolean }> {
  if (!fs.existsSync(ptau)) throw new CeremonyError("PtauNotFound", `powers-of-tau file not found: ${ptau}`);
  const head = Buffer.alloc(Math.min(1 << 16, fs.statSync(ptau).size));
  const fd = fs.openSync(ptau, "r");
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const ptauId = crypto.createHash("sha256").update(`${fs.statSync(ptau).size}:${head.toString("hex")}`);
  const key = crypto.createHash("sha256").update(sha256File(r1cs)).update(ptauId.digest()).digest("hex").slice(0, 24);
  const file = path.join(cacheDir, `init-${key}.zkey`);
  if (fs.existsSync(file)) return { file, seconds: 0, cached: true };
  fs.mkdirSync(cacheDir, { recursive: true });
  const t0 = Date.now();
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await newZkey(r1cs, ptau, tmp);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.renameSync(tmp, file);
  return { file, seconds: (Date.now() - t0) / 1000, cached: false };
}

export interface KeyContribution {
  /** blake2b-512 of the contribution's public key, hex (what snarkjs prints as the contribution hash). */
  hash: string;
  /** 0x + its first 32 bytes: the on-chain name. */
  hash32: string;
  name?: string;
  /** 0: a contribution; 1: a beacon. */
  type: number;
  beaconHash?: string;
  numIterationsExp?: number;
}

/** The contributions a zkey carries (its section 10), oldest first, with their snarkjs contribution hashes. */
export async function keyContributions(zkey: string): Promise<KeyContribution[]> {
  const s = binSections(zkey, "zkey");
  if (!s[10]) throw new CeremonyError("NotAZkey", `${zkey} has no contributions section`);
  const b = Buffer.alloc(s[10].size);
  const fd = fs.openSync(zkey, "r");
  try {
    fs.readSync(fd, b, 0, b.length, s[10].p);
  } finally {
    fs.closeSync(fd);
  }
  const curve = await getCurve();
  const uncompressed = (group: "G1" | "G2", at: number) => {
    const G = curve[group];
    const len = G.F.n8 * 2;
    const p = G.fromRprLEM(b, at);
    const out = new Uint8Array(len);
    G.toRprUncompressed(out, 0, p);
    return { bytes: out, next: at + len };
  };
  let pos = 64;
  const n = b.readUInt32LE(pos);
  pos += 4;
  const out: KeyContribution[] = [];
  for (let i = 0; i < n; i++) {
    const h = crypto.createHash("blake2b512");
    for (const g of ["G1", "G1", "G1", "G2"] as const) {
      const u = uncompressed(g, pos);
      h.update(u.bytes);
      pos = u.next;
    }
    h.update(b.subarray(pos, pos + 64));
    pos += 64;
    const type = b.readUInt32LE(pos);
    const paramLength = b.readUInt32LE(pos + 4);
    pos += 8;
    const end = pos + paramLength;
    const c: KeyContribution = { hash: "", hash32: "", type };
    while (pos < end) {
      const t = b[pos++];
      if (t === 1) { c.name = b.toString("utf8", pos + 1, pos + 1 + b[pos]); pos += 1 + b[pos]; }
      else if (t === 2) c.numIterationsExp = b[pos++];
      else if (t === 3) { c.beaconHash = b.toString("hex", pos + 1, pos + 1 + b[pos]); pos += 1 + b[pos]; }
      else throw new CeremonyError("NotAZkey", `${zkey}: unknown contribution parameter ${t}`);
    }
    c.hash = h.digest("hex");
    c.hash32 = hash32(c.hash);
    out.push(c);
  }
  return out;
}

/**
 * A phase-2 contribution on `prev` by `contributor` (its checksummed address is the zkey's contribution name), written
 * by lib/zk/zkey-contribute.ts in snarkjs's format.
 */
export async function contributeKey(prev: string, out: string, contributor: string, entropy = crypto.randomBytes(64).toString("hex")): Promise<KeyContribution & { seconds: number }> {
  const t0 = Date.now();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await contributeZkey(prev, out, getAddress(contributor), { entropy });
  const all = await keyContributions(out);
  return { ...all[all.length - 1], seconds: (Date.now() - t0) / 1000 };
}

/** The closing step: `zkey beacon` on `prev`, seeded with the sealed block hash. Deterministic: anyone can redo it. */
export async function beaconKey(prev: string, out: string, beacon: string, blockNumber: number | bigint): Promise<KeyContribution & { seconds: number }> {
  const t0 = Date.now();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const name = `beacon block ${blockNumber}`;
  const hash = beacon.replace(/^0x/, "");
  if (!/^([0-9a-fA-F]{2}){1,255}$/.test(hash)) throw new CeremonyError("ContributionInvalid", `beacon ${beacon} is not a hex byte string`);
  const done = await contributeZkey(prev, out, name, { beaconHash: Buffer.from(hash, "hex"), iterationsExp: BEACON_ITERATIONS_EXP });
  if (done === undefined) await snarkjs.zKey.beacon(prev, out, name, hash, BEACON_ITERATIONS_EXP);
  const all = await keyContributions(out);
  return { ...all[all.length - 1], seconds: (Date.now() - t0) / 1000 };
}

/**
 * snarkjs `zkey verify` of `zkey` from the initial key and the ptau. Throws ContributionInvalid with snarkjs's reason
 * (which it prints rather than returns: the lines are captured for the one-line error).
 */
export async function verifyKey(init: string, ptau: string, zkey: string, label = zkey): Promise<void> {
  const reasons: string[] = [];
  const logger = { error: (m: string) => reasons.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const log = console.log;
  console.log = (...a: unknown[]) => (String(a[0]).startsWith("INVALID") ? reasons.push(a.map(String).join(" ")) : log(...a));
  let ok: boolean;
  try {
    ok = await snarkjs.zKey.verifyFromInit(init, ptau, zkey, logger);
  } catch (err) {
    throw new CeremonyError("ContributionInvalid", `${label}: ${(err as Error).message}`);
  } finally {
    console.log = log;
  }
  if (!ok) throw new CeremonyError("ContributionInvalid", `${label}: ${reasons.join("; ") || "zkey verify failed"}`);
}

/** One on-chain contribution record (IModelRegistry.Contribution) with its index. */
export interface ContributionRecord {
  index: number;
  contributor: string;
  parent: number;
  depth: number;
  contributionHash: string;
  keyCid: string;
}

/** Indices of the chain ending at `tip`, oldest first (parents are always earlier records). */
export function chainOf(records: ContributionRecord[], tip: number): number[] {
  const out: number[] = [];
  for (let i = tip; i !== NO_PARENT; i = records[i].parent) {
    if (i >= records.length || out.includes(i)) throw new CeremonyError("UnknownContribution", `contribution ${i} is not recorded`);
    out.unshift(i);
  }
  return out;
}

/**
 * Matches a key's contributions (beacon excluded) one-to-one and in order with the chain's records; throws
 * ContributionOutOfOrder, ContributionSkipped, UnrecordedContribution or ContributorMismatch.
 */
export function matchChain(keyContribs: KeyContribution[], chain: ContributionRecord[]): void {
  const byHash = new Map(keyContribs.map((c, i) => [c.hash32.toLowerCase(), i]));
  chain.forEach((r, i) => {
    const at = byHash.get(r.contributionHash.toLowerCase());
    if (at === undefined) throw new CeremonyError("ContributionSkipped", `the key does not contain contribution #${r.index} by ${r.contributor} (${r.contributionHash.slice(0, 18)})`);
    if (at !== i) throw new CeremonyError("ContributionOutOfOrder", `contribution #${r.index} by ${r.contributor} is step ${at + 1} of the key, the transcript puts it at step ${i + 1}`);
    const name = keyContribs[at].name ?? "";
    if (name.toLowerCase() !== r.contributor.toLowerCase()) {
      throw new CeremonyError("ContributorMismatch", `contribution #${r.index} was recorded by ${r.contributor} but the key names ${name || "no one"} as its contributor`);
    }
  });
  if (keyContribs.length > chain.length) {
    const extra = keyContribs[chain.length];
    throw new CeremonyError("UnrecordedContribution", `the key holds contribution ${extra.hash32.slice(0, 18)} (${extra.name ?? "unnamed"}) that no transaction recorded`);
  }
}
