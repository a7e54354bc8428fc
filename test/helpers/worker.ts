/**
 * A real reference Worker for FHE and policy tests, without compute or storage: it never gets a key release, so a
 * claimed shard is abandoned at once. Its JSON log records are captured for the test to read.
 */
import { PassThrough } from "node:stream";
import { parseEther, type Wallet } from "ethers";
import type { ContentStore } from "../../lib/storage";
import { createLogger } from "../../lib/util/log";
import type { PrivacyGateway } from "../../typechain-types";
import type { ShardCompute } from "../../worker/compute";
import type { WorkerConfig } from "../../worker/config";
import { Worker } from "../../worker/worker";
import type { Env } from "./protocol";

/** A JSON logger whose records the test reads back. */
export function capture() {
  const out = new PassThrough();
  const records: { msg: string; [k: string]: unknown }[] = [];
  out.on("data", (b: Buffer) => b.toString().split("\n").filter(Boolean).forEach((l) => records.push(JSON.parse(l))));
  return { log: createLogger({ source: "test", json: true, out }), records };
}

/** Key release never comes here: a claimed shard is left at once (leaveClaim), before any compute. */
export const TEST_WORKER_CONFIG: WorkerConfig = {
  rpcUrl: "http://127.0.0.1:1", privateKey: "0x" + "11".repeat(32), network: "hardhat", models: [], concurrency: 1,
  executionProvider: "cpu", minPriceWei: 0n, maxCollateralMultiple: 10n, stakeWei: parseEther("1"), withdrawThresholdWei: parseEther("1000"),
  encryptionKeyFile: "", metadataCid: "bafkqaaa", pollMs: 100, releaseTimeoutMs: 0, contentBackoffMs: 600_000, keeperDuty: false, artifactsDir: "",
  fetchTimeoutMs: 2_000, txMarginMs: 2_000, timingMargin: 2,
  json: true, abandonRate: 0, acceptUnvettedVerifiers: false, acceptDevSetup: false,
  eligibility: { allow: [], deny: [], maxPerRequester: 3, maxPerWindow: 12, windowSeconds: 86_400 },
};

const NO_COMPUTE: ShardCompute = {
  prepare: () => Promise.resolve({ batch: 1, inputSize: 1, witnessMs: 0, proveMs: 0 }),
  witness: () => Promise.reject(new Error("compute must not run")),
  run: () => Promise.reject(new Error("compute must not run: the shard has no key release")),
  close: () => Promise.resolve(),
} as unknown as ShardCompute;

/** A Worker for `signer` over `env` (and `gateway` for gated jobs), with `over` on top of the test config. */
export function testWorker(env: Env, signer: Env["worker"], gateway?: PrivacyGateway, over: Partial<WorkerConfig> = {}) {
  const { log, records } = capture();
  const worker = new Worker({ ...TEST_WORKER_CONFIG, ...over }, {
    wallet: signer as unknown as Wallet,
    contracts: { ...env, core: env.core },
    store: {} as ContentStore,
    compute: NO_COMPUTE,
    encryption: { publicKey: new Uint8Array(33), privateKey: new Uint8Array(32) },
    log,
    gateway,
  });
  return { worker, records };
}
