/** What the train:* tasks share: the network's TrainingJobs (deployments/<network>.training.json) and a signer. */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ArgumentError } from "../chain/args";
import { signerFor } from "../chain/signer";
import { TrainingJobs__factory } from "../../typechain-types";
import { readLiveDeployment } from "../chain/deployments";
import { readTrainingDeployment } from "./deploy";

export async function trainingContext(hre: HardhatRuntimeEnvironment, from: string) {
  const signer = await signerFor(hre, from);
  const d = readTrainingDeployment(hre.network.name);
  // the chain must still hold the protocol deployment, and the training file must be bound to its core
  const core = (await readLiveDeployment(hre.network.name, hre.ethers.provider)).contracts.OblivionCore.address;
  if (d.core.toLowerCase() !== core.toLowerCase()) {
    throw new Error(`${hre.network.name}.training.json is bound to core ${d.core}, not the deployed core ${core}: run train:deploy`);
  }
  return { signer, training: TrainingJobs__factory.connect(d.TrainingJobs.address, signer), deployment: d };
}

export function positive(arg: string, v: string): number {
  const x = Number(v);
  if (!(Number.isFinite(x) && x > 0)) throw new ArgumentError(arg, `"${v}" is not a positive number`);
  return x;
}

/** A share in (0, 1]. */
export function share(arg: string, v: string): number {
  const x = Number(v);
  if (!(Number.isFinite(x) && x > 0 && x <= 1)) throw new ArgumentError(arg, `"${v}" is not a share in (0, 1]`);
  return x;
}
