/** `keeper:run`: the standalone keeper bot (reclaims expired claims for the bounty). */
import { task, types } from "hardhat/config";
import { runTask } from "../lib/chain/taskContext";
import { checkProcessKey, requireRunningChain } from "../lib/chain/signer";

task("keeper:run", "Runs the keeper bot: reclaims expired claims through the core's checker views, relays eligibility decryptions where FHE is deployed")
  .addOptionalParam("key", "keeper account key (default: env OBLIVION_PRIVATE_KEY)", undefined, types.string)
  .addOptionalParam("interval", "ms between passes", 1000, types.int)
  .addFlag("json", "one JSON object per log line")
  .setAction(async (args: { key?: string; interval: number; json: boolean }, hre) => runTask("keeper:run", async () => {
    requireRunningChain(hre);
    checkProcessKey(args.key ?? process.env.OBLIVION_PRIVATE_KEY, "keeper:run");
    const { runKeeperProcess } = await import("../keepers/main");
    const { findFheDeployment, initFheCli } = await import("../lib/fhe/cli");
    // With an FHE deployment the keeper also relays eligibility decryptions, which need the plugin's client API.
    const fhevm = findFheDeployment(hre.network.name) ? await initFheCli(hre) : undefined;
    await runKeeperProcess({
      fhevm,
      network: hre.network.name,
      rpcUrl: (hre.network.config as { url?: string }).url,
      privateKey: args.key ?? process.env.OBLIVION_PRIVATE_KEY,
      intervalMs: args.interval,
      json: args.json,
    });
  }));
