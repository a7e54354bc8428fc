/**
 * `worker:init`: everything a GPU owner needs before `worker:run`, in one step: the encryption key file (shards are
 * wrapped to its public key), a metadata document in the content store (its CID is registered on-chain), and a
 * config file that `worker:run --worker-config` reads. The account key is never written: it stays in
 * OBLIVION_PRIVATE_KEY.
 */
import fs from "node:fs";
import path from "node:path";
import { loadOrCreateWorkerKey } from "../lib/crypto";
import type { ContentStore } from "../lib/storage";
import { encodeJson } from "../lib/requester/shard";
import { oblivionHome } from "../lib/util/home";
import type { ExecutionProvider } from "./config";

export interface WorkerInitOptions {
  out: string;
  /** Default: `$OBLIVION_HOME/workers/<config name>/key.json` (never beside the config: not in a checkout). */
  keyFile?: string;
  /** Local state root; default $OBLIVION_HOME (lib/util/home.ts). */
  home?: string;
  name: string;
  models: bigint[];
  concurrency: number;
  executionProvider: ExecutionProvider;
  rpcUrl?: string;
  network: string;
  force?: boolean;
}

/** The public document a worker's metadata CID names. */
export interface WorkerMetadata {
  version: 1;
  kind: "v-oblivion/worker";
  name: string;
  encryptionPublicKey: string;
  models: string[];
  executionProvider: ExecutionProvider;
  concurrency: number;
  createdAt: string;
}

/** Where a worker's key and artifact cache live by default: its own folder under the home, named after its config. */
export function workerStateDir(configFile: string, home = oblivionHome()): string {
  return path.join(home, "workers", path.basename(configFile).replace(/\.json$/i, ""));
}

export async function initWorker(o: WorkerInitOptions, store: ContentStore): Promise<{ config: string; keyFile: string; keyCreated: boolean; metadataCid: string; publicKey: string; artifactsDir: string }> {
  const out = path.resolve(o.out);
  if (fs.existsSync(out) && !o.force) throw new Error(`--out: ${o.out} exists (pass --force to overwrite it)`);
  const state = workerStateDir(out, o.home);
  const keyFile = path.resolve(o.keyFile ?? path.join(state, "key.json"));
  const keyCreated = !fs.existsSync(keyFile);
  fs.mkdirSync(path.dirname(keyFile), { recursive: true });
  const key = loadOrCreateWorkerKey(keyFile);
  const publicKey = "0x" + Buffer.from(key.publicKey).toString("hex");
  const meta: WorkerMetadata = {
    version: 1,
    kind: "v-oblivion/worker",
    name: o.name,
    encryptionPublicKey: publicKey,
    models: o.models.map(String),
    executionProvider: o.executionProvider,
    concurrency: o.concurrency,
    createdAt: new Date().toISOString(),
  };
  const metadataCid = await store.put(encodeJson(meta));
  const config = {
    network: o.network,
    ...(o.rpcUrl ? { rpcUrl: o.rpcUrl } : {}),
    models: o.models.map(String),
    concurrency: o.concurrency,
    executionProvider: o.executionProvider,
    encryptionKeyFile: keyFile,
    metadataCid,
    artifactsDir: path.join(state, "artifacts"),
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(config, null, 2) + "\n");
  return { config: out, keyFile, keyCreated, metadataCid, publicKey, artifactsDir: config.artifactsDir };
}
