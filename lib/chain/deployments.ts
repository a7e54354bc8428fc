/**
 * Deploys the protocol (ModelRegistry, InferenceAudit, OblivionCore, then binds the audit to the core) and records it
 * in deployments/<network>.json. Re-running is safe: when the file's contracts still hold code on the chain and the
 * creation code and configuration are unchanged, nothing is sent and the file is not rewritten.
 */
import fs from "node:fs";
import path from "node:path";
import { ContractFactory, keccak256, type InterfaceAbi, type Provider, type Signer } from "ethers";
import {
  InferenceAudit__factory,
  ModelRegistry__factory,
  OblivionCore__factory,
  TrainingJobs__factory,
  type InferenceAudit,
  type ModelRegistry,
  type OblivionCore,
} from "../../typechain-types";

/** Where deployment files live: $DEPLOYMENTS_DIR, else deployments/ at the repository root. */
export function deploymentsDir(): string {
  return process.env.DEPLOYMENTS_DIR ?? path.resolve(__dirname, "..", "..", "deployments");
}

export interface DeployConfig {
  /** Protocol owner (defaults to the deployer). */
  owner?: string;
  /** Treasury (defaults to the deployer). */
  treasury?: string;
  /** Unbonding period in seconds (default 3600). */
  unbondingPeriod?: number;
  /**
   * keccak256 of the only collateral manager's creation code the core accepts (F-13; default: TrainingJobs as
   * compiled now). Pinned in the core's constructor: no owner can bind another manager later.
   */
  managerCodeHash?: string;
}

export interface DeployedContract {
  address: string;
  /** keccak256 of the artifact's creation code: a change means the contract must be redeployed. */
  initCodeHash: string;
  txHash: string;
}

export interface Deployment {
  network: string;
  chainId: string;
  deployer: string;
  config: Required<DeployConfig>;
  contracts: { ModelRegistry: DeployedContract; InferenceAudit: DeployedContract; OblivionCore: DeployedContract };
}

export interface ProtocolContracts {
  registry: ModelRegistry;
  audit: InferenceAudit;
  core: OblivionCore;
}

export function deploymentPath(network: string, dir = deploymentsDir()): string {
  return path.join(dir, `${network}.json`);
}

/** Reads deployments/<network>.json; throws a one-line error naming the file when it is missing or malformed. */
export function readDeployment(network: string, dir = deploymentsDir()): Deployment {
  const file = deploymentPath(network, dir);
  if (!fs.existsSync(file)) throw new Error(`no deployment for network "${network}": ${file} is missing (run the deploy task)`);
  const d = JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
  if (!d.contracts?.OblivionCore?.address) throw new Error(`deployment file ${file} has no OblivionCore address`);
  return d;
}

/** Typechain instances for a deployment. */
export function attach(d: Deployment, runner: Signer | Provider): ProtocolContracts {
  return {
    registry: ModelRegistry__factory.connect(d.contracts.ModelRegistry.address, runner),
    audit: InferenceAudit__factory.connect(d.contracts.InferenceAudit.address, runner),
    core: OblivionCore__factory.connect(d.contracts.OblivionCore.address, runner),
  };
}

/** Fills the defaults: owner and treasury are the deployer, unbonding one hour. */
export function resolveConfig(deployer: string, config: DeployConfig): Required<DeployConfig> {
  return {
    owner: config.owner ?? deployer,
    treasury: config.treasury ?? deployer,
    unbondingPeriod: config.unbondingPeriod ?? 3600,
    managerCodeHash: config.managerCodeHash ?? keccak256(TrainingJobs__factory.bytecode),
  };
}

export type ContractName = "ModelRegistry" | "InferenceAudit" | "OblivionCore";
/** Creation code (bytecode without constructor arguments) of each contract. */
export type CreationCode = Record<ContractName, string>;

const FACTORIES = { ModelRegistry: ModelRegistry__factory, InferenceAudit: InferenceAudit__factory, OblivionCore: OblivionCore__factory };

/** Creation code embedded in the typechain factories at their last generation. */
export function typechainCreationCode(): CreationCode {
  return {
    ModelRegistry: ModelRegistry__factory.bytecode,
    InferenceAudit: InferenceAudit__factory.bytecode,
    OblivionCore: OblivionCore__factory.bytecode,
  };
}

