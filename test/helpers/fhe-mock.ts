/**
 * The fhEVM mock in a shared Hardhat network.
 *
 * The plugin's mock coprocessor reads FHE events with a block cursor that only moves forward and ignores reverts
 * (`MockCoprocessor.handleEvmRevert` is a no-op in @fhevm/mock-utils 0.1): after any test reverts the chain below
 * a block the coprocessor already read (loadFixture, evm_revert), its next decryption fails with
 * "Invalid block filter fromBlock=… toBlock=…". Tests that use the mock start with `fheMockReady()`, which mines
 * empty blocks up to the highest block the chain had before a revert, so the cursor is behind the head again.
 */
import { fhevm, network } from "hardhat";

let highest = 0;

const blockNumber = async (request: (a: { method: string; params?: unknown[] }) => Promise<unknown>) =>
  Number(await request({ method: "eth_blockNumber" }));

// Every path to evm_revert (ethers.provider.send, network helpers, network.provider.send/request) ends in one of these.
const provider = network.provider as unknown as {
  request(a: { method: string; params?: unknown[] }): Promise<unknown>;
  send(method: string, params?: unknown[]): Promise<unknown>;
};
const request = provider.request.bind(provider);
const send = provider.send.bind(provider);
provider.request = async (a) => {
  if (a.method === "evm_revert") highest = Math.max(highest, await blockNumber(request));
  return request(a);
};
provider.send = async (method, params) => {
  if (method === "evm_revert") highest = Math.max(highest, await blockNumber(request));
  return send(method, params);
};

/** Fails unless the fhEVM mock runs here; then moves the head past every block the coprocessor may have read. */
export async function fheMockReady(): Promise<void> {
  if (!fhevm.isMock) throw new Error("these tests need the fhEVM mock (run under `hardhat test`)");
  const now = await blockNumber(request);
  if (now < highest) await request({ method: "hardhat_mine", params: ["0x" + (highest - now).toString(16)] });
}
