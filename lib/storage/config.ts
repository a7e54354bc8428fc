/**
 * Which content store a process uses, from a config object and the environment (the object wins):
 *   OBLIVION_STORE       embedded (default) | kubo | pinata
 *   OBLIVION_STORE_DIR   embedded block directory, default $OBLIVION_HOME/ipfs (shared by all local processes)
 *   OBLIVION_KUBO_URL    Kubo RPC API, default http://127.0.0.1:5001
 *   OBLIVION_KUBO_TOKEN  sent to it as Authorization: Bearer (Kubo's API.Authorizations, or a content server's token)
 *   OBLIVION_STORE_TIMEOUT_MS  per request to any remote store or endpoint (default 30000)
 *   OBLIVION_GATEWAYS    endpoints reads fall back to (trustless gateways, kubo+http://… RPC APIs), comma-separated
 *   PINATA_JWT, PINATA_GATEWAY_URL (required for pinata), PINATA_API_URL, PINATA_UPLOAD_URL, PINATA_GATEWAY_TOKEN
 */
import path from "node:path";
import { oblivionHome } from "../util/home";
import type { ContentStore } from "./content-store";
import { KUBO_CIDV1, type ImportProfile } from "./cid";
import { EmbeddedContentStore } from "./embedded";
import { StorageConfigError } from "./errors";
import { KuboContentStore } from "./kubo";
import { PinataContentStore, type PinataStoreOptions } from "./pinata";
import { parseEndpointList } from "./remote";
import { SourcedContentStore } from "./sourced";

export const STORE_KINDS = ["embedded", "kubo", "pinata"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface StorageConfig {
  kind: StoreKind;
  profile: ImportProfile;
  embedded: { dir: string };
  kubo: { url: string; token?: string };
  pinata?: PinataStoreOptions;
  /** Per request to a remote store or endpoint, ms. */
  timeoutMs: number;
  /** Endpoints reads fall back to (createReadingStore). */
  gateways: string[];
}

export interface StorageConfigInput {
  kind?: StoreKind;
  profile?: ImportProfile;
  embedded?: { dir?: string };
  kubo?: { url?: string; token?: string };
  pinata?: Partial<PinataStoreOptions>;
  timeoutMs?: number;
  gateways?: string[];
}

export const DEFAULT_STORE_TIMEOUT_MS = 30_000;

const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const DEFAULT_STORE_DIR = path.join(oblivionHome({}), "ipfs");
export const DEFAULT_KUBO_URL = "http://127.0.0.1:5001";

function pinataConfig(input: Partial<PinataStoreOptions> | undefined, env: NodeJS.ProcessEnv): PinataStoreOptions {
  const jwt = input?.jwt ?? env.PINATA_JWT;
  const gatewayUrl = input?.gatewayUrl ?? env.PINATA_GATEWAY_URL;
  if (!jwt) throw new StorageConfigError("pinata store needs a JWT (config pinata.jwt or env PINATA_JWT)");
  if (!gatewayUrl) {
    throw new StorageConfigError("pinata store needs a gateway URL (config pinata.gatewayUrl or env PINATA_GATEWAY_URL)");
  }
  return {
    jwt,
    gatewayUrl,
    apiUrl: input?.apiUrl ?? env.PINATA_API_URL,
    uploadUrl: input?.uploadUrl ?? env.PINATA_UPLOAD_URL,
    gatewayToken: input?.gatewayToken ?? env.PINATA_GATEWAY_TOKEN,
  };
}

function checkProfile(p: ImportProfile): ImportProfile {
  if (p.cidVersion !== 0 && p.cidVersion !== 1) throw new StorageConfigError(`cidVersion must be 0 or 1, got ${p.cidVersion}`);
  if (p.cidVersion === 0 && p.rawLeaves) throw new StorageConfigError("CIDv0 cannot have raw leaves");
  if (!Number.isInteger(p.chunkSize) || p.chunkSize < 1 || p.chunkSize > 1_048_576) {
    throw new StorageConfigError(`chunkSize must be an integer in [1, 1048576], got ${p.chunkSize}`);
  }
  if (!Number.isInteger(p.maxLinks) || p.maxLinks < 2) {
    throw new StorageConfigError(`maxLinks must be an integer of at least 2, got ${p.maxLinks}`);
  }
  return p;
}

/** Resolves the full configuration; throws StorageConfigError on an unknown kind or missing settings. */
export function resolveStorageConfig(input: StorageConfigInput = {}, env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const kind = input.kind ?? ((env.OBLIVION_STORE || "embedded") as StoreKind);
  if (!STORE_KINDS.includes(kind)) {
    throw new StorageConfigError(`unknown store kind ${JSON.stringify(kind)}; expected one of ${STORE_KINDS.join(", ")}`);
  }
  const timeoutMs = input.timeoutMs ?? (env.OBLIVION_STORE_TIMEOUT_MS ? Number(env.OBLIVION_STORE_TIMEOUT_MS) : DEFAULT_STORE_TIMEOUT_MS);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 3_600_000) {
    throw new StorageConfigError(`store timeout must be a whole number of ms in [100, 3600000], got ${input.timeoutMs ?? env.OBLIVION_STORE_TIMEOUT_MS} (OBLIVION_STORE_TIMEOUT_MS)`);
  }
  return {
    kind,
    profile: checkProfile(input.profile ?? KUBO_CIDV1),
    embedded: { dir: path.resolve(input.embedded?.dir ?? env.OBLIVION_STORE_DIR ?? path.join(oblivionHome(env), "ipfs")) },
    kubo: { url: input.kubo?.url ?? env.OBLIVION_KUBO_URL ?? DEFAULT_KUBO_URL, token: input.kubo?.token ?? (env.OBLIVION_KUBO_TOKEN || undefined) },
    pinata: kind === "pinata" ? { ...pinataConfig(input.pinata, env), timeoutMs } : undefined,
    timeoutMs,
    gateways: input.gateways ?? parseEndpointList(env.OBLIVION_GATEWAYS),
  };
}

/** The content store the configuration names. */
export function createContentStore(input: StorageConfigInput = {}, env: NodeJS.ProcessEnv = process.env): ContentStore {
  const cfg = resolveStorageConfig(input, env);
  switch (cfg.kind) {
    case "embedded":
      return new EmbeddedContentStore({ dir: cfg.embedded.dir, profile: cfg.profile });
    case "kubo":
      return new KuboContentStore({ url: cfg.kubo.url, token: cfg.kubo.token, timeoutMs: cfg.timeoutMs, profile: cfg.profile });
    case "pinata":
      return new PinataContentStore({ ...(cfg.pinata as PinataStoreOptions), profile: cfg.profile });
  }
}

/**
 * The configured store, reading also from remote endpoints: those a read names (a job's published content
 * endpoints), then OBLIVION_GATEWAYS, then endpoints earlier reads named. What a worker on another machine uses.
 */
export function createReadingStore(input: StorageConfigInput = {}, env: NodeJS.ProcessEnv = process.env): SourcedContentStore {
  const cfg = resolveStorageConfig(input, env);
  return new SourcedContentStore(createContentStore(input, env), { endpoints: cfg.gateways, timeoutMs: cfg.timeoutMs, profile: cfg.profile });
}
