/**
 * Gelato Automate: registers OblivionCore's `checker()` resolver so that Gelato's executors call
 * `reclaimExpired(jobId, shardIndex)` whenever the checker finds an expired claim.
 *
 * This is the only module that touches @gelatonetwork/automate-sdk, which is written against ethers 5: its signer
 * is an ethers-5 Wallet built here from a private key and an RPC URL, and no ethers-5 type leaves this file.
 *
 * Which networks Gelato serves: automate-sdk 3.x keeps no list in the package; AutomateSDK.create asks Gelato's
 * network API (AUTOMATE_W3F_API/networks/<chainId>) for the Automate contract of the chain and fails on chains
 * it does not serve. We ask the same endpoint first, so an unserved chain gets GelatoUnsupportedNetworkError
 * before any key is used; local development chains are refused without asking.
 */
import { AUTOMATE_W3F_API, AutomateSDK, TriggerType, type CreateTaskOptions } from "@gelatonetwork/automate-sdk";
import { JsonRpcProvider } from "@ethersproject/providers";
import { Wallet } from "@ethersproject/wallet";
import { AbiCoder, getAddress, id, isHexString } from "ethers";

/** Gelato does not serve this chain (or serves it without Automate). */
export class GelatoUnsupportedNetworkError extends Error {
  override name = "GelatoUnsupportedNetworkError";
  constructor(
    readonly chainId: number,
    detail: string,
  ) {
    super(`Gelato Automate does not serve chain ${chainId}: ${detail}`);
  }
}

/** A task argument is malformed (address, chain id, key, name), or the RPC endpoint is on another chain. */
export class GelatoTaskArgumentError extends Error {
  override name = "GelatoTaskArgumentError";
}

/** The resolver address does not answer `checker()` (no contract there, or not an OblivionCore). */
export class GelatoResolverError extends Error {
  override name = "GelatoResolverError";
}

/** Gelato's network API could not be reached. */
export class GelatoApiError extends Error {
  override name = "GelatoApiError";
}

/** Calldata of `checker()`, which Gelato calls on the resolver. */
export const CHECKER_CALLDATA = id("checker()").slice(0, 10);
/** Selector of the function the checker's execPayload calls: `reclaimExpired(uint256,uint256)`. */
export const RECLAIM_SELECTOR = id("reclaimExpired(uint256,uint256)").slice(0, 10);
/** Hardhat, Ganache/anvil-style local chain ids: never served by Gelato. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];

export interface CheckerTaskParams {
  chainId: number;
  /** OblivionCore address: both the resolver (checker) and the contract executed (reclaimExpired). */
  core: string;
  name?: string;
}

function checkChainId(chainId: number): void {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new GelatoTaskArgumentError(`chain id must be a positive integer, got ${chainId}`);
}

function checkAddress(what: string, value: string): string {
  try {
    return getAddress(value);
  } catch {
    throw new GelatoTaskArgumentError(`${what} ${JSON.stringify(value)} is not an address`);
  }
}

/** The createTask arguments for the core's resolver; validates them, touches no network. */
export function checkerTaskOptions(params: CheckerTaskParams): CreateTaskOptions {
  checkChainId(params.chainId);
  const core = checkAddress("core", params.core);
  if (core === "0x0000000000000000000000000000000000000000") throw new GelatoTaskArgumentError("core is the zero address");
  const name = params.name ?? `V-Oblivion reclaim expired claims (${core})`;
  if (name.trim() === "") throw new GelatoTaskArgumentError("task name is empty");
  return {
    name,
    execAddress: core,
    execSelector: RECLAIM_SELECTOR,
    resolverAddress: core,
    resolverData: CHECKER_CALLDATA,
    dedicatedMsgSender: true,
    // checker() is re-evaluated every block; Gelato executes when it returns canExec = true.
    trigger: { type: TriggerType.BLOCK },
  };
}

/** Minimal fetch signature, injectable so the network check can be tested without a network. */
export type FetchLike = (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** Asks Gelato which Automate contract serves `chainId`; throws GelatoUnsupportedNetworkError if none does. */
export async function gelatoAutomateAddress(chainId: number, fetchImpl: FetchLike = fetch): Promise<string> {
  checkChainId(chainId);
  if (LOCAL_CHAIN_IDS.includes(chainId)) throw new GelatoUnsupportedNetworkError(chainId, "a local development chain");
  const url = `${AUTOMATE_W3F_API}/networks/${chainId}`;
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new GelatoApiError(`could not reach ${url}: ${(err as Error).message}${cause ? ` (${cause})` : ""}`);
  }
  if (!res.ok) throw new GelatoUnsupportedNetworkError(chainId, `${url} answered ${res.status}`);
  const body = (await res.json()) as { network?: { automate?: string } };
  const automate = body?.network?.automate;
  if (typeof automate !== "string" || !isHexString(automate, 20)) {
    throw new GelatoUnsupportedNetworkError(chainId, "no Automate contract listed for it");
  }
  return automate;
}

/** The core must be a contract whose checker() answers (bool canExec, bytes execPayload). */
async function checkResolver(provider: JsonRpcProvider, core: string): Promise<void> {
  if ((await provider.getCode(core)) === "0x") throw new GelatoResolverError(`no contract at ${core}`);
  try {
    const answer = await provider.call({ to: core, data: CHECKER_CALLDATA });
    AbiCoder.defaultAbiCoder().decode(["bool", "bytes"], answer);
  } catch (err) {
    throw new GelatoResolverError(`${core} does not answer checker() with (bool, bytes): ${(err as Error).message}`);
  }
}

export interface RegisterCheckerTaskParams extends CheckerTaskParams {
  rpcUrl: string;
  /** Key of the account that owns (and funds) the task. */
  privateKey: string;
}

export interface RegisteredTask {
  taskId: string;
  txHash: string;
}

/** Registers the core's checker with Gelato Automate on a network Gelato serves. */
export async function registerCheckerTask(params: RegisterCheckerTaskParams, fetchImpl: FetchLike = fetch): Promise<RegisteredTask> {
  const options = checkerTaskOptions(params);
  if (!isHexString(params.privateKey, 32)) throw new GelatoTaskArgumentError("private key must be 32 bytes of 0x-prefixed hex");
  await gelatoAutomateAddress(params.chainId, fetchImpl);

  const provider = new JsonRpcProvider(params.rpcUrl);
  const network = await provider.getNetwork();
  if (network.chainId !== params.chainId) {
    throw new GelatoTaskArgumentError(`RPC ${params.rpcUrl} is on chain ${network.chainId}, not ${params.chainId}`);
  }
  await checkResolver(provider, options.execAddress);

  const signer = new Wallet(params.privateKey, provider);
  const automate = await AutomateSDK.create(params.chainId, signer);
  const { taskId, tx } = await automate.createTask(options);
  const receipt = await tx.wait();
  if (!taskId) throw new GelatoResolverError("Gelato returned no task id");
  return { taskId, txHash: receipt.transactionHash };
}
