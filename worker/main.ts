/** Process entry of the worker: configuration, connections, keys, then the run loop until SIGINT/SIGTERM. */
import { attach, deploymentIdentity, readDeployment, readLiveDeployment } from "../lib/chain/deployments";
import { ChainWatch } from "../lib/chain/watch";
import { connectRpc, walletFor } from "../lib/chain/connect";
import { loadOrCreateWorkerKey } from "../lib/crypto";
import { createContentStore } from "../lib/storage";
import { findFheDeployment } from "../lib/fhe/cli";
import { PrivacyGateway__factory } from "../typechain-types";
import { createLogger } from "../lib/util/log";
import { loadWorkerConfig } from "./config";
import { ProverCompute } from "./prover-compute";
import { resolveProvider } from "../lib/runtime/onnx";
import { Worker } from "./worker";

export interface WorkerProcessOptions {
  configFile?: string;
  /** Defaults taken from the Hardhat network when the config does not say otherwise. */
  network: string;
  rpcUrl?: string;
  json?: boolean;
}

export async function runWorkerProcess(o: WorkerProcessOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (o.json) overrides.json = true;
  const cfg = loadWorkerConfig(o.configFile, { OBLIVION_NETWORK: o.network, OBLIVION_RPC_URL: o.rpcUrl, ...process.env }, overrides);
  const log = createLogger({ source: `worker ${cfg.privateKey ? "" : ""}`.trim(), json: cfg.json });
  readDeployment(cfg.network); // a missing file is reported before the RPC is tried
  const provider = await connectRpc(cfg.rpcUrl);
  const deployment = await readLiveDeployment(cfg.network, provider).catch((err) => {
    provider.destroy();
    throw err;
  });
  const wallet = walletFor(cfg.privateKey, provider);
  const wlog = log.child(wallet.address.slice(0, 8));
  const contracts = attach(deployment, wallet);
  const store = createContentStore();
  const encryption = loadOrCreateWorkerKey(cfg.encryptionKeyFile);
  // the provider that actually runs (cuda falls back to cpu with a warning): the start line names it
  const executionProvider = await resolveProvider(cfg.executionProvider, wlog);
  const compute = new ProverCompute(contracts.registry, store, cfg.artifactsDir, executionProvider, wlog);
  // With an FHE deployment beside the protocol's, gated jobs are asked for eligibility through its privacy gateway.
  const gatewayAddress = findFheDeployment(cfg.network)?.contracts.PrivacyGateway;
  const gateway = gatewayAddress ? PrivacyGateway__factory.connect(gatewayAddress, wallet) : undefined;
  const abort = new AbortController();
  // RPC outages are reported once and pause the worker; a reset chain (the deployment gone) stops it.
  let gone: Error | undefined;
  const watch = new ChainWatch(cfg.rpcUrl, deploymentIdentity(deployment), wlog, {
    onGone: (err) => {
      gone = err;
      abort.abort(err);
    },
  });
  const watching = watch.run(abort.signal);
  const worker = new Worker({ ...cfg, executionProvider }, { wallet, contracts, store, compute, encryption, log: wlog, gateway, health: watch });
  const stop = (sig: string) => {
    wlog.info("signal received: finishing in-flight shards", { signal: sig });
    abort.abort(new Error(sig));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  try {
    await worker.run(abort.signal);
  } finally {
    abort.abort();
    await watching;
  }
  const s = worker.stats;
  wlog.info("worker stopped", { claimed: s.claimed, settled: s.settled, abandoned: s.abandoned, earnedWei: s.earnedWei, withdrawnWei: s.withdrawnWei });
  await store.close();
  provider.destroy();
  if (gone) throw gone;
}
