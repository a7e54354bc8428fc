/**
 * Worker configuration: a JSON file, then OBLIVION_* environment variables on top, then validation. Every bad
 * value is a one-line error naming the field.
 */
import fs from "node:fs";
import path from "node:path";
import { isHexString, parseEther } from "ethers";
import { oblivionHome } from "../lib/util/home";
import { ELIGIBILITY_DEFAULTS, ELIGIBILITY_ENV, parseEligibilityPolicy, type EligibilityPolicyConfig } from "./eligibility-policy";

export type ExecutionProvider = "cpu" | "cuda";

export interface WorkerConfig {
  /** JSON-RPC endpoint of the settlement chain. */
  rpcUrl: string;
  /** The worker's account key (0x + 64 hex). */
  privateKey: string;
  /** Network name for deployments/<network>.json. */
  network: string;
  /** Model ids served; empty serves every model. */
  models: bigint[];
  /** Shards worked on at once (claim, compute, prove, submit). */
  concurrency: number;
  executionProvider: ExecutionProvider;
  /** Lowest price per shard accepted, in wei. */
  minPriceWei: bigint;
  /** Highest collateral accepted, as a whole multiple of the shard's price (F-01: what a claim can cost). */
  maxCollateralMultiple: bigint;
  /** Stake the worker keeps topped up to on start, in wei. */
  stakeWei: bigint;
  /** Pull balance above which earnings are withdrawn, in wei. */
  withdrawThresholdWei: bigint;
  /** File holding the worker's secp256k1 encryption key (created 0600 when missing). */
  encryptionKeyFile: string;
  /** Metadata CID registered on-chain (hardware, contact). */
  metadataCid: string;
  /** Chain poll interval in ms. */
  pollMs: number;
  /** How long to wait for the requester's key release after a claim before leaving the shard, in ms. */
  releaseTimeoutMs: number;
  /** After a job's content could not be fetched from any source, how long its shards are not claimed again, in ms. */
  contentBackoffMs: number;
  /** How long one read of a shard package may take before it is retried, in ms; with txMarginMs and the model's
   *  witness time it sets the shortest inspection window (claimWindow / 4) the worker accepts. */
  fetchTimeoutMs: number;
  /** Time kept for a transaction (leave, submission) to be mined before its on-chain end, in ms. */
  txMarginMs: number;
  /** Safety factor on this machine's measured shard time when deciding whether a claim window fits. */
  timingMargin: number;
  /** Reclaim others' expired claims in idle time. */
  keeperDuty: boolean;
  /** Where downloaded model artifacts are cached. */
  artifactsDir: string;
  /** One JSON object per log line. */
  json: boolean;
  /** For demos and fault tests only: "stall" claims shards and never submits. */
  misbehave?: "stall";
  /** For load tests only: the fraction of claims left to expire on purpose (0 for real workers). */
  abandonRate: number;
  /** Claim jobs whose verifier the registry did not deploy (its owner could make it reject every proof). */
  acceptUnvettedVerifiers: boolean;
  /** On a chain that is not a local development chain, serve DEV-setup models (their owner can forge proofs). */
  acceptDevSetup: boolean;
  /** Which gated jobs to answer eligibility for (worker/eligibility-policy.ts). */
  eligibility: EligibilityPolicyConfig;
}

type Raw = Record<string, unknown>;

const DEFAULTS: Raw = {
  rpcUrl: "http://127.0.0.1:8545",
  network: "localhost",
  models: [],
  concurrency: 1,
  executionProvider: "cpu",
  minPriceWei: "0",
  maxCollateralMultiple: "10",
  stakeWei: parseEther("1").toString(),
  withdrawThresholdWei: parseEther("0.05").toString(),
  encryptionKeyFile: path.join(oblivionHome(), "worker-key.json"),
  metadataCid: "bafkqaaa",
  pollMs: 1000,
  releaseTimeoutMs: 60_000,
  contentBackoffMs: 600_000,
  fetchTimeoutMs: 6_000,
  txMarginMs: 4_000,
  timingMargin: 1.5,
  keeperDuty: true,
  artifactsDir: path.join(oblivionHome(), "artifacts"),
  json: false,
  abandonRate: 0,
  acceptUnvettedVerifiers: false,
  acceptDevSetup: false,
  ...ELIGIBILITY_DEFAULTS,
};

const ENV: Record<string, string> = {
  OBLIVION_RPC_URL: "rpcUrl",
  OBLIVION_PRIVATE_KEY: "privateKey",
  OBLIVION_NETWORK: "network",
  OBLIVION_MODELS: "models",
  OBLIVION_CONCURRENCY: "concurrency",
  OBLIVION_EXECUTION_PROVIDER: "executionProvider",
  OBLIVION_MIN_PRICE_WEI: "minPriceWei",
  OBLIVION_MAX_COLLATERAL_MULTIPLE: "maxCollateralMultiple",
  OBLIVION_STAKE_WEI: "stakeWei",
  OBLIVION_WITHDRAW_THRESHOLD_WEI: "withdrawThresholdWei",
  OBLIVION_ENCRYPTION_KEY_FILE: "encryptionKeyFile",
  OBLIVION_POLL_MS: "pollMs",
  OBLIVION_RELEASE_TIMEOUT_MS: "releaseTimeoutMs",
  OBLIVION_CONTENT_BACKOFF_MS: "contentBackoffMs",
  OBLIVION_FETCH_TIMEOUT_MS: "fetchTimeoutMs",
  OBLIVION_TX_MARGIN_MS: "txMarginMs",
  OBLIVION_TIMING_MARGIN: "timingMargin",
  OBLIVION_KEEPER_DUTY: "keeperDuty",
  OBLIVION_ARTIFACTS_DIR: "artifactsDir",
  OBLIVION_JSON: "json",
  OBLIVION_MISBEHAVE: "misbehave",
  OBLIVION_ABANDON_RATE: "abandonRate",
  OBLIVION_ACCEPT_UNVETTED_VERIFIERS: "acceptUnvettedVerifiers",
  OBLIVION_ACCEPT_DEV_SETUP: "acceptDevSetup",
  ...ELIGIBILITY_ENV,
};

