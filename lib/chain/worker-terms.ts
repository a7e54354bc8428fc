/**
 * A worker's serving terms, published on-chain in its registration's metadata CID as an inline (identity-hash) CID:
 * anyone reads them from the CID itself, with no store to reach. Requesters use them to say why a job is not
 * taken (lib/requester/stall.ts). The worker re-registers when its terms change.
 */
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { identity } from "multiformats/hashes/identity";

export interface WorkerTerms {
  v: 1;
  kind: "v-oblivion/worker-terms";
  /** Model ids served; empty: every model. */
  models: string[];
  minPriceWei: string;
  maxCollateralMultiple: string;
  acceptUnvetted: boolean;
  /** The worker's own metadata document (worker:init), if any. */
  document?: string;
}

export function termsCid(t: WorkerTerms): string {
  return CID.createV1(raw.code, identity.digest(new TextEncoder().encode(JSON.stringify(t)))).toString();
}

/** The terms inside a metadata CID, or undefined when it is not an inline terms CID (older workers, other software). */
export function readTerms(metadataCid: string): WorkerTerms | undefined {
  try {
    const cid = CID.parse(metadataCid);
    if (cid.multihash.code !== identity.code) return undefined;
    const t = JSON.parse(new TextDecoder().decode(cid.multihash.digest)) as WorkerTerms;
    if (t?.kind !== "v-oblivion/worker-terms" || !Array.isArray(t.models)) return undefined;
    BigInt(t.minPriceWei);
    BigInt(t.maxCollateralMultiple);
    return t;
  } catch {
    return undefined;
  }
}
