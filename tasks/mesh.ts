/** `mesh`: serves the live mesh view on 127.0.0.1 until SIGINT/SIGTERM. */
import { task, types } from "hardhat/config";
import { runTask } from "../lib/chain/taskContext";
import { requireRunningChain } from "../lib/chain/signer";

task("mesh", "Serves the live mesh view (workers, jobs, audit records, training rounds) on 127.0.0.1")
  .addOptionalParam("port", "TCP port on 127.0.0.1 (0: a free one)", 8600, types.int)
  .addOptionalParam("poll", "ms between chain polls", 500, types.int)
  .addOptionalParam("training", "JSON file of training rounds to show ([{round, accuracy, epsilon, delta?}])", undefined, types.string)
  .setAction(async (args: { port: number; poll: number; training?: string }, hre) => runTask("mesh", async () => {
    requireRunningChain(hre);
    const { startMesh } = await import("../lib/mesh");
    const { jsonFileTrainingSource } = await import("../lib/mesh/training");
    const { createLogger } = await import("../lib/util/log");
    if (!Number.isInteger(args.poll) || args.poll < 50) throw new Error(`bad --poll: must be at least 50 ms, got ${args.poll}`);
    const log = createLogger({ source: "mesh" });
    // A reset chain ends the view with one line (exit 1): its jobs and workers are gone with the deployment.
    let gone: Error | undefined;
    let stop = () => {};
    const mesh = await startMesh({
      network: hre.network.name,
      rpcUrl: (hre.network.config as { url?: string }).url,
      port: args.port,
      pollMs: args.poll,
      training: args.training ? jsonFileTrainingSource(args.training) : undefined,
      log,
      onGone: (err) => {
        gone = err;
        stop();
      },
    });
    console.log(`mesh view of ${hre.network.name}: ${mesh.url}`);
    await new Promise<void>((resolve) => {
      stop = resolve;
      if (gone) resolve();
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await mesh.close();
    if (gone) throw gone;
    log.info("mesh view stopped");
  }));
