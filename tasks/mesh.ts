/** `app` serves the dashboard; `mesh` serves the same app opened on its mesh screen. Both on 127.0.0.1 until Ctrl-C. */
import { task, types } from "hardhat/config";
import { runTask } from "../lib/chain/taskContext";
import { requireRunningChain } from "../lib/chain/signer";

interface ServeArgs {
  port: number;
  poll: number;
  training?: string;
  serve?: string;
  contentUrl?: string;
}

const serve = (name: string, label: string, route: string | undefined) => (args: ServeArgs, hre: { network: { name: string; config: unknown } }) =>
  runTask(name, async () => {
    requireRunningChain(hre);
    const { serveApp } = await import("../lib/app/serve");
    const { jsonFileTrainingSource } = await import("../lib/mesh/training");
    const { contentFlags } = await import("../lib/requester/content");
    const content = contentFlags({ serve: args.serve, contentUrl: args.contentUrl });
    await serveApp({
      network: hre.network.name,
      rpcUrl: (hre.network.config as { url?: string }).url,
      port: args.port,
      pollMs: args.poll,
      training: args.training ? jsonFileTrainingSource(args.training) : undefined,
      route,
      label,
      serve: content.serve,
      contentUrls: content.urls,
    });
  });

task("app", "Serves the dashboard (marketplace, models, sandbox, history, worker hub, training, mesh) on 127.0.0.1")
  .addOptionalParam("port", "TCP port on 127.0.0.1 (0: a free one)", 8600, types.int)
  .addOptionalParam("poll", "ms between the mesh follower's chain polls", 500, types.int)
  .addOptionalParam("training", "JSON file of training rounds with accuracy ([{jobId?, round, accuracy, epsilon, delta?}])", undefined, types.string)
  .addOptionalParam("serve", "also serve your content (shard packages) on host:port for workers on other machines, e.g. 0.0.0.0:8090; every release names it", undefined, types.string)
  .addOptionalParam("contentUrl", "content endpoints to name in releases instead (your Kubo gateway, a store:serve), comma-separated", undefined, types.string)
  .setAction(serve("app", "dashboard", undefined));

task("mesh", "Serves the dashboard opened on its live mesh view (workers, jobs, audit records, training rounds)")
  .addOptionalParam("port", "TCP port on 127.0.0.1 (0: a free one)", 8600, types.int)
  .addOptionalParam("poll", "ms between chain polls", 500, types.int)
  .addOptionalParam("training", "JSON file of training rounds with accuracy ([{jobId?, round, accuracy, epsilon, delta?}])", undefined, types.string)
  .setAction(serve("mesh", "mesh view", "#/mesh"));
