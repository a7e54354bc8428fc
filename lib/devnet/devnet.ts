/**
 * A local devnet for the demo, the end-to-end tests and the load benchmark: a Hardhat node as a child process, the
 * protocol deployed on it, and worker and keeper processes started through their Hardhat tasks, exactly as an
 * operator would run them. Everything is stopped by PID.
 */
import fs from "node:fs";
import path from "node:path";
import { HDNodeWallet, Mnemonic, Wallet, type JsonRpcProvider } from "ethers";
import { connectRpc } from "../chain/connect";
import { attach, deployOrReuse, type Deployment, type ProtocolContracts } from "../chain/deployments";
import { deployLocalFhe, wireCore, writeFheDeployment } from "../fhe/deploy";
import { FHE_CLI_PORT } from "../fhe/cli";
import { REPO_ROOT, portIsFree, startHardhatNode, startProcess, type ManagedProcess } from "../util/processes";

/** Hardhat's default development mnemonic: its node funds these accounts. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const HARDHAT_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");
/** Network name used in deployments/<network>.json by devnet processes. */
export const DEVNET_NETWORK = "localhost";

export interface Devnet {
  url: string;
  provider: JsonRpcProvider;
  deployment: Deployment;
  contracts: ProtocolContracts;
  /** The FHE contracts (local layout: the core's reputation hook and eligibility gate), with `fhe: true`. */
  fhe?: { reputation: string; gateway: string };
  /** Funded accounts 0..19 of the dev mnemonic (0 deploys). */
  accounts: Wallet[];
  /** State directory shared by every process of this devnet (content store, job files, keys). */
  home: string;
  deploymentsDir: string;
  node: ManagedProcess;
  children: ManagedProcess[];
  stop(): Promise<void>;
}

export function devAccount(i: number, provider?: JsonRpcProvider): Wallet {
  const w = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return new Wallet(w.privateKey, provider);
}

export interface DevnetOptions {
  /** State directory (default: a fresh one under .oblivion/devnet-<pid>, removed by stop()). */
  home?: string;
  /** Unbonding period of the deployment in seconds. */
  unbondingPeriod?: number;
  /**
   * Deploy the FHE contracts (confidential reputation + privacy gateway) and wire them into the core. The node then
   * runs on 127.0.0.1:8545, the only port the fhEVM plugin's client API accepts (lib/fhe/cli.ts); a clear error if
   * that port is taken. Without it the node takes a random free port.
   */
  fhe?: boolean;
  /**
   * keccak256 of the TrainingJobs creation code the core pins (default: the typechain build's). A devnet whose
   * `train:deploy` runs as a child process passes the hash of the build that task reads (Hardhat's artifacts: the
   * instrumented build under `npm run coverage`).
   */
  managerCodeHash?: string;
}

/** Deploys the local FHE layout on the devnet, wires it into the core and records deployments/localhost.fhe.json. */
async function deployDevnetFhe(deployer: Wallet, core: string, chainId: bigint, dir: string) {
  const { reputation, gateway } = await deployLocalFhe(deployer, core);
  const fhe = { reputation: await reputation.getAddress(), gateway: await gateway.getAddress() };
  if (!(await wireCore(deployer, core, fhe.gateway, fhe.reputation))) throw new Error("devnet deployer does not own the core");
  writeFheDeployment(
    { network: DEVNET_NETWORK, chainId: chainId.toString(), layout: "local", contracts: { ConfidentialReputation: fhe.reputation, PrivacyGateway: fhe.gateway } },
    dir,
  );
  return fhe;
}

export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  const home = path.resolve(opts.home ?? path.join(REPO_ROOT, ".oblivion", `devnet-${process.pid}`));
  // A state directory the devnet chose is its own: stop() removes it. One the caller named is the caller's.
  const ownHome = opts.home === undefined;
  const deploymentsDir = path.join(home, "deployments");
  fs.mkdirSync(deploymentsDir, { recursive: true });
  if (opts.fhe && !(await portIsFree(FHE_CLI_PORT))) {
    throw new Error(
      `port ${FHE_CLI_PORT} is taken: an FHE devnet needs its node on 127.0.0.1:${FHE_CLI_PORT} (the fhEVM plugin's client API accepts no other port); stop what listens there`,
    );
  }
  const { url, proc: node } = await startHardhatNode(opts.fhe ? FHE_CLI_PORT : undefined);
  const children: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
    await node.stop();
    if (ownHome) fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    const provider = await connectRpc(url, 100);
    const accounts = Array.from({ length: 20 }, (_, i) => devAccount(i, provider));
    const { deployment } = await deployOrReuse(DEVNET_NETWORK, accounts[0], { unbondingPeriod: opts.unbondingPeriod ?? 60, managerCodeHash: opts.managerCodeHash }, { dir: deploymentsDir });
    const contracts = attach(deployment, provider);
    const fhe = opts.fhe
      ? await deployDevnetFhe(accounts[0], deployment.contracts.OblivionCore.address, (await provider.getNetwork()).chainId, deploymentsDir)
      : undefined;
    return {
      url, provider, deployment, contracts, fhe, accounts, home, deploymentsDir, node, children,
      stop: async () => {
        provider.destroy();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The environment every devnet child process gets. */
export function devnetEnv(d: Devnet, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOCAL_RPC_URL: d.url,
    OBLIVION_HOME: d.home,
    DEPLOYMENTS_DIR: d.deploymentsDir,
    ...extra,
  };
}

export interface ChildOptions {
  /** Dev account index whose key the process uses. */
  account: number;
  env?: Record<string, string>;
  /** Called with each line the process prints (stdout and stderr). */
  onLine?: (line: string) => void;
}

/** Starts `hardhat <taskArgs> --network localhost` against the devnet as a child process it stops with the devnet. */
export function spawnTask(d: Devnet, taskArgs: string[], o: ChildOptions): ManagedProcess {
  const env = devnetEnv(d, { OBLIVION_PRIVATE_KEY: devAccount(o.account).privateKey, ...o.env });
  const p = startProcess(HARDHAT_BIN, [...taskArgs, "--network", DEVNET_NETWORK], { env });
  d.children.push(p);
  if (o.onLine) {
    for (const stream of [p.child.stdout, p.child.stderr]) {
      let buf = "";
      stream?.on("data", (chunk: Buffer) => {
        buf += chunk.toString();
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          o.onLine!(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    }
  }
  return p;
}

/** Starts `hardhat worker:run` for dev account `account`, with its own encryption key file. */
export function spawnWorker(d: Devnet, o: ChildOptions & { misbehave?: "stall"; config?: Record<string, string> }): ManagedProcess {
  const env: Record<string, string> = {
    OBLIVION_ENCRYPTION_KEY_FILE: path.join(d.home, "keys", `worker-${o.account}.json`),
    OBLIVION_JSON: "true",
    ...(o.misbehave ? { OBLIVION_MISBEHAVE: o.misbehave } : {}),
    ...o.config,
    ...o.env,
  };
  return spawnTask(d, ["worker:run"], { ...o, env });
}

/** Starts `hardhat keeper:run` for dev account `account`. */
export function spawnKeeper(d: Devnet, o: ChildOptions & { intervalMs?: number }): ManagedProcess {
  return spawnTask(d, ["keeper:run", "--json", "--interval", String(o.intervalMs ?? 500)], o);
}
