/**
 * The release of one shard's data key to exactly one claim, browser-safe: the CLI's release agent
 * (lib/requester/agent.ts) and the dashboard's tab build it with this one function and send it with
 * releaseShardKey. For a keyed claim (the worker gave a one-time key) the key is masked to it and the committed key
 * hash proven (F-01); for a keyless claim it is ECIES-wrapped to the worker's registered key inside the payload.
 */
import { getBytes } from "ethers";
import { wrapKey } from "../crypto/keywrap";
import { maskDataKey, type CurvePoint } from "../crypto/release";
import type { JobFile, ShardSecret } from "./jobFile";
import { encodeRelease } from "./shard";

/** The claim a release is for. */
export interface ClaimRef {
  jobId: bigint;
  shardIndex: number;
  claimant: string;
  claimNonce: bigint;
  /** The claim's one-time key (claimWithKey); absent for a keyless claim. */
  oneTimeKey?: CurvePoint;
}

/** IOblivionCore.KeyRelease, as both ethers and viem take it. */
export interface KeyRelease {
  claimant: string;
  claimNonce: bigint;
  keyHash: string;
  keyProof: string[];
  ephemeralX: bigint;
  ephemeralY: bigint;
  maskedKey: string;
  payload: string;
}

const ZERO32 = "0x" + "00".repeat(32);

export const dataKeyOf = (s: ShardSecret): Uint8Array | undefined => (s.dataKey ? getBytes(s.dataKey) : undefined);

/**
 * Builds the release of `file`'s shard for exactly `claim`. `workerKey` reads the claimant's registered encryption
 * key (hex bytes; only a keyless claim needs it); `endpoints` tell the worker where the content is served.
 */
export async function buildClaimRelease(claim: ClaimRef, file: JobFile, workerKey: (claimant: string) => Promise<string>, endpoints: string[] = []): Promise<KeyRelease> {
  const secret = file.shards[claim.shardIndex];
  if (!secret) throw new Error(`job file of job ${claim.jobId} has no shard ${claim.shardIndex}`);
  const dataKey = dataKeyOf(secret);
  const base = { claimant: claim.claimant, claimNonce: claim.claimNonce };
  if (!claim.oneTimeKey) {
    const wrappedKey = dataKey ? wrapKey(dataKey, getBytes(await workerKey(claim.claimant))) : new Uint8Array(0);
    const payload = encodeRelease({ packageCid: secret.packageCid, wrappedKey, endpoints });
    return { ...base, keyHash: ZERO32, keyProof: [], ephemeralX: 0n, ephemeralY: 0n, maskedKey: ZERO32, payload };
  }
  if (!secret.keyProof || !secret.keyHash) {
    throw new Error(`job ${claim.jobId} commits no data keys (posted before keyed releases): a keyed claim cannot be served`);
  }
  const payload = encodeRelease({ packageCid: secret.packageCid, wrappedKey: new Uint8Array(0), endpoints });
  if (!dataKey) return { ...base, keyHash: secret.keyHash, keyProof: secret.keyProof, ephemeralX: 0n, ephemeralY: 0n, maskedKey: ZERO32, payload };
  const ctx = {
    chainId: BigInt(file.chainId),
    core: file.core,
    jobId: claim.jobId,
    shardIndex: BigInt(claim.shardIndex),
    claimNonce: claim.claimNonce,
  };
  const { ephemeral, maskedKey } = maskDataKey(dataKey, claim.oneTimeKey, ctx);
  return { ...base, keyHash: secret.keyHash, keyProof: secret.keyProof, ephemeralX: ephemeral.x, ephemeralY: ephemeral.y, maskedKey, payload };
}
