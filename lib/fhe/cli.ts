/**
 * The fhEVM Hardhat plugin's client API (encrypt, public and user decryption) against a running `hardhat node`.
 * `hre.fhevm.initializeCLIApi()` accepts a node only as the network named `localhost` whose URL has port 8545 exactly
 * (plugin 0.4.2, FhevmEnvironment.__guessDefaultProvider: `assertHHFhevm(urlObj.port === "8545")`); under any other
 * network name it classifies the node as "Unknown" and then fails with a provider type mismatch. So a devnet that
 * needs FHE from its processes runs its node on 127.0.0.1:8545.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deploymentsDir } from "../chain/deployments";
import { fheDeploymentPath, readFheDeployment, type FheDeployment } from "./deploy";
import fs from "node:fs";
import type { Fhevm } from "./types";

/** The only port the plugin's CLI mode accepts for a Hardhat node. */
export const FHE_CLI_PORT = 8545;

/** Throws a one-line error unless `network`/`url` is what the plugin's CLI mode accepts for a local node. */
export function checkFheCliNetwork(network: string, url: string | undefined): void {
  if (network !== "localhost") return; // sepolia/mainnet: the plugin checks those itself
  const port = url ? new URL(url).port : "";
  if (port !== String(FHE_CLI_PORT)) {
    throw new Error(
      `the fhEVM client needs the node on port ${FHE_CLI_PORT} (network localhost is ${url ?? "unset"}): ` +
        `the plugin's CLI mode accepts no other port; set LOCAL_RPC_URL=http://127.0.0.1:${FHE_CLI_PORT}`,
    );
  }
}

/** Initialises the plugin's client API for the current network (after checking the port rule above). */
export async function initFheCli(hre: HardhatRuntimeEnvironment): Promise<Fhevm> {
  checkFheCliNetwork(hre.network.name, (hre.network.config as { url?: string }).url);
  await hre.fhevm.initializeCLIApi();
  return hre.fhevm;
}

/** The FHE deployment of `network` in $DEPLOYMENTS_DIR (or deployments/), or undefined when there is none. */
export function findFheDeployment(network: string, dir = deploymentsDir()): FheDeployment | undefined {
  return fs.existsSync(fheDeploymentPath(network, dir)) ? readFheDeployment(network, dir) : undefined;
}
