/** What every protocol task needs: the network's deployment, a signer, and errors reduced to one named line. */
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { attach, readDeployment, readLiveDeployment, type Deployment, type ProtocolContracts } from "./deployments";
import { describeError } from "./errors";
import { requireRunningChain, signerFor } from "./signer";
import { cliEntryTask, failOneLine, stackTracesWanted } from "../util/cli";

export interface TaskContext extends ProtocolContracts {
  signer: Signer;
  deployment: Deployment;
  network: string;
}

/**
 * The deployment of hre.network (checked to still exist on its chain), connected to the signer `--from` names under
 * the one signing rule of lib/chain/signer.ts (omitted: account 0, or the first key of PRIVATE_KEY).
 */
export async function taskContext(hre: HardhatRuntimeEnvironment, from?: string | number): Promise<TaskContext> {
  requireRunningChain(hre);
  readDeployment(hre.network.name); // a missing file is named before the RPC is tried
  const signer = await signerFor(hre, from);
  const deployment = await readLiveDeployment(hre.network.name, hre.ethers.provider);
  return { ...attach(deployment, signer), signer, deployment, network: hre.network.name };
}

/**
 * Runs a task body: the one place where a task's failure is reported. Any failure becomes one line naming the
 * problem (`job:post: bad --window: …`, a decoded revert, a chain or RPC problem). When the command line named this
 * task it is printed on stderr and the process exits with code 1 (no stack trace on any terminal, CI or not, unless
 * --show-stack-traces); run from another task or a test, it is thrown as a HardhatPluginError with that message.
 */
export async function runTask<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const described = describeError(err);
    // a nested task's failure already names that task
    const line = err instanceof HardhatPluginError && err.pluginName === "v-oblivion" ? described : `${name}: ${described}`;
    if (cliEntryTask() === name && !stackTracesWanted()) failOneLine(line);
    throw new HardhatPluginError("v-oblivion", line, err instanceof Error ? err : undefined);
  }
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
