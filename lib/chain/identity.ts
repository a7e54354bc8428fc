/**
 * Chain identity: a deployment file records the chain id and the number and hash of a block of its deployment. A
 * node that was restarted (a fresh `hardhat node`) or replaced answers the same URL and often the same chain id and
 * contract addresses, but not that block: then the deployment is gone, and everything that reads the file says so in
 * one line, with what to run, instead of failing later on a call into an empty address.
 */
import fs from "node:fs";
import path from "node:path";
import type { Provider } from "ethers";

/** The block a deployment was made in (its last transaction's). */
export interface DeploymentBlock {
  number: number;
  hash: string;
}

/** What a recorded deployment must match on the chain it is used against. */
export interface ChainIdentity {
  network: string;
  chainId: string;
  /** Absent in files written before blocks were recorded; then the contract's code is checked instead. */
  block?: DeploymentBlock;
  /** A contract of the deployment (checked for code when there is no block). */
  address: string;
  /** The file, named in the message. */
  file: string;
}

/** The recorded deployment no longer exists on the chain its network points at. */
export class DeploymentGoneError extends Error {
  constructor(id: ChainIdentity, why: string, rerun = `npx hardhat deploy --network ${id.network}`) {
    super(`the deployment in ${path.basename(id.file)} is gone: ${why}; run \`${rerun}\` (it moves the old file aside)`);
    this.name = "DeploymentGoneError";
  }
}

/** Why `id` does not hold on the chain behind `provider`, or undefined when it does. */
export async function deploymentGoneReason(id: ChainIdentity, provider: Provider): Promise<string | undefined> {
  const chainId = (await provider.getNetwork()).chainId.toString();
  if (chainId !== id.chainId) return `it was made on chain ${id.chainId}, but the node of ${id.network} is chain ${chainId}`;
  if (id.block) {
    const b = await provider.getBlock(id.block.number);
    if (!b) return `chain ${chainId} has no block ${id.block.number} any more (the node was restarted or reset)`;
    if (b.hash !== id.block.hash) {
      return `block ${id.block.number} of chain ${chainId} is not the one it was deployed in (the node was restarted or reset)`;
    }
    return undefined;
  }
  if ((await provider.getCode(id.address)) === "0x") return `no contract at ${id.address} on chain ${chainId} (the node was restarted or reset)`;
  return undefined;
}

/** Throws DeploymentGoneError unless the deployment still exists on the chain behind `provider`. */
export async function checkDeploymentLive(id: ChainIdentity, provider: Provider, rerun?: string): Promise<void> {
  const why = await deploymentGoneReason(id, provider);
  if (why) throw new DeploymentGoneError(id, why, rerun);
}

/** The block (number, hash) of a mined transaction. */
export async function blockOfTx(provider: Provider, txHash: string): Promise<DeploymentBlock> {
  const rc = await provider.getTransactionReceipt(txHash);
  if (!rc) throw new Error(`transaction ${txHash} has no receipt`);
  return { number: rc.blockNumber, hash: rc.blockHash };
}

/** Renames `file` to `<name>.<ISO time>.json` beside it (never overwriting); returns the new path. */
export function moveAside(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
  const base = file.replace(/\.json$/, "");
  let target = `${base}.${stamp}.json`;
  for (let i = 2; fs.existsSync(target); i++) target = `${base}.${stamp}-${i}.json`;
  fs.renameSync(file, target);
  return target;
}
