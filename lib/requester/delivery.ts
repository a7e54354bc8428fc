/**
 * Results back to the requester across machines. A worker stores its sealed result (encrypted with the shard's data
 * key) in its own store and uploads it to the content endpoints the requester published in the release, with no
 * upload token: it signs the result's CID for its current claim instead (`X-Oblivion-Claim`), and the requester's
 * content server accepts exactly the uploads of its own jobs' current claimants (`claimantUploads`).
 */
import { verifyMessage, type Signer } from "ethers";
import type { JobBook } from "../chain/jobbook";
import { computeCid, KUBO_CIDV1, parseEndpoint, type ImportProfile } from "../storage";
import type { UploadRequest } from "../storage/server";

export const CLAIM_HEADER = "x-oblivion-claim";
/** Uploads one claim may make (retries of a lost answer), and the largest result accepted. */
const UPLOADS_PER_CLAIM = 4;
export const MAX_RESULT_BYTES = 16 * 1024 * 1024;

export interface ClaimUpload {
  chainId: bigint;
  core: string;
  jobId: bigint;
  shardIndex: number;
  claimNonce: bigint;
  cid: string;
}

/** What the claimant signs (EIP-191): chain, core, claim and the exact content. */
export function resultUploadMessage(u: ClaimUpload): string {
  return `V-Oblivion result upload\nchain ${u.chainId}\ncore ${u.core.toLowerCase()}\njob ${u.jobId}\nshard ${u.shardIndex}\nclaim ${u.claimNonce}\ncid ${u.cid}`;
}

/** The header value: `<job>:<shard>:<claim nonce>:<signature>`. */
export async function signResultUpload(signer: Signer, u: ClaimUpload): Promise<string> {
  return `${u.jobId}:${u.shardIndex}:${u.claimNonce}:${await signer.signMessage(resultUploadMessage(u))}`;
}

/**
 * The content server's upload hook for a requester: an upload is accepted when its header is signed by the current
 * claimant of a shard of one of `requester`'s jobs, for that claim and that CID, at most a few times per claim.
 */
export function claimantUploads(book: JobBook, requester: string, chainId: bigint, core: string): (u: UploadRequest) => boolean {
  const uses = new Map<string, number>();
  return (u) => {
    const header = u.headers[CLAIM_HEADER];
    const m = typeof header === "string" ? /^(\d+):(\d+):(\d+):(0x[0-9a-fA-F]{130})$/.exec(header) : null;
    if (!m || u.size > MAX_RESULT_BYTES) return false;
    const [jobId, shardIndex, claimNonce] = [BigInt(m[1]), Number(m[2]), BigInt(m[3])];
    const job = book.jobs.get(jobId);
    const shard = job && shardIndex < job.shardCount ? job.shard(shardIndex) : undefined;
    if (!job || job.requester !== requester.toLowerCase() || !shard || shard.state !== "claimed" || shard.claimNonce !== claimNonce) return false;
    let signer: string;
    try {
      signer = verifyMessage(resultUploadMessage({ chainId, core, jobId, shardIndex, claimNonce, cid: u.cid }), m[4]);
    } catch {
      return false;
    }
    if (signer.toLowerCase() !== shard.worker) return false;
    const key = `${jobId}:${shardIndex}:${claimNonce}`;
    const n = uses.get(key) ?? 0;
    if (n >= UPLOADS_PER_CLAIM) return false;
    uses.set(key, n + 1);
    return true;
  };
}

export interface Delivery {
  delivered: string[];
  failed: { endpoint: string; reason: string }[];
}

/** Uploads the sealed result to each endpoint (Kubo's add, as the content server speaks it); checks the CID it reports. */
export async function deliverResult(
  endpoints: readonly string[],
  bytes: Uint8Array,
  claimHeader: string,
  o: { timeoutMs?: number; signal?: AbortSignal; profile?: ImportProfile } = {},
): Promise<Delivery> {
  const p = o.profile ?? KUBO_CIDV1;
  const cid = await computeCid(bytes, p);
  const out: Delivery = { delivered: [], failed: [] };
  for (const spec of endpoints) {
    let ep;
    try {
      ep = parseEndpoint(spec);
    } catch (err) {
      out.failed.push({ endpoint: spec, reason: (err as Error).message });
      continue;
    }
    const form = new FormData();
    form.append("file", new Blob([bytes]), cid);
    const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
    try {
      const res = await fetch(`${ep.url}/api/v0/add?cid-version=${p.cidVersion}&raw-leaves=${p.rawLeaves}&chunker=size-${p.chunkSize}&pin=true`, {
        method: "POST",
        body: form,
        headers: { [CLAIM_HEADER]: claimHeader },
        signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200).trim()}`);
      const hash = (JSON.parse(text.trim().split("\n")[0]) as { Hash?: string }).Hash;
      if (hash !== cid) throw new Error(`stored it as ${hash}, not ${cid}`);
      out.delivered.push(ep.spec);
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      const e = err as Error & { cause?: Error };
      out.failed.push({ endpoint: ep.spec, reason: timeout.aborted ? "no answer in time" : `${e.message}${e.cause?.message ? ` (${e.cause.message})` : ""}` });
    }
  }
  return out;
}
