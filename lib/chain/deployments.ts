/**
 * Deploys the protocol (ModelRegistry, InferenceAudit, OblivionCore, then binds the audit to the core) and records it
 * in deployments/<network>.json. Re-running is safe: when the file's contracts still hold code on the chain and the
 * creation code and configuration are unchanged, nothing is sent and the file is not rewritten.
 */
import fs from "node:fs";
import path from "node:path";
import { keccak256, type Provider, type Signer } from "ethers";
import {
  InferenceAudit__factory,
  ModelRegistry__factory,
  OblivionCore__factory,
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
  };
}

const initCodeHashes = () => ({
  ModelRegistry: keccak256(ModelRegistry__factory.bytecode),
  InferenceAudit: keccak256(InferenceAudit__factory.bytecode),
  OblivionCore: keccak256(OblivionCore__factory.bytecode),
});

/** Deploys the three contracts and binds the audit trail to the core; no file is written. */
export async function deployProtocol(
  deployer: Signer,
  config: DeployConfig = {},
): Promise<{ contracts: ProtocolContracts; config: Required<DeployConfig>; txs: Record<string, string> }> {
  const cfg = resolveConfig(await deployer.getAddress(), config);
  const registry = await new ModelRegistry__factory(deployer).deploy();
  await registry.waitForDeployment();
  const audit = await new InferenceAudit__factory(deployer).deploy();
  await audit.waitForDeployment();
  const core = await new OblivionCore__factory(deployer).deploy(
    cfg.owner,
    await registry.getAddress(),
    await audit.getAddress(),
    cfg.treasury,
    cfg.unbondingPeriod,
  );
  await core.waitForDeployment();
  await (await audit.bindCore(await core.getAddress())).wait();
  const txs = {
    ModelRegistry: registry.deploymentTransaction()?.hash ?? "",
    InferenceAudit: audit.deploymentTransaction()?.hash ?? "",
    OblivionCore: core.deploymentTransaction()?.hash ?? "",
  };
  return { contracts: { registry, audit, core }, config: cfg, txs };
}

async function isCurrent(d: Deployment, provider: Provider, chainId: string, cfg: Required<DeployConfig>): Promise<boolean> {
  if (d.chainId !== chainId || JSON.stringify(d.config) !== JSON.stringify(cfg)) return false;
  const hashes = initCodeHashes();
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
  dir = deploymentsDir(),
): Promise<{ deployment: Deployment; changed: boolean }> {
  const provider = deployer.provider;
  if (!provider) throw new Error("deployer signer has no provider");
  const me = await deployer.getAddress();
  const chainId = (await provider.getNetwork()).chainId.toString();
  const cfg = resolveConfig(me, config);
  const file = deploymentPath(network, dir);
  if (fs.existsSync(file)) {
    const existing = readDeployment(network, dir);
    if (await isCurrent(existing, provider, chainId, cfg)) return { deployment: existing, changed: false };
  }
  const { contracts, txs } = await deployProtocol(deployer, cfg);
  const hashes = initCodeHashes();
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
