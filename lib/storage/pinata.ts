/**
 * Content store on Pinata: uploads and pins through the `pinata` SDK (v3 API: POST {uploadUrl}/files,
 * GET {apiUrl}/files/public?cid=, POST {apiUrl}/files/public/pin_by_cid), reads through an IPFS gateway
 * (GET {gatewayUrl}/ipfs/{cid}). Reads use fetch, not the SDK: the SDK decodes gateway answers by content type
 * (JSON, text, blob) and forces https, while we need the exact bytes to check them against the CID.
 */
import { PinataSDK } from "pinata";
import type { ContentStore } from "./content-store";
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
}

const KIND = "pinata";

function backendError(err: unknown, what: string): StorageBackendError {
  return new StorageBackendError(KIND, `${what} failed: ${(err as Error)?.message ?? String(err)}`);
}

export class PinataContentStore implements ContentStore {
  readonly kind = KIND;
  readonly profile: ImportProfile;
  private readonly sdk: PinataSDK;
  private readonly gatewayUrl: string;
  private readonly gatewayToken?: string;

  constructor(opts: PinataStoreOptions) {
    this.profile = opts.profile ?? KUBO_CIDV1;
    this.gatewayUrl = opts.gatewayUrl.replace(/\/+$/, "");
    this.gatewayToken = opts.gatewayToken;
    this.sdk = new PinataSDK({ pinataJwt: opts.jwt, endpointUrl: opts.apiUrl, uploadUrl: opts.uploadUrl });
  }

  async put(bytes: Uint8Array): Promise<string> {
    return uploadWithCidCheck(bytes, this.profile, KIND, async (name) => {
      try {
        const res = await this.sdk.upload.public.file(new File([bytes], name, { type: "application/octet-stream" }));
        return res.cid;
      } catch (err) {
        throw backendError(err, "upload");
      }
    });
  }

  async get(cid: string): Promise<Uint8Array> {
    parseCid(cid);
    const url = new URL(`${this.gatewayUrl}/ipfs/${cid}`);
    if (this.gatewayToken) url.searchParams.set("pinataGatewayToken", this.gatewayToken);
    let res: Response;
    try {
      res = await fetch(url);
    } catch (err) {
      throw backendError(err, "gateway fetch");
    }
    if (res.status === 404) throw new ContentNotFoundError(cid, KIND, await res.text());
    if (!res.ok) throw new StorageBackendError(KIND, `gateway answered ${res.status}: ${await res.text()}`);
    return verifyContent(cid, new Uint8Array(await res.arrayBuffer()), this.profile, KIND);
  }

  async has(cid: string): Promise<boolean> {
    const want = parseCid(cid).toString();
    try {
      const page = await this.sdk.files.public.list().cid(want);
      return page.files.some((f) => f.cid === want);
    } catch (err) {
      throw backendError(err, "list files");
    }
  }

  async pin(cid: string): Promise<void> {
    parseCid(cid);
    try {
      await this.sdk.upload.public.cid(cid);
    } catch (err) {
      throw backendError(err, "pin by CID");
    }
  }

  async close(): Promise<void> {
    // Stateless HTTP client: nothing to release.
  }
}
