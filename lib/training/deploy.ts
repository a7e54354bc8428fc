/**
 * TrainingJobs next to a protocol deployment. The core deploys its collateral manager itself, from the one creation
 * code whose hash it pinned at its own deployment (F-13: no owner path binds a manager): `deployTraining` calls
 * `deployCollateralManager` (anyone, once) or attaches to the manager already bound, and refuses in one line when the
 * core pins another build. Recorded in <deployments>/<network>.training.json; re-running reuses a live deployment.
 */
import fs from "node:fs";
import path from "node:path";
import { keccak256, ZeroAddress, ZeroHash, type Signer } from "ethers";
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
 * The core's TrainingJobs: deployed by the core from `creationCode` (default: this build's) if no manager is bound
 * yet, else the bound one. Throws when the core pins no manager or another build than `creationCode`.
 */
export async function deployTraining(core: string, signer: Signer, creationCode: string = TrainingJobs__factory.bytecode): Promise<TrainingJobs> {
  const c = ICoreCollateral__factory.connect(core, signer);
  const pinned = await c.managerCodeHash();
  const ours = keccak256(creationCode);
  if (pinned === ZeroHash) throw new Error(`core ${core} pins no collateral manager: it can never run training jobs`);
  if (pinned !== ours) {
    throw new Error(`core ${core} pins another TrainingJobs build (${pinned}; this build is ${ours}): redeploy the core (deploy --fresh)`);
  }
  if ((await c.collateralManager()) === ZeroAddress) await (await c.deployCollateralManager(creationCode)).wait();
  return TrainingJobs__factory.connect(await c.collateralManager(), signer);
}

/**
 * `creationCode`: the TrainingJobs build to deploy (default: the typechain factory's). The `train:deploy` task passes
 * Hardhat's artifact, the build `deploy` pinned, so an instrumented (coverage) build stays consistent with itself.
 */
export async function deployTrainingOrReuse(
  network: string,
  core: string,
  signer: Signer,
  dir = deploymentsDir(),
  creationCode: string = TrainingJobs__factory.bytecode,
): Promise<{ training: TrainingJobs; changed: boolean }> {
  const provider = signer.provider;
  if (!provider) throw new Error("deployer signer has no provider");
  const chainId = (await provider.getNetwork()).chainId.toString();
  const initCodeHash = keccak256(creationCode);
  const file = trainingDeploymentPath(network, dir);
  if (fs.existsSync(file)) {
    const d = readTrainingDeployment(network, dir);
    const live = d.chainId === chainId && d.core === core && d.TrainingJobs.initCodeHash === initCodeHash;
    if (live && (await provider.getCode(d.TrainingJobs.address)) !== "0x") {
      return { training: TrainingJobs__factory.connect(d.TrainingJobs.address, signer), changed: false };
    }
  }
  const training = await deployTraining(core, signer, creationCode);
  const d: TrainingDeployment = { network, chainId, core, TrainingJobs: { address: await training.getAddress(), initCodeHash } };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(d, null, 2) + "\n");
  return { training, changed: true };
}
