/**
 * TrainingJobs next to a protocol deployment: deployed by the core from the code it pins, bound as its collateral
 * manager, and recorded in <deployments>/<network>.training.json. Re-running reuses a live, current deployment.
 */
import fs from "node:fs";
import path from "node:path";
import { keccak256, ZeroAddress, type Signer } from "ethers";
import { ICoreCollateral__factory, TrainingJobs__factory, type TrainingJobs } from "../../typechain-types";
import { deploymentsDir } from "../chain/deployments";

export interface TrainingDeployment {
  network: string;
  chainId: string;
  core: string;
  TrainingJobs: { address: string; initCodeHash: string };
}

export function trainingDeploymentPath(network: string, dir = deploymentsDir()): string {
  return path.join(dir, `${network}.training.json`);
}

export function readTrainingDeployment(network: string, dir = deploymentsDir()): TrainingDeployment {
  const file = trainingDeploymentPath(network, dir);
  if (!fs.existsSync(file)) throw new Error(`no TrainingJobs deployment for network "${network}": ${file} is missing (run train:deploy)`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as TrainingDeployment;
}

/**
 * Has the core deploy TrainingJobs from the creation code it pins (F-13: anyone may, once; no owner binds a manager)
 * and returns it; reuses the one already bound.
 */
export async function deployTraining(core: string, deployer: Signer, code: string = TrainingJobs__factory.bytecode): Promise<TrainingJobs> {
  const c = ICoreCollateral__factory.connect(core, deployer);
  if ((await c.collateralManager()) === ZeroAddress) {
    const pinned = await c.managerCodeHash();
    if (pinned !== keccak256(code)) {
      throw new Error(`the core pins collateral manager code ${pinned}, not this TrainingJobs build (${keccak256(code)}): redeploy the core`);
    }
    await (await c.deployCollateralManager(code)).wait();
  }
  return TrainingJobs__factory.connect(await c.collateralManager(), deployer);
}

export async function deployTrainingOrReuse(
  network: string,
  core: string,
  deployer: Signer,
  dir = deploymentsDir(),
): Promise<{ training: TrainingJobs; changed: boolean }> {
  const provider = deployer.provider;
  if (!provider) throw new Error("deployer signer has no provider");
  const chainId = (await provider.getNetwork()).chainId.toString();
  const initCodeHash = keccak256(TrainingJobs__factory.bytecode);
  const file = trainingDeploymentPath(network, dir);
  if (fs.existsSync(file)) {
    const d = readTrainingDeployment(network, dir);
    const live = d.chainId === chainId && d.core === core && d.TrainingJobs.initCodeHash === initCodeHash;
    if (live && (await provider.getCode(d.TrainingJobs.address)) !== "0x") {
      return { training: TrainingJobs__factory.connect(d.TrainingJobs.address, deployer), changed: false };
    }
  }
  const training = await deployTraining(core, deployer);
  const d: TrainingDeployment = { network, chainId, core, TrainingJobs: { address: await training.getAddress(), initCodeHash } };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(d, null, 2) + "\n");
  return { training, changed: true };
}
