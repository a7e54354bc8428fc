/**
 * Deploys the FHE contracts in either layout and records them in deployments/<network>.fhe.json.
 * - local: one chain with the fhEVM (a Hardhat node with the mock): the core is the reputation's updater and job
 *   directory; the privacy gateway is the core's eligibility gate.
 * - fhe: the FHE chain of a split layout: reputation fed by a relay receiver, which is also the gateway's directory.
 * - settlement: the settlement chain of a split layout: a relayed eligibility gate trusting the FHE chain's gateway.
 * `wireCore` points the core at them (its owner only): hook + gate on one chain, only the relayed gate on a split
 * settlement chain (no hook there: outcomes reach the FHE chain through the relayers).
 */
import fs from "node:fs";
import path from "node:path";
import { getCreateAddress, type Signer } from "ethers";
import { deploymentsDir } from "../chain/deployments";
import {
  OblivionCore__factory,
  ConfidentialReputation__factory,
  PrivacyGateway__factory,
  RelayedEligibilityGate__factory,
  ReputationRelayReceiver__factory,
} from "../../typechain-types";

/** Where FHE deployment files live: beside the protocol's ($DEPLOYMENTS_DIR, else deployments/). */
const FHE_DEPLOYMENTS_DIR = (): string => deploymentsDir();

export type FheLayout = "local" | "fhe" | "settlement";

export interface FheDeployment {
  network: string;
  chainId: string;
  layout: FheLayout;
  contracts: {
    ConfidentialReputation?: string;
    PrivacyGateway?: string;
    ReputationRelayReceiver?: string;
    RelayedEligibilityGate?: string;
  };
}

/** Relayer quorum of a split layout. */
export interface RelayerConfig {
  relayers: string[];
  threshold: number;
}

export function fheDeploymentPath(network: string, dir = FHE_DEPLOYMENTS_DIR()): string {
  return path.join(dir, `${network}.fhe.json`);
}

