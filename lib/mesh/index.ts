/** Starts the mesh view for a recorded deployment: connect, find the deployment block, follow, serve. */
import type { JsonRpcProvider } from "ethers";
import { connectRpc } from "../chain/connect";
import { attach, deploymentsDir, readDeployment, type Deployment } from "../chain/deployments";
import type { Logger } from "../util/log";
import { MeshFollower } from "./follower";
import { startMeshServer, type MeshServer } from "./server";
import type { TrainingSource } from "./training";

export interface MeshOptions {
  network: string;
  rpcUrl?: string;
  port?: number;
  pollMs?: number;
  training?: TrainingSource;
  log: Logger;
  deploymentsDir?: string;
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
  const deployment = readDeployment(o.network, o.deploymentsDir ?? deploymentsDir());
  const provider = await connectRpc(o.rpcUrl, o.pollMs ?? 500);
  try {
    const chainId = (await provider.getNetwork()).chainId.toString();
    if (chainId !== deployment.chainId) {
      throw new Error(`deployment file for "${o.network}" is for chain ${deployment.chainId}, but ${o.rpcUrl} is chain ${chainId}`);
    }
    const { core, audit } = attach(deployment, provider);
    const fromBlock = await deploymentBlock(deployment, provider);
    const follower = new MeshFollower({ network: o.network, core, audit, provider, fromBlock });
    const server = await startMeshServer({
      follower,
      reverify: { core, audit, provider, fromBlock },
      training: o.training,
      log: o.log,
      port: o.port,
      pollMs: o.pollMs,
    });
    return {
      ...server,
      provider,
      close: async () => {
        await server.close();
        provider.destroy();
      },
    };
  } catch (err) {
    provider.destroy();
    throw err;
  }
}
