/** What every protocol task needs: the network's deployment, a signer, and errors reduced to one named line. */
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { attach, readDeployment, type Deployment, type ProtocolContracts } from "./deployments";
import { describeError } from "./errors";

export interface TaskContext extends ProtocolContracts {
  signer: Signer;
  deployment: Deployment;
  network: string;
}

/** The deployment of hre.network, connected to the signer at `signerIndex` (default 0). */
export async function taskContext(hre: HardhatRuntimeEnvironment, signerIndex = 0): Promise<TaskContext> {
  const signers = await hre.ethers.getSigners();
  const signer = signers[signerIndex];
  if (!signer) throw new Error(`bad --from: no signer ${signerIndex} on network ${hre.network.name} (${signers.length} available)`);
  const deployment = readDeployment(hre.network.name);
  return { ...attach(deployment, signer), signer, deployment, network: hre.network.name };
}

/** Runs a task body; any failure becomes a HardhatPluginError whose message is one line naming the problem. */
export async function runTask<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw new HardhatPluginError("v-oblivion", `${name}: ${describeError(err)}`, err instanceof Error ? err : undefined);
  }
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