export class WorkerConfigError extends Error {
  constructor(field: string, problem: string) {
    super(`worker config: ${field} ${problem}`);
    this.name = "WorkerConfigError";
  }
}

function wei(field: string, v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if ((typeof v === "string" && /^\d+$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  throw new WorkerConfigError(field, `must be a whole number of wei, got ${JSON.stringify(v)}`);
}

function int(field: string, v: unknown, min: number, max: number): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new WorkerConfigError(field, `must be a whole number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return n;
}

function rate(field: string, v: unknown): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !(n >= 0 && n <= 1)) throw new WorkerConfigError(field, `must be a number in [0, 1], got ${JSON.stringify(v)}`);
  return n;
}

function factor(field: string, v: unknown): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !(n >= 1 && n <= 100)) throw new WorkerConfigError(field, `must be a number in [1, 100], got ${JSON.stringify(v)}`);
  return n;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new WorkerConfigError(field, `must be true or false, got ${JSON.stringify(v)}`);
}

/** Reads the file (if given), applies the environment, validates. */
export function loadWorkerConfig(file?: string, env: NodeJS.ProcessEnv = process.env, overrides: Raw = {}): WorkerConfig {
  let fromFile: Raw = {};
  if (file) {
    if (!fs.existsSync(file)) throw new WorkerConfigError("file", `${file} does not exist`);
    try {
      fromFile = JSON.parse(fs.readFileSync(file, "utf8")) as Raw;
    } catch (err) {
      throw new WorkerConfigError("file", `${file} is not valid JSON (${(err as Error).message})`);
    }
  }
  const fromEnv: Raw = {};
  for (const [k, field] of Object.entries(ENV)) if (env[k] !== undefined && env[k] !== "") fromEnv[field] = env[k];
  const raw: Raw = { ...DEFAULTS, ...fromFile, ...fromEnv, ...overrides };
  for (const k of Object.keys(raw)) if (!(k in DEFAULTS) && k !== "privateKey" && k !== "misbehave") {
    throw new WorkerConfigError(k, "is not a known setting");
  }

  const privateKey = raw.privateKey;
  if (typeof privateKey !== "string" || !isHexString(privateKey, 32)) {
    throw new WorkerConfigError("privateKey", "must be 0x followed by 64 hex digits (set OBLIVION_PRIVATE_KEY)");
  }
  const rpcUrl = String(raw.rpcUrl);
  if (!/^https?:\/\//.test(rpcUrl)) throw new WorkerConfigError("rpcUrl", `must be an http(s) URL, got ${rpcUrl}`);
  const modelsRaw = typeof raw.models === "string" ? raw.models.split(",").filter(Boolean) : raw.models;
  if (!Array.isArray(modelsRaw)) throw new WorkerConfigError("models", "must be a list of model ids");
  const models = modelsRaw.map((m) => wei("models", typeof m === "string" ? m.trim() : m));
  const ep = raw.executionProvider;
  if (ep !== "cpu" && ep !== "cuda") throw new WorkerConfigError("executionProvider", `must be cpu or cuda, got ${JSON.stringify(ep)}`);
  const misbehave = raw.misbehave;
  if (misbehave !== undefined && misbehave !== "stall") throw new WorkerConfigError("misbehave", `can only be "stall"`);

  return {
    rpcUrl,
    privateKey,
    network: String(raw.network),
    models,
    concurrency: int("concurrency", raw.concurrency, 1, 64),
    executionProvider: ep,
    minPriceWei: wei("minPriceWei", raw.minPriceWei),
    maxCollateralMultiple: BigInt(int("maxCollateralMultiple", raw.maxCollateralMultiple, 0, 1_000_000)),
    stakeWei: wei("stakeWei", raw.stakeWei),
    withdrawThresholdWei: wei("withdrawThresholdWei", raw.withdrawThresholdWei),
    encryptionKeyFile: path.resolve(String(raw.encryptionKeyFile)),
    metadataCid: String(raw.metadataCid),
    pollMs: int("pollMs", raw.pollMs, 50, 600_000),
    releaseTimeoutMs: int("releaseTimeoutMs", raw.releaseTimeoutMs, 100, 3_600_000),
    contentBackoffMs: int("contentBackoffMs", raw.contentBackoffMs, 0, 86_400_000),
    fetchTimeoutMs: int("fetchTimeoutMs", raw.fetchTimeoutMs, 100, 600_000),
    txMarginMs: int("txMarginMs", raw.txMarginMs, 0, 600_000),
    timingMargin: factor("timingMargin", raw.timingMargin),
    keeperDuty: bool("keeperDuty", raw.keeperDuty),
    artifactsDir: path.resolve(String(raw.artifactsDir)),
    json: bool("json", raw.json),
    misbehave,
    abandonRate: rate("abandonRate", raw.abandonRate),
    acceptUnvettedVerifiers: bool("acceptUnvettedVerifiers", raw.acceptUnvettedVerifiers),
    acceptDevSetup: bool("acceptDevSetup", raw.acceptDevSetup),
    eligibility: parseEligibilityPolicy(raw, (field, problem) => {
      throw new WorkerConfigError(field, problem);
    }),
  };
}
