/**
 * CIDs as Kubo computes them. One import profile describes how bytes become a UnixFS DAG; the same profile is
 * used to store content and to recompute the CID of bytes fetched from any backend before they are used.
 */
import { importBytes, type ImporterOptions } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { CID } from "multiformats/cid";
import { CidMismatchError, InvalidCidError } from "./errors";

export interface ImportProfile {
  cidVersion: 0 | 1;
  /** Leaves as raw blocks (codec raw) instead of UnixFS-wrapped dag-pb nodes. CIDv0 cannot have raw leaves. */
  rawLeaves: boolean;
  /** Fixed-size chunker, bytes per leaf. */
  chunkSize: number;
  /** Balanced layout, links per internal node. */
  maxLinks: number;
}

/** `ipfs add --cid-version=1` on Kubo: CIDv1, raw leaves, 256 KiB chunks, 174 links per node. */
export const KUBO_CIDV1: ImportProfile = { cidVersion: 1, rawLeaves: true, chunkSize: 262_144, maxLinks: 174 };
/** Plain `ipfs add` on Kubo (profile unixfs-v0-2015): CIDv0, dag-pb leaves, 256 KiB chunks, 174 links. */
export const KUBO_CIDV0: ImportProfile = { cidVersion: 0, rawLeaves: false, chunkSize: 262_144, maxLinks: 174 };

export function importerOptions(p: ImportProfile): ImporterOptions {
  return {
    cidVersion: p.cidVersion,
    rawLeaves: p.rawLeaves,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: p.chunkSize }),
    layout: balanced({ maxChildrenPerNode: p.maxLinks }),
  };
}

export function parseCid(cid: string): CID {
  try {
    return CID.parse(cid);
  } catch {
    throw new InvalidCidError(cid);
  }
}

/**
 * The profile to verify a given CID with: a CIDv0 can only come from the v0 profile (with this profile's chunking);
 * a CIDv1 is checked with the profile itself.
 */
export function profileFor(cid: CID, profile: ImportProfile): ImportProfile {
  return cid.version === 0 ? { ...profile, cidVersion: 0, rawLeaves: false } : profile;
}

/** A blockstore that keeps nothing: the importer hashes every block and the root CID is all we want. */
const DISCARD = { put: async (cid: CID) => cid };

/** The CID that `ipfs add` with this profile gives these bytes; nothing is stored. */
export async function computeCid(bytes: Uint8Array, profile: ImportProfile = KUBO_CIDV1): Promise<string> {
  // The importer's blockstore type is wider than what it calls; put() is the only method it uses.
  const entry = await importBytes(bytes, DISCARD as never, importerOptions(profile));
  return entry.cid.toString();
}

/** Recomputes the CID of `bytes` and throws CidMismatchError unless it is `cid`. Returns the bytes. */
export async function verifyContent(
  cid: string,
  bytes: Uint8Array,
  profile: ImportProfile,
  backend: string,
): Promise<Uint8Array> {
  const parsed = parseCid(cid);
  const actual = await computeCid(bytes, profileFor(parsed, profile));
  if (actual !== parsed.toString()) throw new CidMismatchError(parsed.toString(), actual, backend);
  return bytes;
}

/**
 * Uploads to a service that computes CIDs itself (`upload` returns the CID it reports) and refuses any CID other
 * than ours: a service that chunks or hashes differently would give CIDs whose reads we could not verify.
 */
export async function uploadWithCidCheck(
  bytes: Uint8Array,
  profile: ImportProfile,
  backend: string,
  upload: (name: string) => Promise<string>,
): Promise<string> {
  const expected = await computeCid(bytes, profile);
  const reported = await upload(expected);
  if (reported !== expected) throw new CidMismatchError(expected, reported, backend);
  return expected;
}
