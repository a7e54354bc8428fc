/**
 * A phase-2 contribution written by the project, byte for byte in snarkjs's zkey format (snarkjs `zkey contribute`,
 * src/zkey_contribute.js, is the reference): the contributor draws delta, multiplies delta_1 and delta_2 of the header
 * by it and every point of the L (8) and H (9) sections by 1/delta, and appends its public key to the contributions
 * section (10): deltaAfter, g1_s, g1_sx = delta g1_s, g2_spx = delta hashToG2(transcript), the transcript hash and its
 * name. Sections 1 and 3-7 are copied. The L and H products run in lib/zk/sameScalar.ts (one GLV schedule for all
 * points, batch-affine WebAssembly threads); snarkjs does one generic multiplication per point. `zkey verify` accepts
 * chains that mix both tools (test/zk/zkey-contribute.test.ts).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { CeremonyError } from "./ceremony-error";
import { binSections, writeBinFile } from "./ptau";
import { ExceptionalSchedule, SameScalarPool, schedule } from "./sameScalar";
import { getCurve } from "./setup";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ChaCha } = require("ffjavascript");

const blake = () => crypto.createHash("blake2b512");

/** snarkjs keypair.js hashToG2: a G2 point from the transcript hash (ChaCha seeded with its first 8 big-endian words). */
function hashToG2(curve: any, hash: Buffer): unknown {
  const seed = Array.from({ length: 8 }, (_, i) => hash.readUInt32BE(i * 4));
  return curve.G2.fromRng(new ChaCha(seed));
}

/** The uncompressed encodings (what snarkjs hashes) of the public keys in a contributions section, one Buffer each. */
export function contributionPubKeys(curve: any, s10: Buffer): { csHash: Buffer; pubKeys: Buffer[]; end: number } {
  const u = (group: "G1" | "G2", at: number) => {
    const G = curve[group];
    const out = new Uint8Array(G.F.n8 * 2);
    G.toRprUncompressed(out, 0, G.fromRprLEM(s10, at));
    return Buffer.from(out);
  };
  let pos = 68;
  const pubKeys: Buffer[] = [];
  for (let i = 0, n = s10.readUInt32LE(64); i < n; i++) {
    pubKeys.push(Buffer.concat([u("G1", pos), u("G1", pos + 64), u("G1", pos + 128), u("G2", pos + 192), s10.subarray(pos + 320, pos + 384)]));
    pos += 384 + 4;
    pos += 4 + s10.readUInt32LE(pos);
  }
  return { csHash: s10.subarray(0, 64), pubKeys, end: pos };
}

/** A contribution's secret source: entropy (mixed with 64 random bytes), or a public beacon as `zkey beacon` takes. */
export type KeySource = { entropy: string } | { beaconHash: Buffer; iterationsExp: number };

/** snarkjs misc.rngFromBeaconParams: ChaCha seeded with the beacon hash after 2^iterationsExp rounds of sha256. */
function beaconRng(hash: Buffer, iterationsExp: number): any {
  let cur = hash;
  for (let i = 0n; i < 1n << BigInt(iterationsExp); i++) cur = crypto.createHash("sha256").update(cur).digest();
  return new ChaCha(Array.from({ length: 8 }, (_, i) => cur.readUInt32BE(i * 4)));
}

/**
 * Contributes to `prev`, writing `out`; returns the contribution hash (blake2b-512 of the public key, hex, what
 * snarkjs prints), or undefined for a beacon whose delta this schedule cannot take (the caller then runs snarkjs).
 * `name` goes into the key (snarkjs keeps 64 characters).
 */