/** Creation code from Hardhat's artifacts: what the last compile produced (instrumented ones under coverage). */
export async function artifactCreationCode(artifacts: {
  readArtifact(name: string): Promise<{ bytecode: string }>;
}): Promise<CreationCode> {
  return {
    ModelRegistry: (await artifacts.readArtifact("ModelRegistry")).bytecode,
    InferenceAudit: (await artifacts.readArtifact("InferenceAudit")).bytecode,
    OblivionCore: (await artifacts.readArtifact("OblivionCore")).bytecode,
  };
}

const initCodeHashes = (code: CreationCode): CreationCode => ({
  ModelRegistry: keccak256(code.ModelRegistry),
  InferenceAudit: keccak256(code.InferenceAudit),
  OblivionCore: keccak256(code.OblivionCore),
});

function factory(name: ContractName, code: CreationCode, deployer: Signer): ContractFactory {
  return new ContractFactory(FACTORIES[name].abi as InterfaceAbi, code[name], deployer);
}

/** Deploys the three contracts and binds the audit trail to the core; no file is written. */
export async function deployProtocol(
  deployer: Signer,
  config: DeployConfig = {},
  code: CreationCode = typechainCreationCode(),
): Promise<{ contracts: ProtocolContracts; config: Required<DeployConfig>; txs: Record<string, string> }> {
  const cfg = resolveConfig(await deployer.getAddress(), config);
  const txs: Record<string, string> = {};
  const deploy = async (name: ContractName, args: unknown[]): Promise<string> => {
    const c = await factory(name, code, deployer).deploy(...args);
    await c.waitForDeployment();
    txs[name] = c.deploymentTransaction()?.hash ?? "";
    return c.getAddress();
  };
  const registryAddr = await deploy("ModelRegistry", []);
  const auditAddr = await deploy("InferenceAudit", []);
  const coreAddr = await deploy("OblivionCore", [
    cfg.owner,
    registryAddr,
    auditAddr,
    cfg.treasury,
    cfg.unbondingPeriod,
    cfg.managerCodeHash,
  ]);
  const audit = InferenceAudit__factory.connect(auditAddr, deployer);
  await (await audit.bindCore(coreAddr)).wait();
  const contracts = {
    registry: ModelRegistry__factory.connect(registryAddr, deployer),
    audit,
    core: OblivionCore__factory.connect(coreAddr, deployer),
  };
  return { contracts, config: cfg, txs };
}

async function isCurrent(
  d: Deployment,
  provider: Provider,
  chainId: string,
  cfg: Required<DeployConfig>,
  code: CreationCode,
): Promise<boolean> {
  if (d.chainId !== chainId || JSON.stringify(d.config) !== JSON.stringify(cfg)) return false;
  const hashes = initCodeHashes(code);
  for (const name of Object.keys(hashes) as (keyof typeof hashes)[]) {
    const c = d.contracts[name];
    if (!c || c.initCodeHash !== hashes[name]) return false;
    if ((await provider.getCode(c.address)) === "0x") return false;
  }
  return true;
}

/**
 * Deploys when needed and writes deployments/<network>.json. Returns the deployment and whether anything changed.
 */
export async function deployOrReuse(
  network: string,
  deployer: Signer,
  config: DeployConfig = {},
  { dir = deploymentsDir(), code = typechainCreationCode() }: { dir?: string; code?: CreationCode } = {},
): Promise<{ deployment: Deployment; changed: boolean }> {
  const provider = deployer.provider;
  if (!provider) throw new Error("deployer signer has no provider");
  const me = await deployer.getAddress();
  const chainId = (await provider.getNetwork()).chainId.toString();
  const cfg = resolveConfig(me, config);
  const file = deploymentPath(network, dir);
  if (fs.existsSync(file)) {
    const existing = readDeployment(network, dir);
    if (await isCurrent(existing, provider, chainId, cfg, code)) return { deployment: existing, changed: false };
  }
  const { contracts, txs } = await deployProtocol(deployer, cfg, code);
  const hashes = initCodeHashes(code);
  const entry = async (name: keyof typeof hashes, c: { getAddress(): Promise<string> }): Promise<DeployedContract> => ({
    address: await c.getAddress(),
    initCodeHash: hashes[name],
    txHash: txs[name],
  });
  const deployment: Deployment = {
    network,
    chainId,
    deployer: me,
    config: cfg,
    contracts: {
      ModelRegistry: await entry("ModelRegistry", contracts.registry),
      InferenceAudit: await entry("InferenceAudit", contracts.audit),
      OblivionCore: await entry("OblivionCore", contracts.core),
    },
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
  return { deployment, changed: true };
}
