/**
 * Content store on Pinata: uploads and pins through the `pinata` SDK (v3 API: POST {uploadUrl}/files,
 * GET {apiUrl}/files/public?cid=, POST {apiUrl}/files/public/pin_by_cid), reads through an IPFS gateway
 * (GET {gatewayUrl}/ipfs/{cid}). Reads use fetch, not the SDK: the SDK decodes gateway answers by content type
 * (JSON, text, blob) and forces https, while we need the exact bytes to check them against the CID.
 */
import type { PinataSDK } from "pinata";
import type { ContentStore, ReadOptions } from "./content-store";
import { KUBO_CIDV1, parseCid, uploadWithCidCheck, verifyContent, type ImportProfile } from "./cid";
import { ContentNotFoundError, StorageBackendError } from "./errors";

export interface PinataStoreOptions {
  /** API key (JWT) of the Pinata account. */
  jwt: string;
  /** Gateway base, e.g. https://example.mypinata.cloud (the /ipfs/<cid> path is appended). */
  gatewayUrl: string;
  /** API base; default https://api.pinata.cloud/v3. */
  apiUrl?: string;
  /** Upload base; default https://uploads.pinata.cloud/v3. */
  uploadUrl?: string;
  /** Access token of a dedicated gateway, sent as ?pinataGatewayToken=. */
  gatewayToken?: string;
  profile?: ImportProfile;
  /** Per-request timeout of gateway reads and API calls, ms (default 30 000). */
  timeoutMs?: number;
}

const KIND = "pinata";

/** The SDK's calls take no timeout or signal: each is raced against the store's timeout instead. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function backendError(err: unknown, what: string): StorageBackendError {
  return new StorageBackendError(KIND, `${what} failed: ${(err as Error)?.message ?? String(err)}`);
}

export class PinataContentStore implements ContentStore {
  readonly kind = KIND;
  readonly profile: ImportProfile;
  private readonly sdk: PinataSDK;
  private readonly gatewayUrl: string;
  private readonly gatewayToken?: string;
  private readonly timeoutMs: number;

  constructor(opts: PinataStoreOptions) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.profile = opts.profile ?? KUBO_CIDV1;
    this.gatewayUrl = opts.gatewayUrl.replace(/\/+$/, "");
    this.gatewayToken = opts.gatewayToken;
    // required here, not at the top, as the Kubo client (lib/storage/kubo.ts)
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { PinataSDK: Sdk } = require("pinata") as typeof import("pinata");
    this.sdk = new Sdk({ pinataJwt: opts.jwt, endpointUrl: opts.apiUrl, uploadUrl: opts.uploadUrl });
  }

  async put(bytes: Uint8Array): Promise<string> {
    return uploadWithCidCheck(bytes, this.profile, KIND, async (name) => {
      try {
        const res = await bounded(Promise.resolve(this.sdk.upload.public.file(new File([bytes], name, { type: "application/octet-stream" }))), this.timeoutMs, "upload");
        return res.cid;
      } catch (err) {
        throw backendError(err, "upload");
      }
    });
  }

  async get(cid: string, opts: ReadOptions = {}): Promise<Uint8Array> {
    parseCid(cid);
    const url = new URL(`${this.gatewayUrl}/ipfs/${cid}`);
    if (this.gatewayToken) url.searchParams.set("pinataGatewayToken", this.gatewayToken);
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(url, { signal });
      if (res.status === 404) throw new ContentNotFoundError(cid, KIND, await res.text());
      if (!res.ok) throw new StorageBackendError(KIND, `gateway ${this.gatewayUrl} answered ${res.status}: ${await res.text()}`);
      return verifyContent(cid, new Uint8Array(await res.arrayBuffer()), this.profile, KIND);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (err instanceof ContentNotFoundError || err instanceof StorageBackendError || (err as Error).name === "CidMismatchError") throw err;
      throw backendError(err, `gateway fetch from ${this.gatewayUrl}`);
    }
  }

  async has(cid: string): Promise<boolean> {
    const want = parseCid(cid).toString();
    try {
      const page = await bounded(Promise.resolve(this.sdk.files.public.list().cid(want)), this.timeoutMs, "list files");
      return page.files.some((f) => f.cid === want);
    } catch (err) {
      throw backendError(err, "list files");
    }
  }

  async pin(cid: string): Promise<void> {
    parseCid(cid);
    try {
      await bounded(Promise.resolve(this.sdk.upload.public.cid(cid)), this.timeoutMs, "pin by CID");
    } catch (err) {
      throw backendError(err, "pin by CID");
    }
  }

  async close(): Promise<void> {
    // Stateless HTTP client: nothing to release.
  }
}