export async function contributeZkey(prev: string, out: string, name: string, source: KeySource): Promise<string | undefined> {
  const t0 = Date.now();
  const mark = (what: string) => process.env.ZKEY_TRACE && console.log(`contribute ${what} ${(Date.now() - t0) / 1000}s`);
  const curve = await getCurve();
  mark("curve");
  const { G1, G2, Fr } = curve;
  const s = binSections(prev, "zkey");
  for (const id of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) if (!s[id]) throw new CeremonyError("NotAZkey", `${prev} has no section ${id}`);
  const fd = fs.openSync(prev, "r");
  const read = (id: number) => {
    const b = Buffer.alloc(s[id].size);
    fs.readSync(fd, b, 0, b.length, s[id].p);
    return b;
  };
  let header: Buffer, s10: Buffer, L: Buffer, H: Buffer, protocol: Buffer;
  try {
    [protocol, header, s10, L, H] = [read(1), read(2), read(10), read(8), read(9)];
  } finally {
    fs.closeSync(fd);
  }
  if (protocol.readUInt32LE(0) !== 1) throw new CeremonyError("NotAZkey", `${prev} is not a Groth16 zkey`);
  const n8q = header.readUInt32LE(0);
  const n8r = header.readUInt32LE(4 + n8q);
  if (n8q !== 32 || n8r !== 32) throw new CeremonyError("NotAZkey", `${prev} is not over BN254`);
  const pDelta1 = 4 + n8q + 4 + n8r + 12 + 2 * 64 + 2 * 128;
  const pDelta2 = pDelta1 + 64;

  const isBeacon = "beaconHash" in source;
  const seed = isBeacon ? undefined : blake().update(crypto.randomBytes(64)).update(Buffer.from(source.entropy, "utf8")).digest();
  const rng = isBeacon ? beaconRng(source.beaconHash, source.iterationsExp) : new ChaCha(Array.from({ length: 8 }, (_, i) => seed!.readUInt32BE(i * 4)));
  // A delta whose inverse's schedule meets an exceptional affine step (never seen; probability ~2^-120) is redrawn,
  // except for a beacon, whose delta anyone must be able to redo.
  let delta: unknown, inv: bigint;
  for (;;) {
    delta = Fr.fromRng(rng);
    inv = BigInt(Fr.toString(Fr.inv(delta), 10));
    try {
      schedule(inv);
      break;
    } catch (err) {
      if (isBeacon) return undefined;
      if (!(err instanceof ExceptionalSchedule)) throw err;
    }
  }
  const { csHash, pubKeys, end } = contributionPubKeys(curve, s10);
  const uG1 = (p: unknown) => { const b = new Uint8Array(64); G1.toRprUncompressed(b, 0, p); return Buffer.from(b); };
  const uG2 = (p: unknown) => { const b = new Uint8Array(128); G2.toRprUncompressed(b, 0, p); return Buffer.from(b); };
  const lem = (G: any, p: unknown) => { const b = new Uint8Array(G.F.n8 * 2); G.toRprLEM(b, 0, p); return Buffer.from(b); };
  const g1s = G1.toAffine(G1.fromRng(rng));
  const g1sx = G1.toAffine(G1.timesFr(g1s, delta));
  const th = blake().update(csHash);
  for (const k of pubKeys) th.update(k);
  const transcript = th.update(uG1(g1s)).update(uG1(g1sx)).digest();
  const g2spx = G2.toAffine(G2.timesFr(hashToG2(curve, transcript), delta));
  const delta1 = G1.toAffine(G1.timesFr(G1.fromRprLEM(header, pDelta1), delta));
  const delta2 = G2.toAffine(G2.timesFr(G2.fromRprLEM(header, pDelta2), delta));
  const newHeader = Buffer.from(header);
  lem(G1, delta1).copy(newHeader, pDelta1);
  lem(G2, delta2).copy(newHeader, pDelta2);

  const nameBytes = Buffer.from(name.substring(0, 64), "utf8");
  const params = Buffer.concat([
    nameBytes.length ? Buffer.concat([Buffer.from([1, nameBytes.length]), nameBytes]) : Buffer.alloc(0),
    isBeacon ? Buffer.concat([Buffer.from([2, source.iterationsExp, 3, source.beaconHash.length]), source.beaconHash]) : Buffer.alloc(0),
  ]);
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const mine = Buffer.concat([lem(G1, delta1), lem(G1, g1s), lem(G1, g1sx), lem(G2, g2spx), transcript, u32(isBeacon ? 1 : 0), u32(params.length), params]);
  const newS10 = Buffer.concat([csHash, u32(pubKeys.length + 1), s10.subarray(68, end), mine]);

  mark("key steps");
  const pool = new SameScalarPool(inv!);
  let L2: Buffer, H2: Buffer;
  try {
    [L2, H2] = await Promise.all([pool.times(L), pool.times(H)]);
  } finally {
    await pool.close();
  }
  mark("L and H");
  // Spot check against ffjavascript: the first and last point of each section.
  for (const [a, b] of [[L, L2], [H, H2]]) {
    for (const i of a.length ? [0, a.length / 64 - 1] : []) {
      const want = a.subarray(i * 64, i * 64 + 64).every((v) => v === 0) ? Buffer.alloc(64) : lem(G1, G1.timesFr(G1.fromRprLEM(a, i * 64), Fr.inv(delta)));
      if (!want.equals(b.subarray(i * 64, i * 64 + 64))) throw new Error("contribution: batch product disagrees with ffjavascript");
    }
  }

  const src = fs.openSync(prev, "r");
  let copied: Record<number, Buffer>;
  try {
    copied = Object.fromEntries([1, 3, 4, 5, 6, 7].map((id) => {
      const b = Buffer.alloc(s[id].size);
      fs.readSync(src, b, 0, b.length, s[id].p);
      return [id, b];
    }));
  } finally {
    fs.closeSync(src);
  }
  const replaced: Record<number, Buffer> = { 2: newHeader, 8: L2, 9: H2, 10: newS10 };
  writeBinFile(out, "zkey", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((id) => [id, [replaced[id] ?? copied[id]]]));
  const keyBytes = Buffer.concat([uG1(delta1), uG1(g1s), uG1(g1sx), uG2(g2spx), transcript]);
  return blake().update(keyBytes).digest("hex");
}
