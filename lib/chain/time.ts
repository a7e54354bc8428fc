/** Moving a local development chain's clock (evm_increaseTime + evm_mine). Real networks refuse it here, by name and chain id. */

/** Chain ids of local development nodes (Hardhat, Anvil/Ganache). */
const LOCAL_CHAIN_IDS = new Set([31337n, 1337n]);

export async function advanceLocalTime(network: string, provider: { getNetwork(): Promise<{ chainId: bigint }>; send(method: string, params: unknown[]): Promise<unknown>; getBlock(tag: string): Promise<{ number: number; timestamp: number } | null> }, seconds: number) {
  const local = ["localhost", "hardhat"].includes(network);
  const chainId = local ? (await provider.getNetwork()).chainId : undefined; // a real network is refused before any RPC
  if (!local || !LOCAL_CHAIN_IDS.has(chainId!)) {
    throw new Error(`time:advance works on a local development chain only (localhost or hardhat, chain id 31337), not "${network}"${chainId === undefined ? "" : ` (chain id ${chainId})`}`);
  }
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
  const b = (await provider.getBlock("latest"))!;
  return { block: b.number, timestamp: b.timestamp };
}
