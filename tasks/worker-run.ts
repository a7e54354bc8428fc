/** `worker:run`: the keeper-plus-compute worker for GPU owners. */
import { task, types } from "hardhat/config";
import { runTask } from "../lib/chain/taskContext";
import { checkProcessKey, requireRunningChain } from "../lib/chain/signer";

task("worker:run", "Runs a worker: claims shards, runs and proves them, submits, and reclaims expired claims when idle")
  .addOptionalParam("workerConfig", "worker config JSON file (env OBLIVION_* overrides it)", undefined, types.inputFile)
  .addFlag("json", "one JSON object per log line")
  .setAction(async (args: { workerConfig?: string; json: boolean }, hre) => runTask("worker:run", async () => {
    requireRunningChain(hre);
    checkProcessKey(process.env.OBLIVION_PRIVATE_KEY, "worker:run");
    const { runWorkerProcess } = await import("../worker/main");
    await runWorkerProcess({
      configFile: args.workerConfig,
      network: hre.network.name,
      rpcUrl: (hre.network.config as { url?: string }).url,
      json: args.json,
    });
  }));