/** Reads deployments/<network>.fhe.json; a one-line error naming the file when it is missing. */
export function readFheDeployment(network: string, dir = FHE_DEPLOYMENTS_DIR()): FheDeployment {
  const file = fheDeploymentPath(network, dir);
  if (!fs.existsSync(file))
    throw new Error(`no FHE deployment for network "${network}": ${file} is missing (run fhe:deploy)`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as FheDeployment;
}

export function writeFheDeployment(d: FheDeployment, dir = FHE_DEPLOYMENTS_DIR()): string {
  const file = fheDeploymentPath(d.network, dir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(d, null, 2) + "\n");
  return file;
}

/** Throws a one-line error unless the quorum is usable: at least one relayer, 1 <= threshold <= relayers. */
export function checkQuorum(q: RelayerConfig): void {
  if (q.relayers.length === 0) throw new Error("a split layout needs at least one relayer address");
  if (!Number.isInteger(q.threshold) || q.threshold < 1 || q.threshold > q.relayers.length) {
    throw new Error(`relayer threshold must be an integer in 1..${q.relayers.length}, got ${q.threshold}`);
  }
}

/** Reputation parameters fixed at deployment (immutables: nobody can change them later). */
export interface ReputationParams {
  /** Wei of protocol fee per score point; a settlement earns min(10, fee / pointPrice) points. */
  pointPrice: bigint;
  /** Threshold granularity of the privacy gateway: a minimum m counts as floor(m / step) * step. */
  scoreStep: number;
}

/**
 * Defaults: 0.000025 ETH of protocol fee per point, so a shard priced 0.01 ETH at the default 2.5 % fee earns the full
 * 10 points; thresholds in steps of 10 (one full settlement).
 */
export const DEFAULT_REPUTATION_PARAMS: ReputationParams = { pointPrice: 25_000_000_000_000n, scoreStep: 10 };

/**
 * The addresses of the deployer's next `count` contract creations. The reputation's updater and reader are immutable
 * and the gateway (and receiver) name the reputation in turn, so the deployer predicts them and then checks.
 */
async function nextAddresses(deployer: Signer, count: number): Promise<string[]> {
  const from = await deployer.getAddress();
  const nonce = await deployer.provider!.getTransactionCount(from, "pending");
  return Array.from({ length: count }, (_, i) => getCreateAddress({ from, nonce: nonce + i }));
}

function expectAt(name: string, actual: string, predicted: string): void {
  if (actual.toLowerCase() !== predicted.toLowerCase()) {
    throw new Error(`${name} landed at ${actual}, not the predicted ${predicted} (another transaction from the deployer interleaved)`);
  }
}

/** One chain: reputation updated by `core`, read by the gateway, which reads `core`'s job requesters. */
export async function deployLocalFhe(deployer: Signer, core: string, params: ReputationParams = DEFAULT_REPUTATION_PARAMS) {
  const [repAt, gatewayAt] = await nextAddresses(deployer, 2);
  const reputation = await new ConfidentialReputation__factory(deployer).deploy(core, gatewayAt, params.pointPrice);
  await reputation.waitForDeployment();
  const gateway = await new PrivacyGateway__factory(deployer).deploy(reputation, core, params.scoreStep);
  await gateway.waitForDeployment();
  expectAt("ConfidentialReputation", await reputation.getAddress(), repAt);
  expectAt("PrivacyGateway", await gateway.getAddress(), gatewayAt);
  return { reputation, gateway };
}

/** FHE chain of a split layout: reputation <- relay receiver (updater, directory) -> gateway (reader). */
export async function deployFheChain(
  deployer: Signer,
  source: { chainId: bigint; core: string },
  quorum: RelayerConfig,
  owner?: string,
  params: ReputationParams = DEFAULT_REPUTATION_PARAMS
) {
  checkQuorum(quorum);
  const me = await deployer.getAddress();
  const [repAt, receiverAt, gatewayAt] = await nextAddresses(deployer, 3);
  const reputation = await new ConfidentialReputation__factory(deployer).deploy(receiverAt, gatewayAt, params.pointPrice);
  await reputation.waitForDeployment();
  const receiver = await new ReputationRelayReceiver__factory(deployer).deploy(
    source.chainId,
    source.core,
    reputation,
    owner ?? me,
    quorum.relayers,
    quorum.threshold
  );
  await receiver.waitForDeployment();
  const gateway = await new PrivacyGateway__factory(deployer).deploy(reputation, receiver, params.scoreStep);
  await gateway.waitForDeployment();
  expectAt("ConfidentialReputation", await reputation.getAddress(), repAt);
  expectAt("ReputationRelayReceiver", await receiver.getAddress(), receiverAt);
  expectAt("PrivacyGateway", await gateway.getAddress(), gatewayAt);
  return { reputation, receiver, gateway };
}

/** Settlement chain of a split layout: the gate the core consults for gated jobs. */
export async function deploySettlementGate(
  deployer: Signer,
  fhe: { chainId: bigint; gateway: string },
  quorum: RelayerConfig,
  owner?: string
) {
  checkQuorum(quorum);
  const gate = await new RelayedEligibilityGate__factory(deployer).deploy(
    fhe.chainId,
    fhe.gateway,
    owner ?? (await deployer.getAddress()),
    quorum.relayers,
    quorum.threshold
  );
  await gate.waitForDeployment();
  return { gate };
}

/**
 * Points the core at the FHE side: `hook` (the reputation on one chain; omitted on a split settlement chain) and `gate`
 * (the privacy gateway, or the relayed gate). `owner` must own the core; returns false, changing nothing, otherwise.
 */
export async function wireCore(owner: Signer, core: string, gate: string, hook?: string): Promise<boolean> {
  const c = OblivionCore__factory.connect(core, owner);
  if ((await c.owner()).toLowerCase() !== (await owner.getAddress()).toLowerCase()) return false;
  if (hook !== undefined) await (await c.setReputationHook(hook)).wait();
  await (await c.setEligibilityGate(gate)).wait();
  return true;
}
