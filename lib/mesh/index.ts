/** Starts the dashboard server for a recorded deployment: connect, find the deployment block, follow, serve. */
import type { JsonRpcProvider } from "ethers";
import { connectRpc } from "../chain/connect";
import { attach, deploymentIdentity, deploymentsDir, readDeployment, readLiveDeployment, type Deployment } from "../chain/deployments";
import type { DeploymentGoneError } from "../chain/identity";
import { ChainWatch } from "../chain/watch";
import type { Logger } from "../util/log";
import { MeshFollower } from "./follower";
import { startMeshServer, type MeshServer, type Route } from "./server";
import type { StaticFiles } from "../app/static";
import type { TrainingSource } from "./training";

export interface MeshOptions {
  network: string;
  rpcUrl?: string;
  port?: number;
  pollMs?: number;
  training?: TrainingSource;
  log: Logger;
  deploymentsDir?: string;
  /** The app's files (web/dist). */
  files: StaticFiles;
  /** Routes answered before the mesh's own; built once the deployment is read and connected. */
  routes?: (ctx: { deployment: Deployment; provider: JsonRpcProvider; fromBlock: number }) => Promise<Route[]>;
  /** Told once when the chain no longer holds the deployment (the node was reset); the view stops following (logged when absent). */
  onGone?: (err: DeploymentGoneError) => void;
}

/** The block the core was deployed in (its events start there); 0 when the deployment file has no tx. */
export async function deploymentBlock(d: Deployment, provider: JsonRpcProvider): Promise<number> {
  const tx = d.contracts.OblivionCore.txHash;
  if (!tx) return 0;
  const receipt = await provider.getTransactionReceipt(tx);
  if (!receipt) throw new Error(`deployment of OblivionCore (tx ${tx}) is not on the ${d.network} chain: redeploy or fix the deployment file`);
  return receipt.blockNumber;
}

export async function startMesh(o: MeshOptions): Promise<MeshServer & { provider: JsonRpcProvider }> {
  if (!o.rpcUrl) throw new Error(`network "${o.network}" has no RPC URL (use --network localhost or a configured network)`);
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
    throw new Error(`--port must be an integer in 0..65535, got ${o.port}`);
  }
  const dir = o.deploymentsDir ?? deploymentsDir();
  readDeployment(o.network, dir); // a missing file is reported before the RPC is tried
  const provider = await connectRpc(o.rpcUrl, o.pollMs ?? 500);
  const watchAbort = new AbortController();
  let watching: Promise<void> = Promise.resolve();
  try {
    const deployment = await readLiveDeployment(o.network, provider, dir);
    const watch = new ChainWatch(o.rpcUrl, deploymentIdentity(deployment, dir), o.log, {
      onGone: (err) => (o.onGone ? o.onGone(err) : o.log.error(err.message)),
    });
    watching = watch.run(watchAbort.signal);
    const { core, audit, registry } = attach(deployment, provider);
    const fromBlock = await deploymentBlock(deployment, provider);
    const follower = new MeshFollower({ network: o.network, core, audit, registry, provider, fromBlock });
    const server = await startMeshServer({
      follower,
      reverify: { core, audit, provider, fromBlock },
      training: o.training,
      files: o.files,
      routes: o.routes ? await o.routes({ deployment, provider, fromBlock }) : [],
      log: o.log,
      port: o.port,
      pollMs: o.pollMs,
      health: watch,
    });
    return {
      ...server,
      provider,
      close: async () => {
        watchAbort.abort();
        await watching;
        await server.close();
        provider.destroy();
      },
    };
  } catch (err) {
    watchAbort.abort();
    await watching;
    provider.destroy();
    throw err;
  }
}
