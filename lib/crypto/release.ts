/**
 * The keyed key release (F-01), off-chain half; the core checks the same arithmetic in proveBadRelease.
 *
 *   posting: the requester commits keyHash = keccak256(dataKey) per shard (a key leaf in the input tree).
 *   claim:   the worker passes a one-time public key T = t * G (claimWithKey).
 *   release: the requester picks r, sends R = r * G and maskedKey = dataKey XOR mask(address(r * T)).
 *   open:    the worker computes mask(address(t * R)) (the same point), unmasks and checks keccak256 == keyHash;
 *            when it does not match it reveals t on-chain (proveBadRelease) and the core redoes this check.
 *
 * mask(shared) = keccak256(abi.encode(shared, chainId, core, jobId, shardIndex, claimNonce)), as KeyReleaseCheck.maskOf.
 * The worker derives t from its encryption key and the claim, so a restarted worker finds it again without storing it.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { AbiCoder, computeAddress, getBytes, hexlify, keccak256, toBeHex, zeroPadValue } from "ethers";
import { DATA_KEY_LEN } from "./envelope";
import { InvalidKeyError } from "./errors";

const Point = secp256k1.Point;
const N = Point.Fn.ORDER;

export interface CurvePoint {
  x: bigint;
  y: bigint;
}

/** Which claim a release is for: the mask and the one-time secret depend on all of it. */
export interface ClaimContext {
  chainId: bigint;
  core: string;
  jobId: bigint;
  shardIndex: bigint;
  claimNonce: bigint;
}

const abi = AbiCoder.defaultAbiCoder();
const ZERO32 = "0x" + "00".repeat(32);

/** keccak256 of a 32-byte data key, as committed in the key leaf (zero hash = public data, no key). */
export function keyHashOf(dataKey?: Uint8Array): string {
  if (!dataKey) return ZERO32;
  if (dataKey.length !== DATA_KEY_LEN) throw new InvalidKeyError(`data key must be ${DATA_KEY_LEN} bytes, got ${dataKey.length}`);
  return keccak256(dataKey);
}

/** The claim's one-time secret: keccak256(worker key, claim) reduced into [1, n-1]. */
export function oneTimeSecret(workerKey: Uint8Array, c: ClaimContext): bigint {
  const h = keccak256(
    abi.encode(["bytes32", "uint256", "address", "uint256", "uint256", "uint32"], [hexlify(workerKey), c.chainId, c.core, c.jobId, c.shardIndex, c.claimNonce]),
  );
  return (BigInt(h) % (N - 1n)) + 1n;
}

export function publicPoint(secret: bigint): CurvePoint {
  const p = Point.BASE.multiply(secret).toAffine();
  return { x: p.x, y: p.y };
}

function addressOf(p: CurvePoint): string {
  return computeAddress("0x04" + toBeHex(p.x, 32).slice(2) + toBeHex(p.y, 32).slice(2));
}

function shared(point: CurvePoint, scalar: bigint): string {
  const s = Point.fromAffine(point).multiply(scalar).toAffine();
  return addressOf({ x: s.x, y: s.y });
}

export function releaseMask(sharedAddress: string, c: ClaimContext): string {
  return keccak256(
    abi.encode(["address", "uint256", "address", "uint256", "uint256", "uint32"], [sharedAddress, c.chainId, c.core, c.jobId, c.shardIndex, c.claimNonce]),
  );
}

function xor32(a: string, b: string): string {
  const x = getBytes(a);
  const y = getBytes(b);
  return hexlify(x.map((v, i) => v ^ y[i]));
}

/** The requester's side: masks `dataKey` to the claim's one-time key with a fresh ephemeral key (R.x < n, as the core needs). */
export function maskDataKey(dataKey: Uint8Array, oneTimeKey: CurvePoint, c: ClaimContext): { ephemeral: CurvePoint; maskedKey: string } {
  if (dataKey.length !== DATA_KEY_LEN) throw new InvalidKeyError(`data key must be ${DATA_KEY_LEN} bytes, got ${dataKey.length}`);
  for (;;) {
    const r = BigInt(hexlify(secp256k1.utils.randomSecretKey()));
    const ephemeral = publicPoint(r);
    if (ephemeral.x >= N) continue; // probability ~2^-128; the core's ecrecover trick needs x < n
    const maskedKey = xor32(zeroPadValue(hexlify(dataKey), 32), releaseMask(shared(oneTimeKey, r), c));
    return { ephemeral, maskedKey };
  }
}

/** The worker's side: the data key a release carries, and whether it is the committed one. */
export function unmaskDataKey(
  release: { ephemeral: CurvePoint; maskedKey: string; keyHash: string },
  secret: bigint,
  c: ClaimContext,
): { dataKey: Uint8Array; matches: boolean } {
  let mask: string;
  try {
    mask = releaseMask(shared(release.ephemeral, secret), c);
  } catch {
    // Not a curve point: the core refuses such a release, so this only happens on a forged event.
    throw new InvalidKeyError("release's ephemeral key is not a secp256k1 point");
  }
  const dataKey = getBytes(xor32(release.maskedKey, mask));
  return { dataKey, matches: keccak256(dataKey) === release.keyHash.toLowerCase() };
}
