/** Process entry of the keeper bot: connect, attach the deployment, run the duties until SIGINT/SIGTERM. */
import fs from "node:fs";
import { attach, deploymentIdentity, readDeployment, readLiveDeployment } from "../lib/chain/deployments";
import { ChainWatch } from "../lib/chain/watch";
import { connectRpc, walletFor } from "../lib/chain/connect";
import { createLogger } from "../lib/util/log";
import type { Fhevm } from "../lib/fhe/types";
import { findFheDeployment } from "../lib/fhe/cli";
import { trainingDeploymentPath, readTrainingDeployment } from "../lib/training/deploy";
import { createContentStore } from "../lib/storage";
import { PrivacyGateway__factory, TrainingJobs__factory } from "../typechain-types";
import { EligibilityRelayDuty } from "./eligibility";
import { HookReplayDuty } from "./hook-replay";
import { ReclaimDuty, runKeeper, type KeeperDuty } from "./keeper";
import { TrainingDuty } from "./training";

export interface KeeperProcessOptions {
  network: string;
  rpcUrl?: string;
  privateKey?: string;
  intervalMs: number;
  json: boolean;
  /** The fhEVM client API, initialised by the task when the network has an FHE deployment (see lib/fhe/cli.ts). */
  fhevm?: Fhevm;
}

export async function runKeeperProcess(o: KeeperProcessOptions): Promise<void> {
  if (!o.rpcUrl) throw new Error(`network "${o.network}" has no RPC URL (use --network localhost or a configured network)`);
  if (!o.privateKey || !/^0x[0-9a-fA-F]{64}$/.test(o.privateKey)) {
    throw new Error("keeper key missing or malformed: pass --key 0x… or set OBLIVION_PRIVATE_KEY");
  }
  if (!Number.isInteger(o.intervalMs) || o.intervalMs < 50) throw new Error(`--interval must be at least 50 ms, got ${o.intervalMs}`);
  const log = createLogger({ source: "keeper", json: o.json });
  readDeployment(o.network); // a missing file is reported before the RPC is tried
  const provider = await connectRpc(o.rpcUrl);
  const deployment = await readLiveDeployment(o.network, provider).catch((err) => {
    provider.destroy();
    throw err;
  });
  const wallet = walletFor(o.privateKey, provider);
  const { core } = attach(deployment, wallet);
  const abort = new AbortController();
  // RPC outages are reported once and pause the duties; a reset chain (the deployment gone) stops the keeper.
  let gone: Error | undefined;
  const watch = new ChainWatch(o.rpcUrl, deploymentIdentity(deployment), log, {
    onGone: (err) => {
      gone = err;
      abort.abort(err);
    },
  });
  const watching = watch.run(abort.signal);
  const stop = () => abort.abort(new Error("signal"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const reclaim = new ReclaimDuty(core, wallet, log);
  const duties: KeeperDuty[] = [reclaim, new HookReplayDuty(core, wallet, log)];
  const gateway = findFheDeployment(o.network)?.contracts.PrivacyGateway;
  if (gateway && o.fhevm) duties.push(new EligibilityRelayDuty(o.fhevm, PrivacyGateway__factory.connect(gateway, wallet), wallet, log));
  // training rounds: closed when this keeper is a job's aggregator, expired for the bounty otherwise
  const store = fs.existsSync(trainingDeploymentPath(o.network)) ? createContentStore() : undefined;
  if (store) {
    const training = TrainingJobs__factory.connect(readTrainingDeployment(o.network).TrainingJobs.address, wallet);
    duties.push(new TrainingDuty(training, store, wallet, log));
  }
  try {
    await runKeeper({ duties, log, intervalMs: o.intervalMs, health: watch }, abort.signal);
  } finally {
    abort.abort();
    await watching;
    await store?.close();
  }
  log.info("keeper totals", { reclaimed: reclaim.stats.reclaimed, lostRaces: reclaim.stats.lostRaces, bountyWei: reclaim.stats.bountyWei });
  provider.destroy();
  if (gone) throw gone;
}
